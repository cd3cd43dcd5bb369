// alerts.js - the emergency desk: compose an alert from a template (with
// placeholders) and language blocks, its exact preview, the two-person rule
// (requests shown at once to every approver: the red bar under the header and
// the Emergency view), Update / All clear / Cancel of a sent alert, and the
// live receipts of one alert.  All text goes through textContent (el()).
import { api, state, $, el, act, showError, clearError, showNotice, debounce, fmtTime, roleAtLeast,
  pressedTwice } from './core.js';
import { knownSites, onSitesChanged } from './screens.js';

const SEVERITY = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'];
const URGENCY = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'];
const CERTAINTY = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'];
const TEXT_FIELDS = [
  // [field, label, kind, maxlength]
  ['headline', 'Headline (the big line on screen)', 'input', 1024],
  ['instruction', 'What people must do', 'textarea', 32768],
  ['description', 'More about it', 'textarea', 32768],
  ['areaDesc', 'Area (as shown)', 'input', 1024],
  ['web', 'Web link for more information', 'input', 2048],
];
const STATE_WORDS = { pending: 'Waiting for approval', sent: 'Sent', rejected: 'Turned down', failed: 'Failed', sending: 'Sending' };

let ready = false;
let templates = [];
const alerts = new Map();   // id -> alert
let mode = null;            // null: new alert; {kind: 'update'|'allclear', ref: alert}
let textEdited = false;     // the blocks' text differs from the template's
let previewSeq = 0;
let previewAbort = null;
let receiptsOf = null;      // id of the alert whose receipts are shown
let receiptsTimer = 0;
const sources = new Map(); // CAP relay sources (publishers and admins)

function canCompose() { return roleAtLeast('editor'); }
function isApprover() { return roleAtLeast('publisher'); }
function headline(a) {
  const b = (a.info && a.info[0]) || {};
  if (a.msgType === 'Cancel' && !b.headline) {
    const ref = a.refers_to && alerts.get(a.refers_to);
    return ref ? 'Cancel of: ' + headline(ref) : 'Cancel';
  }
  return b.headline || b.event || a.identifier;
}
function scopeWords(s) {
  if (!s || s === 'all') return 'All screens';
  if (s.startsWith('site:')) return 'Site ' + s.slice(5);
  if (s.startsWith('kiosk:')) return 'Screen ' + s.slice(6);
  return s;
}

// ---- setup -----------------------------------------------------------------------

export function init() {
  alerts.clear();
  sources.clear();
  renderRelay();
  mode = null;
  receiptsOf = null;
  $('receipts-card').hidden = true;
  renderApprovals();
  if (ready) { resetForm(); return; }
  ready = true;
  const form = $('alert-compose');
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('input', onChange);
  form.addEventListener('change', onChange);
  $('alert-template').addEventListener('change', () => { applyTemplate(); onChange(); });
  $('alert-scope-kind').addEventListener('change', showScopeName);
  $('alert-add-lang').addEventListener('click', () => { addBlock({ language: '' }, true); textEdited = true; onChange(); });
  $('alert-send').addEventListener('click', send);
  $('alert-new').addEventListener('click', () => { clearError(); mode = null; resetForm(); });
  $('alerts-list').addEventListener('click', onListClick);
  $('approvals').addEventListener('click', onListClick);
  $('receipts-card').addEventListener('click', onListClick);
  $('receipts-close').addEventListener('click', () => { receiptsOf = null; $('receipts-card').hidden = true; });
  $('relay-list').addEventListener('click', onRelayClick);
  $('relay-form').addEventListener('submit', (e) => { e.preventDefault(); saveSource(); });
  $('relay-new').addEventListener('click', () => { clearError(); resetSourceForm(); $('relay-id').focus(); });
  $('tpl-save').addEventListener('click', saveTemplate);
  onSitesChanged(fillScopeNames);
}

export async function show() {
  $('tpl-admin').hidden = !roleAtLeast('admin');
  $('relay-form').hidden = !roleAtLeast('admin');
  $('alerts-layout').hidden = !canCompose();
  $('alerts-readonly').hidden = canCompose();
  fillScopeNames();
  await Promise.all([loadTemplates(), load(), loadRelay()]);
  onChange();
}

export function refresh() { load(); }

// Called once after login for everybody: approvers must see requests in any view.
export async function prefetchList() {
  await Promise.all([load(), loadRelay()]);
}

// ---- CAP sources --------------------------------------------------------------------

