// screens.js - the fleet: every screen's state, what it shows, content age,
// alerts, version, temperature; filter by site, state and text; a picture
// (screenshot) on request and thumbnails.
//
// Made for a thousand screens: the list is loaded once and then kept current
// by /api/events; rows are built once per filter change (one DocumentFragment)
// and an event rewrites only the cells of its own row, batched per animation
// frame.  Thumbnails load lazily, so only the rows in view fetch one.
import { api, state, $, el, act, showError, debounce, fmtAge, fmtAgo, fmtTime, fmtFullTime, openDialog, roleAtLeast } from './core.js';

const PAGE = 2500;                  // rows built at once; "Show more" adds the next ones
const STATE_ORDER = { offline: 0, stale: 1, online: 2 };
const STATE_WORDS = { online: 'Online', stale: 'Stale', offline: 'Offline' };
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

const screens = new Map();          // kiosk -> screen object (latest)
const rows = new Map();             // kiosk -> <tr> currently in the table
const pending = new Map();          // kiosk -> screen object waiting for the next frame
let shown = PAGE;
let ready = false;
let loaded = false;
let loadPromise = null;
let visible = false;
let frame = 0;
let rebuildSoon = null;
let sitesListeners = [];
let lastSites = '';

export function knownScreens() {
  return screens;
}

export function knownSites() {
  const set = new Set();
  for (const s of screens.values()) if (s.site) set.add(s.site);
  return [...set].sort(collator.compare);
}

export function onSitesChanged(fn) {
  sitesListeners.push(fn);
}

// Asked for while the page is still checking the session (one round trip
// less before the table): used by the first load() if the session was good.
let early = null;

export function prefetch() {
  early = api('GET', '/api/screens', undefined, { quiet401: true });
  early.catch(() => {});  // a failure is reported by load(); the next show() asks again
}

export function dropPrefetch() {
  early = null;
}

export function init() {
  screens.clear();
  rows.clear();
  pending.clear();
  loaded = false;
  loadPromise = null;
  $('screens-body').replaceChildren();
  if (!ready) {
    ready = true;
    rebuildSoon = debounce(render, 800);
    $('screens-site').addEventListener('change', () => { shown = PAGE; render(); });
    $('screens-state').addEventListener('change', () => { shown = PAGE; render(); });
    $('screens-search').addEventListener('input', debounce(() => { shown = PAGE; render(); }, 150));
    $('screens-more').addEventListener('click', () => { shown += PAGE; render(); });
    $('screens-body').addEventListener('click', onTableClick);
    $('screens-body').addEventListener('error', onThumbError, true);
    $('screens-body').addEventListener('pointerover', onHover);
    setInterval(refreshAges, 30000);
  }
  load();
}

export async function show() {
  visible = true;
  await load();
  performance.mark('screens-data');
  render();
  performance.mark('screens-built');
  // "ready" = data loaded, rows built and the frame after them painted.
  requestAnimationFrame(() => setTimeout(() => {
    if (!document.body.dataset.screensReady) {
      performance.mark('screens-ready');
      document.body.dataset.screensReady = String(screens.size);
    }
  }, 0));
}

export function refresh() {
  loaded = false;
  loadPromise = null;
  load().then(() => { if (isVisible()) render(); });
}

function isVisible() {
  return !$('view-screens').hidden;
}

function load() {
  if (loaded) return Promise.resolve();
  if (loadPromise) return loadPromise;
  const got = early || api('GET', '/api/screens');
  early = null;
  loadPromise = got.then((res) => {
    screens.clear();
    for (const s of (res && res.screens) || []) screens.set(s.kiosk, s);
    loaded = true;
    sitesMaybeChanged();
    updateCounts();
  }).catch((e) => {
    loadPromise = null;
    if (e && e.status === 401 && !state.me) return;  // logged out meanwhile
    showError(e);
  });
  return loadPromise;
}

function sitesMaybeChanged() {
  const sites = knownSites();
  const key = sites.join('\n');
  if (key === lastSites) return;
  lastSites = key;
  const sel = $('screens-site');
  const cur = sel.value;
  sel.replaceChildren(el('option', { value: '', text: 'All sites' }), ...sites.map((s) => el('option', { value: s, text: s })));
  sel.value = sites.includes(cur) ? cur : '';
  const dl = $('screen-list');
  dl.replaceChildren(...[...screens.keys()].sort(collator.compare).map((k) => el('option', { value: k })));
  for (const fn of sitesListeners) fn(sites);
}

