// posts.js - compose a post (with the kiosks' own rendering as preview and the
// schedule read back in words), publish / save as draft / approve / retract,
// the list of posts (by status or by screen) and each post's history.
import {
  api, state, $, el, act, showError, showNotice, clearError, debounce, roleAtLeast,
  fmtTime, fmtDayTime, fmtFullTime, localInputToIso, isoToLocalInput, openDialog, pressedTwice,
} from './core.js';
import { knownSites, knownScreens, onSitesChanged } from './screens.js';

let ready = false;
let editing = null;            // the post being edited, or null for a new one
const posts = new Map();       // id -> post, as last listed
let previewAbort = null;
let previewSeq = 0;
let describeAbort = null;
let describeSeq = 0;
let listSeq = 0;
const SCHEDULE_FIELDS = new Set(['post-from', 'post-until', 'post-days', 'post-hours']);

const STATUS_WORDS = {
  draft: 'Draft', pending: 'Waiting for approval', published: 'Published', retracted: 'Retracted',
};

export function init() {
  posts.clear();
  editing = null;
  if (ready) { resetForm(); return; }
  ready = true;
  const form = $('compose');
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('input', onFormChange);
  form.addEventListener('change', onFormChange);
  $('post-target').addEventListener('change', showTargetFields);
  $('post-publish').addEventListener('click', () => submit(true));
  $('post-save').addEventListener('click', () => submit(false));
  $('post-new').addEventListener('click', () => { clearError(); resetForm(); $('post-title').focus(); });
  $('post-image-file').addEventListener('change', upload);
  $('post-image-clear').addEventListener('click', () => {
    $('post-image').value = '';
    $('upload-status').textContent = '';
    onFormChange();
  });
  for (const id of SCHEDULE_FIELDS) {
    $(id).addEventListener('input', describeSoon);
  }
  $('posts-status').addEventListener('change', load);
  $('posts-screen').addEventListener('change', load);
  $('posts-list').addEventListener('click', onListClick);
  $('posts-jump').addEventListener('click', () => $('posts-card').scrollIntoView({ behavior: 'smooth', block: 'start' }));
  onSitesChanged(() => { if (state.me) fillSites(); });
  resetForm();
}

export function show() {
  const canWrite = roleAtLeast('editor');
  // A viewer gets the list only: no form to fill in that could not be sent.
  $('posts-layout').hidden = !canWrite;
  $('posts-readonly').hidden = canWrite;
  for (const n of $('compose').querySelectorAll('input, textarea, select')) n.disabled = !canWrite;
  $('compose-actions').hidden = !canWrite;
  $('post-publish').hidden = !canWrite;
  $('post-save').hidden = !canWrite;
  $('post-publish').textContent = roleAtLeast('publisher') ? 'Publish' : 'Send for approval';
  fillSites();
  load();
}

export function refresh() {
  load();
}

// ---- the form ---------------------------------------------------------------

function fillSites() {
  const box = $('target-sites-list');
  const chosen = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
  const mine = Array.isArray(state.me && state.me.sites) ? state.me.sites : [];
  const sites = mine.includes('*') ? knownSites() : mine.filter((s) => s !== '*');
  // One site only: it is the obvious choice.
  if (sites.length === 1 && !chosen.size) chosen.add(sites[0]);
  box.replaceChildren(...sites.map((s) => el('label', { class: 'chip' },
    el('input', { type: 'checkbox', value: s, checked: chosen.has(s) }), ' ' + s)));
  if (!sites.length) box.append(el('span', { class: 'muted', text: 'No sites known yet: no screen has reported.' }));
  // A user limited to some sites cannot target every screen.
  const allOpt = $('post-target').querySelector('option[value=all]');
  allOpt.disabled = !mine.includes('*');
  if (allOpt.disabled && $('post-target').value === 'all') {
    $('post-target').value = 'sites';
    showTargetFields();
  }
}

function showTargetFields() {
  const t = $('post-target').value;
  $('target-sites').hidden = t !== 'sites';
  $('target-screens').hidden = t !== 'screens';
}