async function loadRelay() {
  if (!isApprover()) return;
  try {
    const res = await api('GET', '/api/relay');
    sources.clear();
    for (const s of (res && res.sources) || []) sources.set(s.id, s);
  } catch (e) { showError(e); return; }
  renderRelay();
}

export function onRelay(st) {
  if (!st || !st.id || !isApprover()) return;
  const s = sources.get(st.id);
  if (!s) { loadRelay(); return; }
  s.status = st;
  renderRelay();
}

function ruleWords(s) {
  const r = s.rules || {};
  const parts = [`every ${s.interval_s} s`, s.mode === 'auto' ? 'sent at once' : 'waits for an approver', scopeWords(s.scope)];
  if (r.areas && r.areas.length) parts.push('areas: ' + r.areas.join(', '));
  if (r.geocodes && r.geocodes.length) parts.push('geocodes: ' + r.geocodes.join(', '));
  if (r.events && r.events.length) parts.push('events: ' + r.events.join(', '));
  if (r.min_severity && r.min_severity !== 'Unknown') parts.push(r.min_severity + ' and above');
  return parts.join(' · ');
}

function renderRelay() {
  const list = [...sources.values()];
  $('relay-card').hidden = !isApprover();
  $('relay-empty').hidden = list.length > 0;
  $('relay-list').replaceChildren(...list.map((s) => {
    const st = s.status || {};
    const word = st.state === 'failing' ? 'Failing' : st.state === 'ok' ? 'OK' : 'Not read yet';
    const cls = st.state === 'failing' ? 'state-offline' : st.state === 'ok' ? 'state-online' : 'state-unknown';
    const li = el('li', { class: 'post', dataset: { id: s.id } },
      el('div', { class: 'post-head' }, el('h3', { class: 'post-title', text: s.id }), el('span', { class: 'count ' + cls, text: word })),
      el('p', { class: 'post-meta muted break', text: s.url }),
      el('p', { class: 'post-meta', text: ruleWords(s) }),
      el('p', { class: 'post-meta muted', text: (st.last_poll ? 'read ' + fmtTime(st.last_poll) : 'not read yet')
        + ` · ${st.forwarded || 0} relayed · ${st.skipped || 0} skipped` }));
    if (st.state === 'failing') li.append(el('p', { class: 'bad', text: `Failing since ${fmtTime(st.since)}: ${st.error}. Its alerts stay as they were.` }));
    if (st.warnings && st.warnings.length) li.append(el('ul', { class: 'warnings' }, ...st.warnings.map((w) => el('li', { class: 'break', text: '⚠︎ ' + w }))));
    const actions = el('div', { class: 'post-actions' }, el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'poll', id: s.id }, text: 'Check now' }));
    if (roleAtLeast('admin')) {
      actions.append(el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'edit', id: s.id }, text: 'Change' }),
        el('button', { type: 'button', class: 'btn btn-danger', dataset: { act: 'remove', id: s.id }, text: 'Remove' }));
    }
    li.append(actions);
    return li;
  }));
  const failing = list.filter((s) => s.status && s.status.state === 'failing');
  const bar = $('relay-warn');
  bar.hidden = failing.length === 0;
  bar.replaceChildren(...failing.map((s) => el('p', { class: 'relay-warn-line',
    text: `CAP source "${s.id}" is failing since ${fmtTime(s.status.since)}: ${s.status.error}. Its last alerts stay on the screens as they were.` })));
}

async function onRelayClick(ev) {
  const btn = ev.target.closest('button[data-act]');
  if (!btn) return;
  const id = btn.dataset.id;
  if (btn.dataset.act === 'poll') {
    const r = await act(btn, () => api('POST', `/api/relay/${encodeURIComponent(id)}/poll`));
    if (r !== undefined) showNotice(`Reading "${id}" now.`);
  } else if (btn.dataset.act === 'edit') {
    const s = sources.get(id);
    if (!s) return;
    clearError();
    fillSourceForm(s);
    $('relay-form').scrollIntoView({ behavior: 'smooth', block: 'start' });
    $('relay-url').focus({ preventScroll: true });
  } else if (btn.dataset.act === 'remove') {
    if (!pressedTwice(btn, `Yes, remove ${id}`)) return;  // two steps, as Retract
    const r = await act(btn, () => api('DELETE', `/api/relay/${encodeURIComponent(id)}`).then(() => true));
    if (r) {
      showNotice(`"${id}" is removed: it is no longer read. Alerts it relayed stay until they end or are cancelled.`);
      if ($('relay-id').readOnly && $('relay-id').value === id) resetSourceForm();
      await loadRelay();
    }
  }
}

