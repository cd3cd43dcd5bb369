// core.js - what every view of the Crier console shares: the JSON API client
// (session cookie + CSRF header), the signed-in user, error and notice lines,
// small DOM and time helpers.  No framework: user text only ever goes through
// textContent (see el()), never innerHTML.

export const ROLES = ['viewer', 'editor', 'publisher', 'admin'];

export const state = {
  me: null,        // {user, role, sites, csrf}
  csrf: '',
  onUnauthorized: null,  // set by app.js: back to the login view
};

export function roleAtLeast(role) {
  if (!state.me) return false;
  return ROLES.indexOf(state.me.role) >= ROLES.indexOf(role);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const STATUS_TEXT = {
  400: 'The console refused the request as invalid.',
  401: 'You are not logged in (or your session ended). Please log in again.',
  403: 'Your account is not allowed to do that.',
  404: 'Not found: it may have been removed.',
  409: 'Someone else changed this in the meantime. Reload and try again.',
  413: 'Too large for the console.',
  415: 'This kind of file is not accepted.',
  429: 'Too many attempts. Wait a minute and try again.',
  500: 'The console failed to do that (server error).',
  502: 'The console cannot reach the screens\' broker right now.',
  503: 'The console is busy or starting. Try again in a moment.',
};

// api(METHOD, PATH, BODY?, {raw, type, signal, quiet401}) -> parsed JSON, null
// (204) or the Response (non-JSON).  Throws ApiError with a readable message.
export async function api(method, path, body, opts = {}) {
  const headers = { 'Accept': 'application/json' };
  let payload;
  if (body !== undefined && body !== null) {
    if (opts.raw) {
      payload = body;
      headers['Content-Type'] = opts.type || 'application/octet-stream';
    } else {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
  }
  if (method !== 'GET' && method !== 'HEAD' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  let res;
  try {
    res = await fetch(path, {
      method, headers, body: payload, credentials: 'same-origin',
      cache: 'no-store', signal: opts.signal,
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'The console cannot be reached. Check the network connection and try again.');
  }
  if (!res.ok) {
    let msg = '';
    try {
      const j = await res.json();
      if (j && typeof j.error === 'string') msg = j.error;
    } catch (_) { /* not JSON */ }
    if (res.status === 401 && !opts.quiet401 && state.me && state.onUnauthorized) state.onUnauthorized();
    const base = STATUS_TEXT[res.status] || `The console answered ${res.status}.`;
    throw new ApiError(res.status, msg ? capitalise(msg) : base);
  }
  if (res.status === 204 || res.status === 202 && res.headers.get('Content-Length') === '0') return null;
  const ct = res.headers.get('Content-Type') || '';
  if (ct.includes('json')) return res.json();
  return res;
}

function capitalise(s) {
  return s.length ? s[0].toUpperCase() + s.slice(1) : s;
}

// ---- messages ---------------------------------------------------------------

let noticeTimer = 0;

export function showError(err) {
  const box = document.getElementById('error');
  const text = typeof err === 'string' ? err : (err && err.message) || String(err);
  document.getElementById('error-text').textContent = text;
  box.hidden = false;
  hideNotice();
}

export function clearError() {
  document.getElementById('error').hidden = true;
  document.getElementById('error-text').textContent = '';
}

export function showNotice(text) {
  const n = document.getElementById('notice');
  n.textContent = text;
  n.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(hideNotice, 8000);
}

function hideNotice() {
  const n = document.getElementById('notice');
  n.hidden = true;
}

// Runs an action started by a click: clears the old error, disables the
// button while it runs, shows a failure in #error.  Returns the result or
// undefined on failure.
export async function act(button, fn) {
  clearError();
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (e) {
    if (!(e && e.name === 'AbortError')) showError(e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- DOM --------------------------------------------------------------------

// el('li', {class: 'x', text: userText, title: ..., dataset: {...}}, child, ...)
export function el(tag, props, ...children) {
  const n = document.createElement(tag);
  if (props) {
    for (const k in props) {
      const v = props[k];
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') n.className = v;
      else if (k === 'text') n.textContent = v;
      else if (k === 'dataset') Object.assign(n.dataset, v);
      else if (k === 'on') for (const ev in v) n.addEventListener(ev, v[ev]);
      else if (k === 'hidden' || k === 'disabled' || k === 'checked') n[k] = !!v;
      else n.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    n.append(c instanceof Node ? c : String(c));
  }
  return n;
}

// A button that acts on its second press (no modal): the first press only
// relabels it with `question` for six seconds.  True on the second press.
export function pressedTwice(b, question) {
  if (b.dataset.armed === '1') return true;
  const label = b.textContent;
  b.dataset.armed = '1';
  b.textContent = question;
  setTimeout(() => {
    if (b.isConnected) { b.dataset.armed = ''; b.textContent = label; }
  }, 6000);
  return false;
}

export function $(id) {
  return document.getElementById(id);
}

export function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// ---- time -------------------------------------------------------------------

const dtFmt = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
});
const dtFullFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
  timeZoneName: 'short',
});

export function parseTime(v) {
  if (v === null || v === undefined || v === '') return null;
  const d = typeof v === 'number' ? new Date(v) : new Date(String(v));
  return isNaN(d.getTime()) ? null : d;
}

const hmFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

// Today: "06:37"; other days: "Sun, Dec 6, 06:37" (the browser's language).
// (Many screens show the same post since the same time: results are cached.)
const timeCache = new Map();
export function fmtTime(v, now = new Date()) {
  const today = now.toDateString();
  const key = today + '|' + v;
  let out = timeCache.get(key);
  if (out !== undefined) return out;
  const d = parseTime(v);
  out = !d ? '' : d.toDateString() === today ? hmFmt.format(d) : dtFmt.format(d);
  if (timeCache.size > 5000) timeCache.clear();
  timeCache.set(key, out);
  return out;
}

// Always with the day: "Sun, Dec 6, 06:37".
export function fmtDayTime(v) {
  const d = parseTime(v);
  return d ? dtFmt.format(d) : '';
}

export function fmtFullTime(v) {
  const d = parseTime(v);
  return d ? dtFullFmt.format(d) : '';
}

// 42 -> "42 s", 300 -> "5 min", 7200 -> "2 h", 200000 -> "2 d"
export function fmtAge(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

export function fmtAgo(v, now = Date.now()) {
  const d = parseTime(v);
  if (!d) return 'never';
  const s = (now - d.getTime()) / 1000;
  if (s < 5) return 'just now';
  return fmtAge(s) + ' ago';
}

// <input type=datetime-local> value (local time) <-> RFC 3339 UTC
export function localInputToIso(v) {
  if (!v) return '';
  const d = new Date(v);
  return isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isoToLocalInput(v) {
  const d = parseTime(v);
  if (!d) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// ---- dialog -----------------------------------------------------------------

export function openDialog(title, ...content) {
  const d = $('dialog');
  $('dialog-title').textContent = title;
  const body = $('dialog-body');
  body.replaceChildren(...content);
  if (!d.open) d.showModal();
  return body;
}

export function closeDialog() {
  const d = $('dialog');
  if (d.open) d.close();
}