// ---- filtering and the table ------------------------------------------------

function filterFn() {
  const site = $('screens-site').value;
  const st = $('screens-state').value;
  const q = $('screens-search').value.trim().toLowerCase();
  return (s) => {
    if (site && s.site !== site) return false;
    if (st && s.state !== st) return false;
    if (q) {
      const title = s.showing && s.showing.title ? s.showing.title.toLowerCase() : '';
      if (!s.kiosk.toLowerCase().includes(q) && !(s.site || '').toLowerCase().includes(q) && !title.includes(q)) return false;
    }
    return true;
  };
}

function compare(a, b) {
  const d = (STATE_ORDER[a.state] ?? 3) - (STATE_ORDER[b.state] ?? 3);
  return d || collator.compare(a.kiosk, b.kiosk);
}

function render() {
  if (!isVisible()) return;
  const match = filterFn();
  const list = [];
  for (const s of screens.values()) if (match(s)) list.push(s);
  list.sort(compare);
  const frag = document.createDocumentFragment();
  rowTemplate = templateRow();  // the role may have changed since the last time
  rows.clear();
  const n = Math.min(list.length, shown);
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const tr = makeRow(list[i].kiosk);
    fillRow(tr, list[i], now);
    rows.set(list[i].kiosk, tr);
    frag.append(tr);
  }
  $('screens-body').replaceChildren(frag);
  $('screens-more-wrap').hidden = list.length <= n;
  $('screens-shown').textContent = list.length === screens.size
    ? `${screens.size} screen${screens.size === 1 ? '' : 's'}`
    : `${list.length} of ${screens.size} screens match`;
  if (!screens.size) $('screens-shown').textContent = 'No screen has reported yet.';
  updateCounts();
}

// One row: cells are made once (a deep clone of one template row) and
// fillRow() only rewrites their text.
let rowTemplate = null;