function listOf(text) {
  return text.split(',').map((x) => x.trim()).filter(Boolean);
}

function resetSourceForm() {
  $('relay-form').reset();
  $('relay-id').readOnly = false;
  $('relay-heading').textContent = 'Add a CAP source';
  $('relay-save').textContent = 'Add source';
  $('relay-new').hidden = true;
}

function fillSourceForm(s) {
  const r = s.rules || {};
  $('relay-id').value = s.id;
  $('relay-id').readOnly = true;  // the name is the key: another name is another source
  $('relay-url').value = s.url;
  $('relay-interval').value = s.interval_s;
  $('relay-mode').value = s.mode === 'auto' ? 'auto' : 'draft';
  $('relay-scope').value = s.scope || 'all';
  $('relay-areas').value = (r.areas || []).join(', ');
  $('relay-geocodes').value = (r.geocodes || []).join(', ');
  $('relay-events').value = (r.events || []).join(', ');
  $('relay-severity').value = r.min_severity || 'Unknown';
  $('relay-tests').checked = !!s.tests;
  $('relay-heading').textContent = 'Change ' + s.id;
  $('relay-save').textContent = 'Save changes';
  $('relay-new').hidden = false;
}

async function saveSource() {
  const changing = $('relay-id').readOnly;
  const body = {
    id: $('relay-id').value.trim(),
    url: $('relay-url').value.trim(),
    interval_s: Number($('relay-interval').value),
    mode: $('relay-mode').value,
    scope: $('relay-scope').value.trim() || 'all',
    tests: $('relay-tests').checked,
    rules: {
      areas: listOf($('relay-areas').value),
      geocodes: listOf($('relay-geocodes').value),
      events: listOf($('relay-events').value),
      min_severity: $('relay-severity').value,
    },
  };
  const r = await act($('relay-save'), () => {
    if (!body.id) throw new Error('Enter a name for the source.');
    if (!/^https?:\/\//.test(body.url)) throw new Error('Enter the address of the source (http:// or https://).');
    if (!Number.isInteger(body.interval_s) || body.interval_s < 1 || body.interval_s > 86400) throw new Error('Read it every 1 to 86400 seconds.');
    return api('POST', '/api/relay', body);
  });
  if (!r) return;
  showNotice(changing ? `"${r.id}" is changed; it is read again now.` : `"${r.id}" is added; it is read now.`);
  resetSourceForm();
  await loadRelay();
}

async function loadTemplates() {
  try {
    const res = await api('GET', '/api/alert-templates');
    templates = (res && res.templates) || [];
  } catch (e) { showError(e); return; }
  const sel = $('alert-template');
  const cur = sel.value;
  sel.replaceChildren(el('option', { value: '', text: 'No template: write it myself' }),
    ...templates.map((t) => el('option', { value: t.id, text: t.name + (t.preapproved ? ' (pre-approved)' : '') })));
  if (templates.some((t) => t.id === cur)) sel.value = cur;
  if (!mode && !$('alert-blocks').children.length) resetForm();
}

async function load() {
  try {
    const res = await api('GET', '/api/alerts');
    alerts.clear();
    for (const a of (res && res.alerts) || []) alerts.set(a.id, a);
  } catch (e) { showError(e); return; }
  renderList();
  renderApprovals();
}

// ---- the form ---------------------------------------------------------------------

function option(v, text) { return el('option', { value: v, text: text || v }); }

function addBlock(b, focus) {
  const box = $('alert-blocks');
  const n = box.children.length;
  if (n >= 16) { showError('At most 16 languages.'); return; }
  const idp = 'ab' + Date.now().toString(36) + n;
  const field = (name, label, node) => el('div', { class: 'field' }, el('label', { for: idp + name, text: label }), node);
  const sel = (name, list, v) => {
    const s = el('select', { id: idp + name, dataset: { f: name } }, ...list.map((x) => option(x)));
    s.value = list.includes(v) ? v : list[0];
    return s;
  };
  const fs = el('fieldset', { class: 'block' },
    el('legend', { text: n === 0 ? 'Text on screen' : 'Another language' }),
    el('div', { class: 'row' },
      field('language', 'Language', el('input', { id: idp + 'language', dataset: { f: 'language' }, value: b.language || '', list: 'lang-list', maxlength: 35, autocapitalize: 'none', spellcheck: 'false', placeholder: 'en' })),
      field('event', 'Event', el('input', { id: idp + 'event', dataset: { f: 'event' }, value: b.event || '', maxlength: 1024 }))),
    el('div', { class: 'row' },
      field('severity', 'Severity', sel('severity', SEVERITY, b.severity)),
      field('urgency', 'Urgency', sel('urgency', URGENCY, b.urgency)),
      field('certainty', 'Certainty', sel('certainty', CERTAINTY, b.certainty))));
  for (const [f, label, kind, max] of TEXT_FIELDS) {
    const props = { id: idp + f, dataset: { f }, maxlength: max };
    if (f === 'web') Object.assign(props, { type: 'url', inputmode: 'url', placeholder: 'https://…' });
    const node = kind === 'textarea' ? el('textarea', Object.assign(props, { rows: f === 'instruction' ? 3 : 2 })) : el('input', props);
    node.value = b[f] || '';
    fs.append(field(f, label, node));
  }
  if (n > 0) {
    fs.append(el('button', { type: 'button', class: 'btn btn-quiet', text: 'Remove this language',
      on: { click: () => { fs.remove(); textEdited = true; onChange(); } } }));
  }
  box.append(fs);
  if (focus) fs.querySelector('input').focus();
}

function readBlocks(fill) {
  const vals = readValues();
  const out = [];
  for (const fs of $('alert-blocks').children) {
    const b = {};
    for (const n of fs.querySelectorAll('[data-f]')) {
      let v = n.value.trim();
      if (fill) v = fillText(v, vals);
      if (v) b[n.dataset.f] = v;
    }
    out.push(b);
  }
  return out;
}

function readValues() {
  const v = {};
  for (const n of $('alert-values').querySelectorAll('input')) v[n.dataset.p] = n.value.trim();
  return v;
}

// The server's rule: {name} -> values[name] (a missing value stays visible).
function fillText(s, vals) {
  return s.replace(/\{([a-z0-9_]{1,32})\}/g, (m, name) => (vals[name] ? vals[name] : m));
}

function currentTemplate() {
  return templates.find((t) => t.id === $('alert-template').value) || null;
}

function applyTemplate() {
  const t = currentTemplate();
  $('tpl-name').value = t ? t.name : '';
  $('tpl-pre').checked = !!(t && t.preapproved);
  const box = $('alert-values');
  const old = readValues();
  box.replaceChildren();
  $('alert-blocks').replaceChildren();
  textEdited = false;
  if (!t) {
    addBlock({ language: 'en', severity: 'Severe', urgency: 'Immediate', certainty: 'Observed' });
    return;
  }
  for (const b of t.info || []) addBlock(b);
  for (const p of t.placeholders || []) {
    const id = 'alert-value-' + p;
    box.append(el('div', { class: 'field' },
      el('label', { for: id, text: 'Fill in: ' + p.replace(/_/g, ' ') }),
      el('input', { id, dataset: { p }, value: old[p] || '', maxlength: 200, autocomplete: 'off', required: true })));
  }
  if (t.expires_minutes) setExpires(t.expires_minutes);
}

function setExpires(min) {
  const sel = $('alert-expires');
  if (![...sel.options].some((o) => Number(o.value) === min)) sel.append(option(String(min), `${min} minutes`));
  sel.value = String(min);
}

function showScopeName() {
  const k = $('alert-scope-kind').value;
  $('alert-scope-name-wrap').hidden = k === 'all';
  $('alert-scope-name-label').textContent = k === 'site' ? 'Site' : 'Screen id';
  $('alert-scope-name').setAttribute('list', k === 'site' ? 'alert-site-list' : 'screen-list');
  onChange();
}

function fillScopeNames() {
  const mine = (state.me && state.me.sites) || [];
  const sites = mine.includes('*') ? knownSites() : mine;
  $('alert-site-list').replaceChildren(...sites.map((s) => option(s)));
}

function readScope() {
  const k = $('alert-scope-kind').value;
  const n = $('alert-scope-name').value.trim();
  return k === 'all' ? 'all' : `${k}:${n}`;
}

function resetForm() {
  mode = null;
  $('alert-heading').textContent = 'New emergency alert';
  $('alert-ref').hidden = true;
  $('alert-new').hidden = true;
  $('alert-template-wrap').hidden = false;
  $('alert-where').hidden = false;
  const sel = $('alert-template');
  if (templates.some((t) => t.id === 'evacuation') && !sel.value) sel.value = 'evacuation';
  $('alert-status').value = 'Actual';
  $('alert-scope-kind').value = 'all';
  $('alert-scope-name').value = '';
  $('alert-note').value = '';
  showScopeName();
  applyTemplate();
  onChange();
}

// Update / All clear of a sent alert: its text (or the All clear template), its scope.
function startFrom(kind, a) {
  clearError();
  mode = { kind, ref: a };
  $('alert-heading').textContent = kind === 'allclear' ? 'All clear' : 'Update of a sent alert';
  $('alert-ref').textContent = `Replaces "${headline(a)}" (${scopeWords(a.scope)}, sent ${fmtTime(a.sent)}). The sent alert is not changed: this is a new message that refers to it.`;
  $('alert-ref').hidden = false;
  $('alert-new').hidden = false;
  $('alert-where').hidden = true;
  $('alert-status').value = a.status;
  const sel = $('alert-template');
  if (kind === 'allclear') {
    sel.value = 'all-clear';
    applyTemplate();
    $('alert-template-wrap').hidden = false;
  } else {
    sel.value = '';
    $('alert-values').replaceChildren();
    $('alert-blocks').replaceChildren();
    for (const b of a.info || []) {
      const copy = Object.assign({}, b);
      delete copy.expires;
      addBlock(copy);
    }
    textEdited = true;
  }
  onChange();
  $('alerts-layout').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function body() {
  const t = currentTemplate();
  const b = {
    status: $('alert-status').value,
    expires_minutes: Number($('alert-expires').value),
    info: readBlocks(true),
  };
  if (!mode) b.scope = readScope();
  if (t) { b.template = t.id; b.values = readValues(); }
  const note = $('alert-note').value.trim();
  if (note) b.note = note;
  return b;
}

function ruleText() {
  const t = currentTemplate();
  const status = $('alert-status').value;
  if (status !== 'Actual') return [false, `${status}: sent at once by you. Screens show it with a ${status.toUpperCase()} band.`];
  if (t && t.preapproved && !textEdited) return [false, 'Pre-approved template, text unchanged: sent at once.'];
  return [true, 'Two-person rule: a second person (an approver) must confirm before it is sent.'];
}

function onChange(ev) {
  if (ev && ev.target && ev.target.closest && ev.target.closest('#alert-blocks') && ev.type === 'input') textEdited = true;
  const [needs, text] = ruleText();
  $('alert-rule').textContent = text;
  $('alert-rule').className = 'rule ' + (needs ? 'rule-two' : 'rule-one');
  const kind = mode ? (mode.kind === 'allclear' ? 'All clear' : 'Update') : 'alert';
  $('alert-send').textContent = needs ? `Ask for approval` : `Send ${kind} now`;
  $('alert-where-words').textContent = mode ? scopeWords(mode.ref.scope) : scopeWords(readScope());
  previewSoon();
}

// ---- preview --------------------------------------------------------------------

const previewSoon = debounce(preview, 450);

async function preview() {
  const box = $('alert-preview');
  if (!canCompose() || $('view-alerts').hidden) return;
  const b = body();
  if (previewAbort) previewAbort.abort();
  const seq = ++previewSeq;
  const empty = [...$('alert-values').querySelectorAll('input')].filter((n) => !n.value.trim()).map((n) => n.dataset.p);
  if (empty.length) {
    box.replaceChildren(el('p', { class: 'muted', text: 'Fill in ' + empty.join(', ') + ' to see the alert as the screens will show it.' }));
    $('alert-preview-state').textContent = '';
    return;
  }
  previewAbort = new AbortController();
  const signal = previewAbort.signal;
  $('alert-preview-state').textContent = 'drawing…';
  box.classList.add('busy');
  const figs = [];
  try {
    for (let i = 0; i < b.info.length; i++) {
      const req = Object.assign({}, b, { block: i, scope: b.scope && b.scope.endsWith(':') ? 'all' : b.scope });
      if (mode) req.refers_to = mode.ref.id;
      const res = await api('POST', '/api/alerts/preview', req, { signal });
      if (seq !== previewSeq) return;
      for (const pv of res.previews || []) figs.push(figure(pv, res.language));
    }
    box.replaceChildren(...figs);
  } catch (e) {
    if (e && e.name === 'AbortError') return;
    if (seq !== previewSeq) return;
    box.replaceChildren(el('p', { class: 'bad', text: 'Not sendable yet: ' + e.message }));
  } finally {
    if (seq === previewSeq) {
      box.classList.remove('busy');
      $('alert-preview-state').textContent = '';
    }
  }
}

function figure(pv, lang) {
  const name = `${lang} · ${pv.orientation}`;
  const warnings = Array.isArray(pv.warnings) ? pv.warnings : [];
  const fig = el('figure', { class: 'preview-fig' + (pv.orientation === 'portrait' ? ' portrait' : '') },
    el('img', { src: pv.png, alt: `The alert in ${lang} as drawn on a ${pv.orientation} screen` }),
    el('figcaption', { class: 'alert-cap', text: name }));
  if (warnings.length) fig.append(el('ul', { class: 'warnings' }, ...warnings.map((w) => el('li', { text: '⚠︎ ' + w }))));
  else fig.append(el('p', { class: 'fits', text: '✓︎ Everything fits.' }));
  return fig;
}

// An admin saves the form's text (blanks kept) as a template.
async function saveTemplate() {
  const name = $('tpl-name').value.trim();
  if (!name) { showError('Give the template a name.'); $('tpl-name').focus(); return; }
  const cur = currentTemplate();
  const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'template';
  const id = cur && cur.name === name ? cur.id : slug;
  const t = {
    id, name, preapproved: $('tpl-pre').checked,
    msgType: mode && mode.kind === 'allclear' ? 'Update' : (cur ? cur.msgType : 'Alert'),
    expires_minutes: Number($('alert-expires').value),
    info: readBlocks(false),
  };
  const r = await act($('tpl-save'), () => api('POST', '/api/alert-templates', t));
  if (!r) return;
  showNotice(`Template "${r.name}" saved${r.preapproved ? ' (pre-approved)' : ''}.`);
  await loadTemplates();
  $('alert-template').value = r.id;
}

// ---- sending ----------------------------------------------------------------------

async function send() {
  const b = body();
  if (!mode && b.scope.endsWith(':')) { showError('Say which site or screen the alert is for.'); return; }
  const missing = [...$('alert-values').querySelectorAll('input')].filter((n) => !n.value.trim());
  if (missing.length) {
    showError('Fill in: ' + missing.map((n) => n.dataset.p).join(', '));
    missing[0].focus();
    return;
  }
  const path = mode ? `/api/alerts/${encodeURIComponent(mode.ref.id)}/${mode.kind}` : '/api/alerts';
  const a = await act($('alert-send'), () => api('POST', path, b));
  if (!a) return;
  alerts.set(a.id, a);
  renderList();
  renderApprovals();
  if (a.state === 'pending') showNotice(`Waiting for a second person: "${headline(a)}". Approvers see it now.`);
  else {
    showNotice(`Sent: "${headline(a)}". Receipts below.`);
    openReceipts(a.id);
  }
  resetForm();
}

// ---- the list and the approval bar ----------------------------------------------------

function itemActions(a) {
  const acts = [];
  const me = state.me && state.me.user;
  if (a.state === 'pending') {
    if (isApprover() && a.author !== me) {
      acts.push(el('button', { type: 'button', class: 'btn btn-danger', dataset: { act: 'approve', id: a.id }, text: 'Approve and send' }));
      acts.push(el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'reject', id: a.id }, text: 'Turn down' }));
    } else if (a.author === me) {
      acts.push(el('span', { class: 'muted small', text: 'Waiting for a second person.' }));
      acts.push(el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'reject', id: a.id }, text: 'Withdraw' }));
    }
  } else if (a.state === 'sent') {
    acts.push(el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'receipts', id: a.id }, text: 'Receipts' }));
    if (canCompose() && a.msgType !== 'Cancel' && !a.replaced_by) {
      acts.push(el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'update', id: a.id }, text: 'Update' }));
      acts.push(el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'allclear', id: a.id }, text: 'All clear' }));
      acts.push(el('button', { type: 'button', class: 'btn btn-danger', dataset: { act: 'cancel', id: a.id }, text: 'Cancel alert' }));
    }
  }
  return acts;
}

