// Reading the HTTP API. When the server requires a token (once one exists), the page
// asks for it once and keeps it for this browser tab only (sessionStorage).

const TOKEN_KEY = 'coherence.token';

export class ApiError extends Error {
  constructor(status, title, detail, problem = {}) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.problem = problem;
  }
}

function headers() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function request(path) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const sent = sessionStorage.getItem(TOKEN_KEY);
    const response = await fetch(path, { headers: headers() });
    if (response.status === 401) {
      // Another request may have been given a token meanwhile: try that one first.
      if (sessionStorage.getItem(TOKEN_KEY) !== sent) continue;
      const token = await askOnce(attempt > 0);
      if (token) continue;
    }
    if (!response.ok) {
      let body = {};
      try {
        body = await response.json();
      } catch {
        // not a problem document
      }
      throw new ApiError(response.status, body.title, body.detail, body);
    }
    return response;
  }
  throw new ApiError(401, 'Unauthorized', 'This server needs an API token.');
}

// A write: `body` is JSON, or a File/Blob sent as it is (its type as Content-Type, its
// name in X-Filename). `ifMatch` is the plan version the change was made on. Answers
// {body, etag, status}; a problem document is thrown as an ApiError.
// (Minimal: the sign-in work brings the one with the CSRF header, which replaces it.)
export async function send(method, path, body, { ifMatch } = {}) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const sent = sessionStorage.getItem(TOKEN_KEY);
    const extra = {};
    let payload;
    if (body instanceof Blob) {
      payload = body;
      extra['Content-Type'] = body.type || 'application/octet-stream';
      if (body.name) extra['X-Filename'] = encodeURIComponent(body.name);
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      extra['Content-Type'] = 'application/json';
    }
    if (ifMatch !== undefined && ifMatch !== null) extra['If-Match'] = `"${ifMatch}"`;
    const response = await fetch(path, { method, body: payload, headers: { ...headers(), ...extra } });
    if (response.status === 401) {
      if (sessionStorage.getItem(TOKEN_KEY) !== sent) continue;
      const token = await askOnce(attempt > 0);
      if (token) continue;
    }
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      // no JSON body
    }
    if (!response.ok) {
      const problem = parsed || {};
      throw new ApiError(response.status, problem.title, problem.detail, problem);
    }
    return { body: parsed, etag: response.headers.get('ETag'), status: response.status };
  }
  throw new ApiError(401, 'Unauthorized', 'This server needs an API token.');
}

export async function getJSON(path) {
  return (await request(path)).json();
}

export async function getBlob(path) {
  return (await request(path)).blob();
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

// Requests made together (the plan and the Framework catalogue) share one question.
let asking = null;
function askOnce(retry) {
  if (!asking) {
    asking = askForToken(retry).finally(() => {
      asking = null;
    });
  }
  return asking;
}

function askForToken(retry) {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'token-dialog';
    dialog.innerHTML = `
      <form method="dialog">
        <h2>This server needs an API token</h2>
        <p>${retry ? 'That token was not accepted. ' : ''}Ask your Coherence administrator for a viewer
        token (<code>coherence token create --owner NAME --role viewer</code>). It is kept for this tab only.</p>
        <input name="token" type="password" autocomplete="off" placeholder="Token" required>
        <div class="dialog-buttons">
          <button value="cancel" formnovalidate>Cancel</button>
          <button value="ok" class="primary">Open</button>
        </div>
      </form>`;
    document.body.append(dialog);
    dialog.addEventListener('close', () => {
      const token = dialog.returnValue === 'ok' ? dialog.querySelector('input').value.trim() : '';
      dialog.remove();
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      resolve(token);
    });
    dialog.showModal();
  });
}

export function formatDate(iso, { time = false } = {}) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options = { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' };
  if (time) Object.assign(options, { hour: '2-digit', minute: '2-digit' });
  return date.toLocaleString('en-US', options);
}

export function escapeHtml(value) {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