function templateRow() {
  const tr = el('tr', { role: 'row' },
    el('td', { role: 'cell', class: 'c-kiosk' }, el('strong', { class: 'kiosk-id' }), el('span', { class: 'site' })),
    el('td', { role: 'cell' }, el('span', { class: 'state' })),
    el('td', { role: 'cell', class: 'c-showing' }, el('span', { class: 'showing-title' }), el('span', { class: 'showing-meta' })),
    ...['c-age', 'c-alerts', 'c-version', 'c-temp', 'c-seen'].map((c) => el('td', { role: 'cell', class: c })),
    el('td', { role: 'cell', class: 'c-pic' }, el('div', { class: 'pic' },
      el('button', { type: 'button', class: 'thumb-btn', dataset: { act: 'view' } },
        el('img', { class: 'thumb', loading: 'lazy', decoding: 'async', width: 96, height: 54, alt: '' })),
      roleAtLeast('editor') ? el('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { act: 'shot' }, text: 'Take picture' }) : null)));
  return tr;
}

function makeRow(kiosk) {
  const tr = rowTemplate.cloneNode(true);
  tr.dataset.kiosk = kiosk;
  const open = tr.cells[8].firstChild.firstChild;
  open.setAttribute('aria-label', 'Open the latest picture of ' + kiosk);
  return tr;
}

// When the console's latest picture of s was taken: a time string, '' for
// none, undefined when the console does not say.
function shotTime(s) {
  if (!s) return undefined;
  const v = 'screenshot' in s ? s.screenshot : s.screenshot_at;
  return v === undefined ? undefined : (v || '');
}

function thumbUrl(kiosk, s) {
  const t = shotTime(s);
  const v = t ? '?t=' + encodeURIComponent(t) : '';
  return `/api/screens/${encodeURIComponent(kiosk)}/thumb.png${v}`;
}

function fillRow(tr, s, now) {
  const c = tr.cells;
  c[0].firstChild.textContent = s.kiosk;
  c[0].lastChild.textContent = s.site || '';
  const st = c[1].firstChild;
  st.textContent = STATE_WORDS[s.state] || s.state || '?';
  st.className = 'state state-' + (s.state || 'unknown');
  tr.className = 'row-' + (s.state || 'unknown');
  const sh = s.showing;
  c[2].firstChild.textContent = sh ? (sh.title || sh.id || '') : 'Nothing on screen';
  c[2].firstChild.classList.toggle('muted', !sh);
  c[2].lastChild.textContent = sh ? [sh.since && 'since ' + fmtTime(sh.since), sh.source].filter(Boolean).join(' · ') : '';
  c[3].textContent = s.content_age_s === undefined || s.content_age_s === null ? '—' : fmtAge(s.content_age_s);
  const alerts = Number(s.alerts) || 0;
  c[4].textContent = s.alerts === undefined || s.alerts === null ? '—' : String(alerts);
  c[4].classList.toggle('hot', alerts > 0);
  c[5].textContent = s.version || '—';
  const t = s.temp_c;
  c[6].textContent = typeof t === 'number' ? `${t.toFixed(0)} °C` : '—';
  c[6].classList.toggle('hot', typeof t === 'number' && t >= 75);
  c[7].textContent = fmtAgo(s.last_seen, now);
  // A thumbnail: when the console says when the last picture was taken
  // ("screenshot": a time or null), only screens with one fetch it; otherwise every row
  // tries (lazily: only rows in view load) and hides it on 404.
  const shotKey = shotTime(s) ?? '?';
  if (tr.dataset.shot !== shotKey) {
    tr.dataset.shot = shotKey;
    const img = c[8].firstChild.firstChild.firstChild;
    if (shotKey) {
      img.hidden = false;
      img.parentNode.classList.remove('no-thumb');
      img.src = thumbUrl(s.kiosk, s);
    } else {
      img.hidden = true;
      img.removeAttribute('src');
      img.parentNode.classList.add('no-thumb');
    }
  }
}

// The exact time of "last seen" as a tooltip, made when the pointer comes.
function onHover(e) {
  const td = e.target.closest && e.target.closest('td.c-seen');
  if (!td) return;
  const s = screens.get(td.parentNode.dataset.kiosk);
  if (s) td.title = fmtFullTime(s.last_seen);
}

function onThumbError(e) {
  const img = e.target;
  if (img && img.classList && img.classList.contains('thumb')) {
    img.hidden = true;
    img.closest('button').classList.add('no-thumb');
  }
}

function refreshAges() {
  if (!isVisible()) return;
  const now = Date.now();
  for (const [k, tr] of rows) {
    const s = screens.get(k);
    if (s) tr.cells[7].textContent = fmtAgo(s.last_seen, now);
  }
}

function updateCounts() {
  const n = { online: 0, stale: 0, offline: 0 };
  for (const s of screens.values()) if (s.state in n) n[s.state]++;
  const c = $('screens-counts');
  c.replaceChildren(
    el('span', { class: 'count state-online', text: `${n.online} online` }),
    el('span', { class: 'count state-stale', text: `${n.stale} stale` }),
    el('span', { class: 'count state-offline', text: `${n.offline} offline` }));
  const badge = $('nav-screens-badge');
  const bad = n.offline + n.stale;
  badge.hidden = bad === 0;
  badge.textContent = String(bad);
  badge.title = `${n.offline} offline, ${n.stale} stale`;
}

// ---- live updates -------------------------------------------------------------------

export function onEvent(s) {
  if (!state.me || !s || !s.kiosk) return;
  if (!loaded) return;  // the list being loaded already has it
  pending.set(s.kiosk, s);
  if (!frame) frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  let added = false;
  const now = Date.now();
  const match = filterFn();
  for (const [k, s] of pending) {
    const old = screens.get(k);
    screens.set(k, old ? Object.assign({}, old, s) : s);
    if (!old) { added = true; continue; }
    const tr = rows.get(k);
    if (tr) {
      const cur = screens.get(k);
      fillRow(tr, cur, now);
      tr.hidden = !match(cur);
    } else if (match(screens.get(k))) {
      added = true;  // now matches the filter: rebuild to place it
    }
  }
  pending.clear();
  updateCounts();
  if (added) {
    sitesMaybeChanged();
    rebuildSoon();
  }
}

// ---- pictures -----------------------------------------------------------------------

let openShot = null;  // the picture being waited for: {kiosk, prev, done, deadline, timer}

function onTableClick(e) {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  const kiosk = b.closest('tr').dataset.kiosk;
  if (b.dataset.act === 'view') showShot(kiosk);
  else if (b.dataset.act === 'shot') takeShot(kiosk, b);
}

function shotUrl(kiosk) {
  return `/api/screens/${encodeURIComponent(kiosk)}/screenshot.png?t=${Date.now()}`;
}

async function fetchShot(kiosk) {
  const res = await fetch(shotUrl(kiosk), { credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`The console answered ${res.status} for the picture.`);
  const blob = await res.blob();
  return { blob, tag: res.headers.get('ETag') || res.headers.get('Last-Modified') || '', size: blob.size, bytes: new Uint8Array(await blob.arrayBuffer()) };
}

function sameShot(a, b) {
  if (!a || !b) return false;
  if (a.tag && b.tag) return a.tag === b.tag;
  if (a.size !== b.size) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}

function shotFigure(kiosk, shot, note) {
  const url = URL.createObjectURL(shot.blob);
  const img = el('img', { class: 'shot', src: url, alt: 'Picture of what ' + kiosk + ' shows' });
  img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
  return el('figure', { class: 'shot-fig' }, img, el('figcaption', { text: note }));
}

async function showShot(kiosk) {
  const body = openDialog('Picture of ' + kiosk, el('p', { class: 'muted', text: 'Loading…' }));
  try {
    const shot = await fetchShot(kiosk);
    if (!shot) {
      body.replaceChildren(el('p', { text: 'No picture of this screen yet. Press “Take picture” to ask it for one.' }));
      return;
    }
    const s = screens.get(kiosk);
    const when = shotTime(s) ? 'taken ' + fmtFullTime(shotTime(s)) : 'the latest picture';
    body.replaceChildren(shotFigure(kiosk, shot, when));
  } catch (e) {
    body.replaceChildren(el('p', { class: 'bad', text: e.message }));
  }
}

async function takeShot(kiosk, button) {
  const s = screens.get(kiosk);
  if (s && s.state === 'offline') {
    showError(`${kiosk} is offline: it cannot take a picture now.`);
    return;
  }
  let prev = null;
  try { prev = await fetchShot(kiosk); } catch (_) { prev = null; }
  const res = await act(button, () => api('POST', `/api/screens/${encodeURIComponent(kiosk)}/screenshot`));
  if (res === undefined) return;
  const body = openDialog('Picture of ' + kiosk, el('p', { class: 'muted', text: `Asking ${kiosk} for a picture…` }));
  if (openShot) clearTimeout(openShot.timer);
  const prevTime = shotTime(screens.get(kiosk));
  const o = { kiosk, prev, done: false, deadline: Date.now() + 15000, timer: 0 };
  openShot = o;
  const poll = async () => {
    if (o.done || openShot !== o || !$('dialog').open) { if (openShot === o) openShot = null; return; }
    let shot = null;
    try { shot = await fetchShot(kiosk); } catch (_) { shot = null; }
    if (o.done) return;
    // New when its bytes differ, or when the console's "screenshot" time
    // (live updates) moved on: a screen that did not change sends equal bytes.
    const t = shotTime(screens.get(kiosk));
    if (shot && (!sameShot(shot, prev) || (t && t !== prevTime))) {
      o.done = true;
      openShot = null;
      body.replaceChildren(shotFigure(kiosk, shot, 'taken just now'));
      const tr = rows.get(kiosk);
      if (tr) {
        const img = tr.cells[8].querySelector('img');
        img.hidden = false;
        img.closest('button').classList.remove('no-thumb');
        img.src = thumbUrl(kiosk, { screenshot: String(Date.now()) });
      }
      return;
    }
    if (Date.now() > o.deadline) {
      o.done = true;
      openShot = null;
      body.replaceChildren(el('p', { class: 'bad', text: `${kiosk} did not send a picture within 15 seconds.` }));
      if (shot) body.append(shotFigure(kiosk, shot, 'the latest picture the console has (older)'));
      return;
    }
    o.timer = setTimeout(poll, 500);
  };
  o.timer = setTimeout(poll, 300);
}