function badges(a) {
  const out = [el('span', { class: 'count badge-' + a.state, text: STATE_WORDS[a.state] || a.state })];
  if (a.status !== 'Actual') out.push(el('span', { class: 'count badge-test', text: a.status.toUpperCase() }));
  if (a.msgType !== 'Alert') out.push(el('span', { class: 'count badge-kind', text: a.msgType }));
  if (a.replaced_by) out.push(el('span', { class: 'count badge-draft', text: 'Replaced' }));
  return out;
}

function meta(a) {
  const parts = [scopeWords(a.scope), 'by ' + a.author];
  if (a.approver) parts.push((a.state === 'rejected' ? 'turned down by ' : 'approved by ') + a.approver);
  if (a.template) parts.push('template ' + a.template);
  parts.push(a.sent ? 'sent ' + fmtTime(a.sent) : 'asked ' + fmtTime(a.created));
  if (a.expires && a.msgType !== 'Cancel') parts.push('ends ' + fmtTime(a.expires));
  return parts.join(' · ');
}

function item(a) {
  const b = (a.info && a.info[0]) || {};
  const li = el('li', { class: 'post alert-item state-' + a.state, id: 'alert-' + a.id, dataset: { id: a.id } },
    el('div', { class: 'post-head' }, el('h3', { class: 'post-title', text: headline(a) }), ...badges(a)),
    b.instruction ? el('p', { class: 'post-body', text: b.instruction }) : null,
    el('p', { class: 'post-meta muted', text: meta(a) }));
  if (a.info && a.info.length > 1) li.append(el('p', { class: 'post-meta muted', text: 'Languages: ' + a.info.map((x) => x.language || 'en-US').join(', ') }));
  const acts = itemActions(a);
  if (acts.length) li.append(el('div', { class: 'post-actions' }, ...acts));
  return li;
}

