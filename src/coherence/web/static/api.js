// Reading the HTTP API. When the server requires a token (once one exists), the page
// asks for it once and keeps it for this browser tab only (sessionStorage).

const TOKEN_KEY = 'coherence.token';

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
  }
}

function headers() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function request(path, { method = 'GET', body } = {}) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const sent = sessionStorage.getItem(TOKEN_KEY);
    const init = body === undefined
      ? { method, headers: headers() }
      : { method, headers: { ...headers(), 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
    const response = await fetch(path, init);
    if (response.status === 401) {
      // Another request may have been given a token meanwhile: try that one first.
      if (sessionStorage.getItem(TOKEN_KEY) !== sent) continue;
      const token = await askOnce(attempt > 0);
      if (token) continue;
    }
    if (!response.ok) {
      let problem = {};
      try {
        problem = await response.json();
      } catch {
        // not a problem document
      }
      throw new ApiError(response.status, problem.title, problem.detail);
    }
    return response;
  }
  throw new ApiError(401, 'Unauthorized', 'This server needs an API token.');
}

export async function getJSON(path) {
  return (await request(path)).json();
}

/** POST a JSON body (a question that saves nothing, such as a what-if); the JSON answer. */
export async function postJSON(path, body) {
  return (await request(path, { method: 'POST', body })).json();
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
