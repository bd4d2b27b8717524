// Reading and writing the HTTP API with the signed-in session (an HttpOnly cookie the
// page never sees). Writes send the session's CSRF token, read from the
// `coherence_csrf` cookie, in `X-CSRF-Token`. A read answered 401 (no session, or it
// ended) goes to the sign-in page and comes back here afterwards.

export const CSRF_COOKIE = 'coherence_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export class ApiError extends Error {
  constructor(status, title, detail, problem = {}) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    // The problem document: `errors: [{path, expected}]`, `current_version` on a 409.
    this.problem = problem;
  }
}

export function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return '';
}

export function signInUrl(next = window.location.pathname + window.location.search) {
  return `/auth/signin?next=${encodeURIComponent(next)}`;
}

async function failure(response) {
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    // not a problem document
  }
  return new ApiError(response.status, problem.title, problem.detail, problem);
}

async function request(path) {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (response.status === 401) {
    window.location.assign(signInUrl());
    throw new ApiError(401, 'Unauthorized', 'Sign in to see this page.');
  }
  if (!response.ok) throw await failure(response);
  return response;
}

export async function getJSON(path) {
  return (await request(path)).json();
}

export async function getBlob(path) {
  return (await request(path)).blob();
}

// A write: `send('PATCH', '/api/v1/plans/p/elements/SO1', {fields: {...}}, {ifMatch: 12})`.
// A plain object is sent as JSON; a Blob or file as it is, with its `type` (or the one
// given) and a file's name in `X-Filename`. Resolves to `{data, etag}` (the parsed JSON answer, or null for an empty one,
// and the answer's ETag); rejects with an ApiError carrying the problem document (a
// 409's `current_version`, a 422's `errors`). A 401 is not redirected: the form keeps
// its content and can say so.
export async function send(method, path, body = undefined, { ifMatch = undefined, type = undefined } = {}) {
  const headers = { Accept: 'application/json' };
  const csrf = csrfToken();
  if (csrf) headers[CSRF_HEADER] = csrf;
  if (ifMatch !== undefined && ifMatch !== null) {
    headers['If-Match'] = /^(W\/)?"/.test(String(ifMatch)) ? String(ifMatch) : `"${ifMatch}"`;
  }
  const options = { method, headers, credentials: 'same-origin' };
  if (body instanceof Blob) {
    headers['Content-Type'] = type || body.type || 'application/octet-stream';
    if (body.name) headers['X-Filename'] = encodeURIComponent(body.name); // a File's name
    options.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (!response.ok) throw await failure(response);
  const text = await response.text();
  return { data: text ? JSON.parse(text) : null, etag: response.headers.get('ETag') };
}

export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const DATE_FORMATS = new Map(); // one formatter per set of options: making one is slow

export function formatDate(iso, { time = false } = {}) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  if (!DATE_FORMATS.has(time)) {
    const options = { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' };
    if (time) Object.assign(options, { hour: '2-digit', minute: '2-digit' });
    DATE_FORMATS.set(time, new Intl.DateTimeFormat('en-US', options));
  }
  return DATE_FORMATS.get(time).format(date);
}

export function escapeHtml(value) {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
