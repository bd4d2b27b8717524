// The sign-in page: with the district's account (OpenID Connect) when the server has a
// provider, else (or also) with an API token, sent once in a POST body.

import { ApiError, send } from './api.js';

const body = document.body;
const next = body.dataset.next || '/';
const oidc = body.dataset.oidc === 'yes';

const link = document.getElementById('signin-oidc');
link.href = `/auth/oidc/start?next=${encodeURIComponent(next)}`;
document.querySelector('.oidc-signin').hidden = !oidc;
const tokenSection = document.getElementById('token-section');
if (!oidc) tokenSection.open = true;

document.getElementById('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('token');
  const error = document.getElementById('token-error');
  error.hidden = true;
  try {
    await send('POST', '/auth/token', { token: input.value.trim() });
    input.value = '';
    window.location.assign(next);
  } catch (e) {
    error.textContent = e instanceof ApiError && e.status === 401
      ? 'That token was not accepted (unknown or revoked).'
      : e.message;
    error.hidden = false;
  }
});