function resetForm() {
  editing = null;
  $('compose').reset();
  $('post-lang').value = 'en';
  $('post-priority').value = '0';
  $('post-qr').checked = true;
  $('upload-status').textContent = '';
  $('compose-heading').textContent = 'New post';
  $('post-new').hidden = true;
  if (state.me && !(state.me.sites || []).includes('*')) $('post-target').value = 'sites';
  if (state.me) fillSites();
  showTargetFields();
  onFormChange();
  describeSoon();
}

function short(t) {
  return t.length > 60 ? t.slice(0, 57) + '…' : t;
}

function splitList(s) {
  return s.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean);
}

function readTarget() {
  const t = $('post-target').value;
  if (t === 'sites') return { sites: [...$('target-sites-list').querySelectorAll('input:checked')].map((i) => i.value) };
  if (t === 'screens') return { screens: splitList($('post-target-screens').value) };
  return { all: true };
}

function readSchedule() {
  const s = {};
  const from = localInputToIso($('post-from').value);
  const until = localInputToIso($('post-until').value);
  const days = $('post-days').value.trim();
  const hours = $('post-hours').value.trim();
  if (from) s.valid_from = from;
  if (until) s.valid_until = until;
  if (days) s.days = days;
  if (hours) s.hours = hours;
  return s;
}

// The post as the API takes it; empty optional fields are left out.
function readForm() {
  const p = { title: $('post-title').value.trim() };
  const body = $('post-body').value.replace(/\s+$/, '');
  if (body) p.body = body;
  const lang = $('post-lang').value.trim();
  if (lang) p.lang = lang;
  const image = $('post-image').value.trim();
  if (image) p.image = image;
  const link = $('post-link').value.trim();
  if (link) p.link = link;
  p.qr = $('post-qr').checked;
  const prio = $('post-priority').value.trim();
  if (prio !== '') p.priority = Number(prio);
  const dur = $('post-duration').value.trim();
  if (dur !== '') p.duration_s = Number(dur);
  p.target = readTarget();
  p.schedule = readSchedule();
  return p;
}

function fillForm(p) {
  resetForm();
  editing = p;
  $('post-title').value = p.title || '';
  $('post-body').value = p.body || '';
  $('post-lang').value = p.lang || '';
  $('post-image').value = p.image || '';
  $('post-link').value = p.link || '';
  $('post-qr').checked = p.qr !== false;
  $('post-priority').value = p.priority ?? 0;
  $('post-duration').value = p.duration_s ?? '';
  const t = p.target || { all: true };
  if (t.sites) {
    $('post-target').value = 'sites';
    showTargetFields();
    fillSites();
    const box = $('target-sites-list');
    for (const s of t.sites) {
      let box1 = box.querySelector(`input[value="${CSS.escape(s)}"]`);
      if (!box1) {
        box1 = el('input', { type: 'checkbox', value: s });
        box.append(el('label', { class: 'chip' }, box1, ' ' + s));
      }
      box1.checked = true;
    }
  } else if (t.screens) {
    $('post-target').value = 'screens';
    $('post-target-screens').value = t.screens.join(', ');
  } else {
    $('post-target').value = 'all';
  }
  showTargetFields();
  const s = p.schedule || {};
  $('post-from').value = isoToLocalInput(s.valid_from);
  $('post-until').value = isoToLocalInput(s.valid_until);
  $('post-days').value = s.days || '';
  $('post-hours').value = s.hours || '';
  $('compose-heading').textContent = `Editing “${p.title}” (version ${p.version ?? 1})`;
  $('post-new').hidden = false;
  onFormChange();
  describeSoon();
}

const previewSoon = debounce(preview, 450);

function onFormChange(ev) {
  $('post-image-clear').hidden = !$('post-image').value;
  $('compose-where').textContent = 'Shows on: ' + targetWords(readTarget());
  // The schedule is not drawn: typing it does not ask for new pictures.
  if (ev && ev.target && SCHEDULE_FIELDS.has(ev.target.id)) return;
  previewSoon();
}

// ---- preview: the kiosks' renderer draws the post ------------------------------

