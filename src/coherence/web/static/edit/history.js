// The plan's history in the page (the "History" tab): every revision with who, when,
// why and what changed (the history route's sentences), and the diff between any two
// revisions (the diff route). Read when the tab is first shown, again after a save.

import { getJSON } from '../api.js';
import { diffView, eventList } from './describe.js';
import { el } from './forms.js';

let host = null;
let shownVersion = null;
const $ = (id) => document.getElementById(id);

export function setupHistory(pageHost) {
  host = pageHost;
  const previous = host.hooks.tabShown;
  host.hooks.tabShown = (name) => {
    previous(name);
    if (name === 'history' && shownVersion !== host.state.data.version) render().catch(showError);
  };
}

function showError(error) {
  $('panel-history').replaceChildren(el('p', { className: 'error-box', text: `Could not read the history: ${error.message}` }));
}

async function readAll() {
  const api = `/api/v1/plans/${encodeURIComponent(host.planId)}/history`;
  const first = await getJSON(`${api}?limit=1000`);
  const events = [...first.events];
  while (events.length < first.total) {
    const page = await getJSON(`${api}?offset=${events.length}&limit=1000`);
    if (!page.events.length) break;
    events.push(...page.events);
  }
  return events;
}

async function render() {
  const box = $('panel-history');
  box.classList.add('loading');
  const version = host.state.data.version;
  const events = await readAll();
  box.classList.remove('loading');
  shownVersion = version;
  const revisions = host.state.data.revisions;
  const options = () => revisions.slice().reverse().map((r) => el('option', { value: r.version, text: `v${r.version} · ${r.actor}${r.reason ? ` — ${r.reason.slice(0, 40)}` : ''}` }));
  const from = el('select', { id: 'diff-from', 'aria-label': 'From version' }, ...options());
  const to = el('select', { id: 'diff-to', 'aria-label': 'To version' }, ...options());
  to.value = String(revisions.at(-1).version);
  from.value = String((revisions.at(-2) || revisions.at(-1)).version);
  const result = el('div', { id: 'diff-result' });
  const compare = el('button', { type: 'button', id: 'diff-compare', text: 'Compare' });
  const run = async (a, b) => {
    from.value = String(a);
    to.value = String(b);
    result.replaceChildren(el('p', { className: 'muted', text: 'Comparing…' }));
    try {
      result.replaceChildren(diffView(await getJSON(`/api/v1/plans/${encodeURIComponent(host.planId)}/diff?from=${a}&to=${b}`)));
    } catch (error) {
      result.replaceChildren(el('p', { className: 'error-box', text: error.message }));
    }
  };
  compare.addEventListener('click', () => run(from.value, to.value));
  const list = eventList(events);
  list.querySelectorAll('li[data-version]').forEach((item) => {
    const at = Number(item.dataset.version);
    const index = revisions.findIndex((r) => r.version === at);
    if (index <= 0) return;
    const b = el('button', { type: 'button', className: 'link', text: 'Compare with the revision before' });
    b.addEventListener('click', () => {
      run(revisions[index - 1].version, at);
      result.scrollIntoView({ block: 'nearest' });
    });
    item.append(b);
  });
  box.replaceChildren(
    el('h2', { text: 'History' }),
    el('p', { className: 'muted', text: `${revisions.length} revisions, ${events.length} changes. Newest first.` }),
    el('div', { className: 'diff-pick' }, el('span', { text: 'Compare ' }), from, el('span', { text: ' with ' }), to, compare),
    result,
    list,
  );
}
