// Reading the HTTP API. When the server requires a token (once one exists), the page
// asks for it once and keeps it for this browser tab only (sessionStorage).

const TOKEN_KEY = 'coherence.token';

export class ApiError extends Error {
  constructor(status, title, detail, problem = null) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.problem = problem; // the problem+json document (errors, current_version), if any
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

/**
 * A write: `method` on `path` with a JSON `body`, and `If-Match` with the plan version
 * the change was made on. Returns {body, etag, status}; a refusal throws an ApiError
 * whose `problem` is the server's problem document (errors[{path, expected}],
 * current_version on a 409).
 */
export async function send(method, path, body, { ifMatch } = {}) {
  const extra = { 'Content-Type': 'application/json' };
  if (ifMatch !== undefined && ifMatch !== null) extra['If-Match'] = `"${ifMatch}"`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const sent = sessionStorage.getItem(TOKEN_KEY);
    const response = await fetch(path, {
      method,
      headers: { ...headers(), ...extra },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      if (sessionStorage.getItem(TOKEN_KEY) !== sent) continue;
      if (await askOnce(attempt > 0)) continue;
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      // no JSON body
    }
    if (!response.ok) {
      const problem = answer || {};
      throw new ApiError(response.status, problem.title, problem.detail, problem);
    }
    const etag = response.headers.get('ETag');
    return { body: answer, etag: etag ? Number(etag.replaceAll('"', '').replace('W/', '')) : null, status: response.status };
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
