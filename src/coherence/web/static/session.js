// Who is signed in, in the page's top bar: the person's name, a sign-out button (or a
// sign-in link), and People for administrators. It also marks the page with the role
// (`<body data-role="viewer|editor|admin" data-via="session|token|open">`) so that
// account.css hides what the role cannot do: give an edit control the class
// `needs-editor` (or `needs-admin`). Other modules can `await me` for the same answer.

import { send, signInUrl } from './api.js';

async function whoAmI() {
  try {
    const response = await fetch('/api/v1/me', { credentials: 'same-origin' });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

export const me = whoAmI();

export function displayName(who) {
  if (!who) return '';
  const suffix = who.email ? ` <${who.email}>` : '';
  return suffix && who.name.endsWith(suffix) ? who.name.slice(0, -suffix.length) || who.email : who.name;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function signOut() {
  try {
    await send('POST', '/auth/signout');
  } finally {
    window.location.assign('/auth/signin');
  }
}

async function mount() {
  const who = await me;
  const bar = document.querySelector('.topbar');
  if (!bar) return;
  // A page's own slot keeps the top bar's layout from moving once it is filled.
  const box = document.getElementById('account') || element('div', 'account');
  box.id = 'account';
  box.replaceChildren();
  document.body.dataset.role = who ? who.role : 'none';
  document.body.dataset.via = who ? who.via : 'none';
  if (!who) {
    const link = element('a', 'account-signin', 'Sign in');
    link.href = signInUrl();
    box.append(link);
  } else {
    const name = element('span', 'account-name', displayName(who));
    name.title = who.email || who.name;
    box.append(name, element('span', `account-role role-${who.role}`, who.via === 'open' ? 'open' : who.role));
    if (who.admin && who.via !== 'open') {
      const people = element('a', 'account-link', 'People');
      people.href = '/people';
      box.append(people);
    }
    if (who.via === 'session') {
      const button = element('button', 'account-signout', 'Sign out');
      button.type = 'button';
      button.addEventListener('click', signOut);
      box.append(button);
    }
  }
  if (!box.isConnected) bar.append(box);
}

mount();