async function preview() {
  const box = $('preview');
  const p = readForm();
  delete p.schedule;  // not drawn; a half-typed schedule must not stop the preview
  if ((p.target.sites && !p.target.sites.length) || (p.target.screens && !p.target.screens.length)) delete p.target;
  if (previewAbort) previewAbort.abort();
  if (!p.title) {
    box.replaceChildren(el('p', { class: 'muted', text: 'Type a title to see the post as the screens will show it.' }));
    $('preview-state').textContent = '';
    return;
  }
  const seq = ++previewSeq;
  previewAbort = new AbortController();
  $('preview-state').textContent = 'drawing…';
  box.classList.add('busy');
  try {
    const res = await api('POST', '/api/preview', { post: p }, { signal: previewAbort.signal });
    if (seq !== previewSeq) return;
    const list = (res && res.previews) || [];
    box.replaceChildren(...list.map(previewFigure));
    if (!list.length) box.append(el('p', { class: 'muted', text: 'No preview: the targeted screens report no layout.' }));
    $('preview-state').textContent = '';
  } catch (e) {
    if (e && e.name === 'AbortError') return;
    if (seq !== previewSeq) return;
    box.replaceChildren(el('p', { class: 'bad', text: 'No preview: ' + e.message }));
    $('preview-state').textContent = '';
  } finally {
    if (seq === previewSeq) box.classList.remove('busy');
  }
}

function previewFigure(pv) {
  const name = [pv.layout, pv.orientation].filter(Boolean).join(' · ');
  const warnings = Array.isArray(pv.warnings) ? pv.warnings : [];
  const fig = el('figure', { class: 'preview-fig' + (pv.orientation === 'portrait' ? ' portrait' : '') },
    el('img', { src: pv.png, alt: `The post as drawn for ${name || 'the screens'}` }),
    el('figcaption', { text: name }));
  if (warnings.length) {
    fig.append(el('ul', { class: 'warnings' }, ...warnings.map((w) => el('li', { text: '⚠︎ ' + w }))));
  } else {
    fig.append(el('p', { class: 'fits', text: '✓︎ Everything fits.' }));
  }
  return fig;
}

// ---- the schedule in words and the next showings --------------------------------

const describeSoon = debounce(describe, 350);

async function describe() {
  const words = $('schedule-words');
  const next = $('schedule-next');
  const sched = readSchedule();
  if (describeAbort) describeAbort.abort();
  const seq = ++describeSeq;
  describeAbort = new AbortController();
  try {
    const res = await api('POST', '/api/schedule/describe', { schedule: sched }, { signal: describeAbort.signal });
    if (seq !== describeSeq) return;
    words.textContent = (res && res.words) || 'Always.';
    words.classList.remove('bad');
    const times = (res && Array.isArray(res.next)) ? res.next : [];
    next.replaceChildren(...times.map((t) => el('li', { text: fmtDayTime(t) || String(t), title: fmtFullTime(t) })));
    if (times.length) next.prepend(el('li', { class: 'next-head', text: 'Next showings:' }));
    else next.append(el('li', { class: 'muted', text: 'It will not be shown at any time: check the dates.' }));
  } catch (e) {
    if (e && e.name === 'AbortError') return;
    if (seq !== describeSeq) return;
    words.textContent = e.message;
    words.classList.add('bad');
    next.replaceChildren();
  }
}

// ---- image upload -----------------------------------------------------------------

const UPLOAD_MAX = 8 * 1024 * 1024;

async function upload() {
  const input = $('post-image-file');
  const file = input.files && input.files[0];
  if (!file) return;
  const status = $('upload-status');
  if (!/^image\/(png|jpeg|webp|gif)$/.test(file.type)) {
    showError(`“${file.name}” is not a PNG, JPEG, WebP or GIF picture.`);
    input.value = '';
    return;
  }
  if (file.size > UPLOAD_MAX) {
    showError(`“${file.name}” is ${(file.size / 1048576).toFixed(1)} MB; pictures up to ${UPLOAD_MAX / 1048576} MB are accepted.`);
    input.value = '';
    return;
  }
  status.textContent = 'uploading…';
  const res = await act(null, () => api('POST', '/api/uploads', file, { raw: true, type: file.type }));
  input.value = '';
  if (!res) { status.textContent = ''; return; }
  $('post-image').value = new URL(res.url, location.href).href;
  status.textContent = `Uploaded “${file.name}”.`;
  onFormChange();
}

