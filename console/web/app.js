// app.js - the Crier console page: login, the views (posts, screens,
// emergency, audit, people) switched by the address's #fragment, and live updates from
// /api/events (Server-Sent Events) handed to the view that owns them.
import { api, state, $, showError, clearError, showNotice, act, closeDialog, ApiError, roleAtLeast } from './core.js';
import * as posts from './posts.js';
import * as screens from './screens.js';
import * as audit from './audit.js';
import * as alerts from './alerts.js';
import * as people from './people.js';

const VIEWS = { posts, screens, alerts, audit, people };
let current = null;
let events = null;
let eventsRetry = 0;

function showLogin(message) {
  state.me = null;
  state.csrf = '';
  stopEvents();
  $('top').hidden = true;
  for (const name of Object.keys(VIEWS)) $('view-' + name).hidden = true;
  $('view-login').hidden = false;
  document.title = 'Log in · Crier console';
  if (message) showError(message);
  $('login-user').focus();
}

function signedIn(me) {
  state.me = me;
  state.csrf = me.csrf || '';
  $('view-login').hidden = true;
  $('top').hidden = false;
  $('who-name').textContent = me.user;
  $('who-role').textContent = me.role;
  const sites = Array.isArray(me.sites) ? me.sites : [];
  $('who-role').title = sites.includes('*') ? 'All sites' : 'Sites: ' + sites.join(', ');
  document.body.dataset.role = me.role;
  // The audit log is for publishers and admins (the console refuses others).
  $('nav-audit').hidden = !roleAtLeast('publisher');
  // Users and tokens are for admins (the console refuses others too).
  $('nav-people').hidden = !roleAtLeast('admin');
  for (const v of Object.values(VIEWS)) v.init();
  startEvents();
  alerts.prefetchList();  // approvers see waiting alerts in every view
  route();
}

function route() {
  if (!state.me) return;
  let name = location.hash.replace(/^#/, '').split('/')[0];
  if (name === 'main') return;  // the "skip to content" link, not a view
  if (!VIEWS[name] || $('nav-' + name).hidden) name = 'posts';
  for (const n of Object.keys(VIEWS)) {
    $('view-' + n).hidden = n !== name;
    const link = $('nav-' + n);
    if (n === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (current !== name) {
    current = name;
    document.title = (name === 'alerts' ? 'Emergency' : name[0].toUpperCase() + name.slice(1)) + ' · Crier console';
    VIEWS[name].show();
  }
}

// ---- live updates -----------------------------------------------------------

function setLive(text, cls) {
  $('live-text').textContent = text;
  $('live').className = 'live ' + cls;
}

function startEvents() {
  stopEvents();
  const es = new EventSource('/api/events');
  events = es;
  setLive('connecting', 'live-wait');
  es.addEventListener('open', () => {
    eventsRetry = 0;
    setLive('live', 'live-on');
  });
  const handler = (fn) => (ev) => {
    let data;
    try { data = JSON.parse(ev.data); } catch (_) { return; }
    fn(data);
  };
  es.addEventListener('screen', handler((d) => screens.onEvent(d)));
  es.addEventListener('post', handler((d) => posts.onEvent(d)));
  es.addEventListener('audit', handler((d) => audit.onEvent(d)));
  es.addEventListener('alert', handler((d) => alerts.onEvent(d)));
  es.addEventListener('receipt', handler((d) => alerts.onReceipt(d)));
  es.addEventListener('relay', handler((d) => alerts.onRelay(d)));
  es.addEventListener('error', () => {
    if (events !== es) return;
    if (es.readyState === EventSource.CLOSED) {
      // The server refused the stream (e.g. the session ended): check the
      // session, then try again with a growing pause.
      setLive('offline', 'live-off');
      const wait = Math.min(30000, 1000 * 2 ** eventsRetry++);
      setTimeout(async () => {
        if (events !== es) return;
        try {
          await api('GET', '/api/me');
          startEvents();
          for (const v of Object.values(VIEWS)) v.refresh && v.refresh();
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) showLogin('Your session ended. Please log in again.');
          else startEvents();
        }
      }, wait);
    } else {
      setLive('reconnecting', 'live-wait');
    }
  });
}

function stopEvents() {
  if (events) events.close();
  events = null;
}

// ---- start ------------------------------------------------------------------

async function login(ev) {
  ev.preventDefault();
  const user = $('login-user').value.trim();
  const password = $('login-password').value;
  if (!user || !password) {
    showError('Enter your user name and password.');
    return;
  }
  const me = await act($('login-submit'), () => api('POST', '/api/login', { user, password }, { quiet401: true })
    .catch((e) => {
      if (e instanceof ApiError && e.status === 401) throw new ApiError(401, 'Wrong user name or password.');
      throw e;
    }));
  if (!me) return;
  $('login-password').value = '';
  signedIn(me);
}

async function logout() {
  await act($('logout'), async () => {
    try {
      await api('POST', '/api/logout');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    closeDialog();
    current = null;
    showLogin();
    showNotice('You are logged out.');
  });
}

async function start() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('error-close').addEventListener('click', clearError);
  $('dialog-close').addEventListener('click', closeDialog);
  $('dialog').addEventListener('click', (e) => { if (e.target === $('dialog')) closeDialog(); });
  window.addEventListener('hashchange', route);
  state.onUnauthorized = () => { current = null; showLogin('Your session ended. Please log in again.'); };
  screens.prefetch();
  try {
    const me = await api('GET', '/api/me', undefined, { quiet401: true });
    signedIn(me);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showError(e);
    screens.dropPrefetch();
    showLogin();
  }
}

start();