function renderList() {
  const list = $('alerts-list');
  const sorted = [...alerts.values()].sort((x, y) => {
    const p = (x.state === 'pending' ? 0 : 1) - (y.state === 'pending' ? 0 : 1);
    return p || String(y.created || '').localeCompare(String(x.created || ''));
  });
  list.replaceChildren(...sorted.map(item));
  $('alerts-empty').hidden = sorted.length > 0;
}

function waitingForMe() {
  const me = state.me && state.me.user;
  return [...alerts.values()].filter((a) => a.state === 'pending' && a.author !== me);
}

function renderApprovals() {
  const bar = $('approvals');
  const mine = isApprover() ? waitingForMe() : [];
  const badge = $('nav-alerts-badge');
  badge.hidden = mine.length === 0;
  badge.textContent = String(mine.length);
  if (!mine.length) { bar.hidden = true; bar.replaceChildren(); return; }
  bar.replaceChildren(el('p', { class: 'approvals-head', text: mine.length === 1 ? 'An alert waits for your approval' : `${mine.length} alerts wait for your approval` }),
    ...mine.map((a) => {
      const b = (a.info && a.info[0]) || {};
      return el('div', { class: 'approval', dataset: { id: a.id } },
        el('p', { class: 'approval-title', text: `${headline(a)}` }),
        b.instruction ? el('p', { class: 'approval-text', text: b.instruction }) : null,
        el('p', { class: 'approval-meta', text: `${a.status} ${a.msgType} · ${scopeWords(a.scope)} · asked by ${a.author} ${fmtTime(a.created)}` }),
        el('div', { class: 'post-actions' },
          el('button', { type: 'button', class: 'btn btn-danger', dataset: { act: 'approve', id: a.id }, text: 'Approve and send' }),
          el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'review', id: a.id }, text: 'Review' }),
          el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'reject', id: a.id }, text: 'Turn down' })));
    }));
  bar.hidden = false;
}