// ---- publish / save ----------------------------------------------------------------

async function submit(publish) {
  const p = readForm();
  clearError();
  if (!p.title) {
    showError('A post needs a title.');
    $('post-title').focus();
    return;
  }
  if (p.target.sites && !p.target.sites.length) {
    showError('Choose at least one site, or show the post on all screens.');
    return;
  }
  if (p.target.screens && !p.target.screens.length) {
    showError('Name at least one screen, or show the post on all screens.');
    $('post-target-screens').focus();
    return;
  }
  if (publish) p.publish = true;
  const button = publish ? $('post-publish') : $('post-save');
  const was = editing;
  const saved = await act(button, () => was
    ? api('PUT', '/api/posts/' + encodeURIComponent(was.id), p)
    : api('POST', '/api/posts', p));
  if (!saved) return;
  upsert(saved);
  const t = `“${short(saved.title)}”`;
  if (saved.status === 'published') showNotice(`${t} is published: the screens show it now.`);
  else if (saved.status === 'pending') showNotice(`${t} waits for a publisher's approval.`);
  else showNotice(`${t} is saved as a draft.`);
  resetForm();
}

// ---- the list ----------------------------------------------------------------------

async function load() {
  const status = $('posts-status').value;
  const screen = $('posts-screen').value.trim();
  const q = new URLSearchParams();
  if (status) q.set('status', status);
  if (screen) q.set('screen', screen);
  const seq = ++listSeq;
  try {
    const res = await api('GET', '/api/posts' + (q.toString() ? '?' + q : ''));
    if (seq !== listSeq) return;
    posts.clear();
    for (const p of (res && res.posts) || []) posts.set(p.id, p);
    renderList();
  } catch (e) {
    if (seq === listSeq) showError(e);
  }
}

function matchesFilter(p) {
  const status = $('posts-status').value;
  if (status && p.status !== status) return false;
  const screen = $('posts-screen').value.trim();
  if (screen) {
    const t = p.target || {};
    if (t.screens && !t.screens.includes(screen)) return false;
    if (t.sites) {
      const s = knownScreens().get(screen);
      if (!s || !t.sites.includes(s.site)) return false;
    }
  }
  return true;
}

function upsert(p) {
  if (!p || !p.id) return;
  if (matchesFilter(p)) posts.set(p.id, p);
  else posts.delete(p.id);
  renderList();
}

export function onEvent(p) {
  if (!state.me) return;
  upsert(p);
}

function byRecent(a, b) {
  const order = { pending: 0, published: 1, draft: 2, retracted: 3 };
  const d = (order[a.status] ?? 4) - (order[b.status] ?? 4);
  if (d) return d;
  return String(b.updated || b.created || '').localeCompare(String(a.updated || a.created || ''));
}

function targetWords(t) {
  if (!t || t.all) return 'All screens';
  if (t.sites) return (t.sites.length === 1 ? 'Site ' : 'Sites ') + t.sites.join(', ');
  if (t.screens) return (t.screens.length === 1 ? 'Screen ' : 'Screens ') + t.screens.join(', ');
  return '';
}

function scheduleWords(s) {
  if (!s) return 'always';
  const parts = [];
  if (s.valid_from) parts.push('from ' + fmtTime(s.valid_from));
  if (s.valid_until) parts.push('until ' + fmtTime(s.valid_until));
  if (s.days) parts.push('days ' + s.days);
  if (s.hours) parts.push('hours ' + s.hours);
  return parts.length ? parts.join(', ') : 'always';
}

