// The people page (admins): everyone granted a role, granting and revoking.

import { ApiError, escapeHtml, formatDate, getJSON, send } from './api.js';
import { me } from './session.js';

const host = document.getElementById('people');
const form = document.getElementById('grant-form');
const message = document.getElementById('grant-message');

function list(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function scope(person) {
  const parts = [...person.districts, ...person.plans];
  return parts.length ? parts.join(', ') : 'every plan';
}

function render(people) {
  if (!people.length) {
    host.innerHTML = '<div class="empty"><p>Nobody has a role yet.</p></div>';
    return;
  }
  const rows = people
    .map(
      (p) => `
      <tr data-email="${escapeHtml(p.email)}" class="${p.active ? '' : 'revoked'}">
        <td>${escapeHtml(p.email)}</td>
        <td>${escapeHtml(p.name || '')}</td>
        <td>${p.active ? escapeHtml(p.role) : 'revoked'}</td>
        <td>${escapeHtml(scope(p))}</td>
        <td class="nowrap">${escapeHtml(formatDate(p.granted_on))}<br><span class="muted">${escapeHtml(p.granted_by || '')}</span></td>
        <td>${p.active ? '<button type="button" class="revoke">Revoke</button>' : '<button type="button" class="edit">Grant again</button>'}
          ${p.active ? '<button type="button" class="edit">Change</button>' : ''}</td>
      </tr>`,
    )
    .join('');
  host.innerHTML = `
    <table class="people-table">
      <thead><tr><th>Email</th><th>Name</th><th>Role</th><th>Scope</th><th>Granted</th><th></th></tr></thead>
      <tbody>${rows}</tbody>
    </table>`;
  for (const row of host.querySelectorAll('tr[data-email]')) {
    const person = people.find((p) => p.email === row.dataset.email);
    row.querySelector('.revoke')?.addEventListener('click', () => revoke(person));
    row.querySelector('.edit')?.addEventListener('click', () => edit(person));
  }
}

function edit(person) {
  form.elements.email.value = person.email;
  form.elements.name.value = person.name || '';
  form.elements.role.value = person.role;
  form.elements.districts.value = person.districts.join(', ');
  form.elements.plans.value = person.plans.join(', ');
  form.elements.role.focus();
}

function say(text, error = false) {
  message.textContent = text;
  message.className = `form-message${error ? ' error-box' : ''}`;
}

function explain(error) {
  if (error instanceof ApiError && error.problem.errors?.length) {
    return error.problem.errors.map((e) => `${e.path}: ${e.expected}`).join('; ');
  }
  return error.message;
}

async function load() {
  try {
    render(await getJSON('/api/v1/people'));
  } catch (error) {
    host.innerHTML = '';
    const box = document.createElement('div');
    box.className = 'error-box';
    box.textContent = `Could not read the people: ${error.message}`;
    host.append(box);
  }
}

async function revoke(person) {
  try {
    await send('DELETE', `/api/v1/people/${encodeURIComponent(person.email)}`);
    say(`${person.email} no longer has a role.`);
    await load();
  } catch (error) {
    say(explain(error), true);
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const email = form.elements.email.value.trim();
  if (!email) {
    say('email: expected an email address', true);
    return;
  }
  const body = {
    role: form.elements.role.value,
    name: form.elements.name.value.trim() || null,
    districts: list(form.elements.districts.value),
    plans: list(form.elements.plans.value),
  };
  try {
    const { data } = await send('PUT', `/api/v1/people/${encodeURIComponent(email)}`, body);
    say(`${data.email} is ${data.role} of ${scope(data)}.`);
    form.reset();
    await load();
  } catch (error) {
    say(explain(error), true);
  }
});

me.then((who) => {
  if (!who || !who.admin) {
    form.hidden = true;
    host.innerHTML = '';
    const box = document.createElement('div');
    box.className = 'error-box';
    box.textContent = who
      ? 'Only an administrator of every plan manages people.'
      : 'Sign in as an administrator to manage people.';
    host.append(box);
    return;
  }
  load();
});