export function onEvent(a) {
  if (!state.me || !a || !a.id) return;
  alerts.set(a.id, a);
  renderList();
  renderApprovals();
  if (receiptsOf === a.id) receiptsSoon();
}

export function onReceipt(r) {
  if (r && r.alert === receiptsOf) receiptsSoon();
}

async function onListClick(ev) {
  const btn = ev.target.closest('button[data-act]');
  if (!btn) return;
  const a = alerts.get(btn.dataset.id);
  const id = btn.dataset.id;
  const enc = encodeURIComponent(id);
  switch (btn.dataset.act) {
    case 'approve': {
      const r = await act(btn, () => api('POST', `/api/alerts/${enc}/approve`));
      if (r) { onEvent(r); showNotice(`Approved and sent: "${headline(r)}".`); if (!$('view-alerts').hidden) openReceipts(r.id); }
      break;
    }
    case 'reject': {
      const r = await act(btn, () => api('POST', `/api/alerts/${enc}/reject`));
      if (r) { onEvent(r); showNotice(`Turned down: "${headline(r)}".`); }
      break;
    }
    case 'review':
      location.hash = '#alerts';
      setTimeout(() => { const li = $('alert-' + id); if (li) li.scrollIntoView({ behavior: 'smooth', block: 'center' }); }, 50);
      break;
    case 'receipts': openReceipts(id); break;
    case 'update': if (a) startFrom('update', a); break;
    case 'allclear': if (a) startFrom('allclear', a); break;
    case 'cancel': {
      if (!pressedTwice(btn, 'Yes, cancel it now')) return;
      const r = await act(btn, () => api('POST', `/api/alerts/${enc}/cancel`, {}));
      if (r) { onEvent(r); showNotice(`Cancel sent: "${headline(a || r)}" leaves the screens.`); openReceipts(r.id); load(); }
      break;
    }
    default: break;
  }
}