function renderList() {
  const list = $('posts-list');
  const sorted = [...posts.values()].sort(byRecent);
  const canWrite = roleAtLeast('editor');
  const canApprove = roleAtLeast('publisher');
  list.replaceChildren(...sorted.map((p) => {
    const actions = el('div', { class: 'post-actions' });
    if (canApprove && p.status === 'pending') {
      actions.append(el('button', { type: 'button', class: 'btn btn-primary', dataset: { act: 'approve', id: p.id }, text: 'Approve and publish' }));
    }
    if (canWrite && p.status !== 'retracted') {
      actions.append(el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'edit', id: p.id }, text: 'Edit' }));
    }
    if (canWrite && (p.status === 'published' || p.status === 'pending')) {
      actions.append(el('button', { type: 'button', class: 'btn btn-danger', dataset: { act: 'retract', id: p.id }, text: 'Retract' }));
    }
    actions.append(el('button', { type: 'button', class: 'btn btn-quiet', dataset: { act: 'history', id: p.id }, text: 'History' }));
    const who = [p.author && 'by ' + p.author, p.approver && 'approved by ' + p.approver,
      (p.updated || p.created) && fmtTime(p.updated || p.created)].filter(Boolean).join(' · ');
    return el('li', { class: 'post status-' + p.status, dataset: { id: p.id } },
      el('div', { class: 'post-head' },
        el('h3', { class: 'post-title', text: p.title }),
        el('span', { class: 'badge badge-' + p.status, text: STATUS_WORDS[p.status] || p.status })),
      p.body ? el('p', { class: 'post-body', text: p.body.length > 240 ? p.body.slice(0, 240) + '…' : p.body }) : null,
      el('p', { class: 'post-meta' },
        el('span', { text: targetWords(p.target) }), ' · ', el('span', { text: scheduleWords(p.schedule) }),
        p.priority ? el('span', { text: ' · priority ' + p.priority }) : null),
      el('p', { class: 'post-meta muted', text: who }),
      actions);
  }));
  $('posts-empty').hidden = sorted.length > 0;
  // A way down to the list from the top of the form, saying what is in it.
  const n = { published: 0, pending: 0 };
  for (const p of sorted) if (p.status in n) n[p.status]++;
  const jump = $('posts-jump');
  jump.hidden = !sorted.length;
  jump.textContent = `↓ ${n.published} published` + (n.pending ? ` · ${n.pending} waiting` : '');
}

async function onListClick(e) {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  const id = b.dataset.id;
  const p = posts.get(id);
  switch (b.dataset.act) {
  case 'edit':
    if (p) {
      clearError();
      fillForm(p);
      $('compose').scrollIntoView({ behavior: 'smooth', block: 'start' });
      $('post-title').focus({ preventScroll: true });
    }
    break;
  case 'approve': {
    const r = await act(b, () => api('POST', `/api/posts/${encodeURIComponent(id)}/approve`));
    if (r) { upsert(r); showNotice(`“${short(r.title)}” is approved and published.`); }
    break;
  }
  case 'retract':
    // Two steps, no modal: the first press asks, the second retracts.
    if (!pressedTwice(b, 'Yes, retract now')) return;
    {
      const r = await act(b, () => api('POST', `/api/posts/${encodeURIComponent(id)}/retract`));
      if (r) { upsert(r); showNotice(`“${short(r.title)}” is retracted: the screens drop it now.`); }
    }
    break;
  case 'history':
    await history(id);
    break;
  default:
  }
}

async function history(id) {
  const res = await act(null, () => api('GET', `/api/posts/${encodeURIComponent(id)}/history`));
  if (!res) return;
  const versions = (res.versions || []).slice().sort((x, y) => (y.version ?? 0) - (x.version ?? 0));
  // One block per version (newest first): readable on a phone as on a desktop.
  const items = versions.map((v) => {
    const when = v.time || v.updated || v.created;
    const who = v.user || [v.author, v.approver && 'approved by ' + v.approver].filter(Boolean).join(', ');
    return el('li', { class: 'version' },
      el('p', { class: 'version-head' },
        el('strong', { text: 'Version ' + (v.version ?? '?') }),
        el('span', { class: 'badge badge-' + (v.status || 'draft'), text: STATUS_WORDS[v.status] || v.status || '' }),
        el('span', { class: 'muted', text: [fmtDayTime(when), who].filter(Boolean).join(' · '), title: fmtFullTime(when) })),
      el('p', { class: 'version-title', text: v.title || '' }),
      v.body ? el('p', { class: 'version-body muted', text: v.body.length > 300 ? v.body.slice(0, 300) + '…' : v.body }) : null);
  });
  openDialog('History of the post',
    items.length ? el('ol', { class: 'history-list' }, ...items) : el('p', { class: 'muted', text: 'No versions recorded.' }));
}

