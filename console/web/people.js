// people.js - users and API tokens (admins only; the console refuses others):
// the list of users, a form that adds a user or changes one (the same name
// again), Delete (press twice), the list of tokens with Revoke (press twice),
// and a new token whose secret is shown once.
import {
  api, state, $, el, act, showNotice, clearError, roleAtLeast, fmtTime, fmtFullTime, pressedTwice,
} from './core.js';

let ready = false;
let users = [];
let tokens = [];

export function init() {
  users = [];
  tokens = [];
  hideSecret();
  if (ready) { resetForm(); return; }
  ready = true;
  $('user-form').addEventListener('submit', (e) => { e.preventDefault(); saveUser(); });
  $('user-new').addEventListener('click', () => { clearError(); resetForm(); $('user-name').focus(); });
  $('token-form').addEventListener('submit', (e) => { e.preventDefault(); createToken(); });
  $('token-copy').addEventListener('click', copySecret);
  $('token-done').addEventListener('click', hideSecret);
  $('users-list').addEventListener('click', onListClick);
  $('tokens-list').addEventListener('click', onListClick);
  resetForm();
}

export async function show() {
  if (!roleAtLeast('admin')) return;
  await load();
}

export function refresh() {
  if (!$('view-people').hidden) load();
}

async function load() {
  const res = await act(null, () => Promise.all([api('GET', '/api/users'), api('GET', '/api/tokens')]));
  if (!res) return;
  users = (res[0] && res[0].users) || [];
  tokens = (res[1] && res[1].tokens) || [];
  render();
}

// ---- users --------------------------------------------------------------------

function resetForm() {
  $('user-form').reset();
  $('user-name').readOnly = false;
  $('user-heading').textContent = 'Add a user';
  $('user-save').textContent = 'Add user';
  $('user-new').hidden = true;
  $('user-sites').value = '*';
}

function fillForm(u) {
  $('user-name').value = u.user;
  $('user-name').readOnly = true;  // the name is the key: another name is another user
  $('user-password').value = '';
  $('user-role').value = u.role;
  $('user-sites').value = (u.sites || []).join(', ');
  $('user-heading').textContent = 'Change ' + u.user;
  $('user-save').textContent = 'Save changes';
  $('user-new').hidden = false;
}

function sitesOf(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function sitesWords(sites) {
  return !sites || sites.includes('*') ? 'All sites' : (sites.length === 1 ? 'Site ' : 'Sites ') + sites.join(', ');
}

async function saveUser() {
  const body = {
    user: $('user-name').value.trim(),
    password: $('user-password').value,
    role: $('user-role').value,
    sites: sitesOf($('user-sites').value),
  };
  const changing = $('user-name').readOnly;
  const r = await act($('user-save'), () => {
    if (!body.user) throw new Error('Enter a user name.');
    if (body.password.length < 8) throw new Error('Enter a password of at least 8 characters' + (changing ? ' (a new one, or the current one again).' : '.'));
    if (!body.sites.length) throw new Error('Enter at least one site, or * for all sites.');
    return api('POST', '/api/users', body);
  });
  if (!r) return;
  showNotice(changing ? `${r.user} is changed: ${r.role}, ${sitesWords(r.sites).toLowerCase()}.` : `${r.user} can log in now (${r.role}).`);
  resetForm();
  await load();
}

function userItem(u) {
  const self = state.me && u.user === state.me.user;
  const actions = el('div', { class: 'post-actions' },
    el('button', { type: 'button', class: 'btn btn-secondary', dataset: { act: 'edit', user: u.user }, text: 'Change' }),
    self ? el('span', { class: 'muted small', text: 'This is you: another admin can delete your account.' })
      : el('button', { type: 'button', class: 'btn btn-danger', dataset: { act: 'delete', user: u.user }, text: 'Delete' }));
  return el('li', { class: 'post person', dataset: { user: u.user } },
    el('div', { class: 'post-head' },
      el('h3', { class: 'post-title', text: u.user }),
      el('span', { class: 'badge role-badge', text: u.role })),
    el('p', { class: 'post-meta' },
      el('span', { text: sitesWords(u.sites) }), ' · ',
      el('span', { text: 'added ' + fmtTime(u.created), title: fmtFullTime(u.created) })),
    actions);
}

// ---- tokens -------------------------------------------------------------------

function tokenItem(t) {
  return el('li', { class: 'post person', dataset: { token: t.id } },
    el('div', { class: 'post-head' },
      el('h3', { class: 'post-title', text: t.name })),
    el('p', { class: 'post-meta' },
      el('span', { text: 'acts as ' + t.user }), ' · ',
      el('span', { text: 'made ' + fmtTime(t.created), title: fmtFullTime(t.created) }), ' · ',
      el('span', { class: 'muted', text: 'id ' + t.id })),
    el('div', { class: 'post-actions' },
      el('button', { type: 'button', class: 'btn btn-danger', dataset: { act: 'revoke', token: t.id }, text: 'Revoke' })));
}

async function createToken() {
  const name = $('token-name').value.trim();
  const user = $('token-user').value;
  const r = await act($('token-create'), () => {
    if (!name) throw new Error('Give the token a name (what uses it).');
    return api('POST', '/api/tokens', { name, user });
  });
  if (!r) return;
  $('token-form').reset();
  $('token-secret-for').textContent = `“${r.name}”, acting as ${r.user}:`;
  $('token-secret-value').value = r.token;
  $('token-secret').hidden = false;
  $('token-secret-value').select();
  await load();
}

async function copySecret() {
  const input = $('token-secret-value');
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    showNotice('The token is copied.');
  } catch (_) {
    showNotice('Press Ctrl+C (or long-press and Copy) to copy the selected token.');
  }
}

function hideSecret() {
  $('token-secret-value').value = '';
  $('token-secret').hidden = true;
}

// ---- lists --------------------------------------------------------------------

function render() {
  $('users-list').replaceChildren(...users.map(userItem));
  $('users-empty').hidden = users.length > 0;
  $('tokens-list').replaceChildren(...tokens.map(tokenItem));
  $('tokens-empty').hidden = tokens.length > 0;
  const pick = $('token-user');
  const chosen = pick.value || (state.me && state.me.user);
  pick.replaceChildren(...users.map((u) => el('option', { value: u.user, text: `${u.user} (${u.role})` })));
  if (users.some((u) => u.user === chosen)) pick.value = chosen;
}

async function onListClick(e) {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  switch (b.dataset.act) {
  case 'edit': {
    const u = users.find((x) => x.user === b.dataset.user);
    if (u) {
      clearError();
      fillForm(u);
      $('user-form').scrollIntoView({ behavior: 'smooth', block: 'start' });
      $('user-password').focus({ preventScroll: true });
    }
    break;
  }
  case 'delete': {
    const name = b.dataset.user;
    if (!pressedTwice(b, `Yes, delete ${name}`)) return;  // two steps, as Retract
    const r = await act(b, () => api('DELETE', `/api/users/${encodeURIComponent(name)}`).then(() => true));
    if (r) {
      showNotice(`${name} is deleted: their sessions and API tokens no longer work.`);
      if ($('user-name').readOnly && $('user-name').value === name) resetForm();
      await load();
    }
    break;
  }
  case 'revoke': {
    const id = b.dataset.token;
    if (!pressedTwice(b, 'Yes, revoke now')) return;
    const r = await act(b, () => api('DELETE', `/api/tokens/${encodeURIComponent(id)}`).then(() => true));
    if (r) {
      showNotice('The token is revoked: it no longer works.');
      await load();
    }
    break;
  }
  default:
  }
}