// ---- receipts --------------------------------------------------------------------

const receiptsSoon = debounce(loadReceipts, 250);

function openReceipts(id) {
  receiptsOf = id;
  $('receipts-card').hidden = false;
  loadReceipts();
  $('receipts-card').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function ms(v) { return typeof v === 'number' ? `${Math.round(v)} ms` : '—'; }
function secs(v) { return typeof v === 'number' ? (v < 10000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`) : '—'; }

async function loadReceipts() {
  const id = receiptsOf;
  if (!id) return;
  clearTimeout(receiptsTimer);
  let d;
  try {
    d = await api('GET', `/api/alerts/${encodeURIComponent(id)}`);
  } catch (e) { showError(e); return; }
  if (receiptsOf !== id) return;
  alerts.set(d.id, Object.assign({}, d));
  const s = d.summary || {};
  $('receipts-title').textContent = `Receipts · ${headline(d)}`;
  const cancel = d.msgType === 'Cancel';
  const doneWord = cancel ? 'took it off' : 'on screen';
  $('receipts-summary').replaceChildren(...[
    el('span', { class: 'count state-online', text: `${cancel ? s.answered : s.presented} of ${s.screens} ${doneWord}` }),
    s.waiting ? el('span', { class: 'count state-stale', text: `${s.waiting} not answered` }) : null,
    s.offline ? el('span', { class: 'count state-offline', text: `${s.offline} offline, not answered` }) : null,
    s.rejected ? el('span', { class: 'count state-offline', text: `${s.rejected} rejected` }) : null,
    el('span', { class: 'muted', text: s.last_screen_ms !== null && s.last_screen_ms !== undefined
      ? `send to last screen ${secs(s.last_screen_ms)} · p50 ${ms(s.p50_ms)}`
      : (s.p50_ms !== null && s.p50_ms !== undefined ? `p50 ${ms(s.p50_ms)} so far` : 'waiting for the screens…') })].filter(Boolean));
  $('receipts-sites').replaceChildren(...(s.sites || []).map((x) => el('tr', { class: x.waiting + x.offline ? 'row-waiting' : '' },
    el('td', { text: x.site || '(no site)' }), el('td', { text: String(x.screens) }),
    el('td', { text: String(x.answered) }), el('td', { text: String(x.presented) }),
    el('td', { text: String(x.rejected) }),
    el('td', { class: x.waiting + x.offline ? 'hot' : '', text: String(x.waiting + x.offline) + (x.offline ? ` (${x.offline} offline)` : '') }))));
  const lines = (d.receipts || []).slice().sort((x, y) => (y.waiting - x.waiting) || String(x.kiosk).localeCompare(String(y.kiosk)));
  $('receipts-body').replaceChildren(...lines.map((r) => el('tr', { class: r.waiting ? 'row-waiting' : (r.verdict === 'rejected' ? 'row-failed' : '') },
    el('td', { text: r.kiosk }), el('td', { text: r.site || '' }),
    el('td', {}, el('span', { class: 'state state-' + (r.screen_state || 'unknown'), text: r.screen_state || 'unknown' })),
    el('td', { text: r.verdict ? r.verdict : 'no answer yet' }),
    el('td', { text: ms(r.received_ms) }), el('td', { text: ms(r.presented_ms) }),
    el('td', { class: 'break', text: r.reason || '' }))));
  const acts = itemActions(d).filter((b) => b.dataset.act !== 'receipts');
  $('receipts-actions').replaceChildren(...acts);
  // Until every screen answered: poll gently as well (a screen may go offline).
  if (s.waiting || s.offline) receiptsTimer = setTimeout(loadReceipts, 3000);
}
