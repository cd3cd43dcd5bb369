// audit.js - the audit log: who did what, when, with what result.  Newest
// first; new lines arrive through /api/events; exports are plain links to
// /api/audit?format=csv|jsonl (the session cookie goes along).
import { api, state, $, el, showError, debounce, fmtFullTime, fmtTime } from './core.js';

const MAX_ROWS = 2000;
let ready = false;
let lines = [];       // newest first
let loaded = false;

export function init() {
  lines = [];
  loaded = false;
  $('audit-body').replaceChildren();
  if (ready) return;
  ready = true;
  $('audit-search').addEventListener('input', debounce(render, 150));
}

export async function show() {
  await load();
  render();
}

export function refresh() {
  loaded = false;
  if (!$('view-audit').hidden) show();
}

async function load() {
  if (loaded) return;
  try {
    const res = await api('GET', '/api/audit?format=json');
    const list = Array.isArray(res) ? res : (res && (res.audit || res.lines || res.entries)) || [];
    lines = list.slice().sort((a, b) => String(b.time || '').localeCompare(String(a.time || '')));
    loaded = true;
  } catch (e) {
    showError(e);
  }
}

function matches(q) {
  if (!q) return () => true;
  return (a) => [a.user, a.action, a.object, a.result, a.detail].some((v) => v && String(v).toLowerCase().includes(q));
}

function row(a) {
  const ok = /^(ok|success|done|accepted)$/i.test(String(a.result || ''));
  return el('tr', { class: ok ? '' : 'row-failed' },
    el('td', { class: 'nowrap', text: fmtTime(a.time), title: fmtFullTime(a.time) }),
    el('td', { text: a.user || '' }),
    el('td', { text: a.action || '' }),
    el('td', { class: 'break', text: a.object || '' }),
    el('td', null, el('span', { class: 'result ' + (ok ? 'result-ok' : 'result-bad'), text: a.result || '' })),
    el('td', { class: 'break', text: typeof a.detail === 'string' ? a.detail : (a.detail ? JSON.stringify(a.detail) : '') }));
}

function render() {
  if ($('view-audit').hidden) return;
  const q = $('audit-search').value.trim().toLowerCase();
  const m = matches(q);
  const frag = document.createDocumentFragment();
  let n = 0;
  for (const a of lines) {
    if (!m(a)) continue;
    frag.append(row(a));
    if (++n >= MAX_ROWS) break;
  }
  if (!n) frag.append(el('tr', null, el('td', { colspan: 6, class: 'muted', text: lines.length ? 'No line matches.' : 'Nothing recorded yet.' })));
  $('audit-body').replaceChildren(frag);
}

export function onEvent(a) {
  if (!state.me || !loaded || !a) return;
  lines.unshift(a);
  if (lines.length > 5 * MAX_ROWS) lines.length = 5 * MAX_ROWS;
  if ($('view-audit').hidden) return;
  const q = $('audit-search').value.trim().toLowerCase();
  if (!matches(q)(a)) return;
  const body = $('audit-body');
  if (body.firstChild && body.firstChild.cells && body.firstChild.cells.length === 1) body.replaceChildren();
  body.prepend(row(a));
  while (body.rows.length > MAX_ROWS) body.lastChild.remove();
}
