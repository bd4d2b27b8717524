// My work: the benchmarks and outcomes the person owns (GET /api/v1/my-work), by what
// needs them, each with the progress report form.

import { formatDate, getJSON } from './api.js';
import { h } from './dom.js';
import { humanize, loadFramework } from './framework.js';
import { progressForm } from './progress.js';

const SECTIONS = [
  ['overdue', 'Overdue'],
  ['due_soon', 'Due in the next 30 days'],
  ['stale', 'Not reported for more than 90 days'],
  ['other', 'Everything else you own'],
];

window.coherence = { ready: false };

function dueText(item) {
  if (!item.due) return 'no due date';
  const days = item.days_until_due;
  const when = days < 0 ? `${-days} day${days === -1 ? '' : 's'} overdue` : days === 0 ? 'due today' : `in ${days} day${days === 1 ? '' : 's'}`;
  return `due ${formatDate(item.due)} (${when})`;
}

function itemRow(item, reload) {
  const planLink = h('a', { href: `/plans/${encodeURIComponent(item.plan)}?element=${encodeURIComponent(item.key)}` },
    item.plan_title || item.plan);
  const state = item.kind === 'benchmark'
    ? (item.status ? humanize(item.status) : 'no status')
    : (item.last_result ? `last result ${item.last_result.value} as of ${item.last_result.as_of}` : 'no result yet');
  const reported = item.last_reported
    ? `last reported ${formatDate(item.last_reported)} (${item.days_since_report} days ago)` : 'never reported';
  const toggle = h('button', { type: 'button', class: 'report-toggle needs-editor', 'aria-expanded': 'false' }, 'Report progress');
  const row = h('li', { class: 'work-item', 'data-plan': item.plan, 'data-element': item.key },
    h('div', { class: 'work-head' },
      h('span', { class: 'work-kind' }, humanize(item.kind)),
      h('strong', { class: 'work-name' }, item.name),
      toggle),
    h('div', { class: 'work-meta muted' }, planLink, ` · ${dueText(item)} · ${state} · ${reported}`,
      item.owner ? ` · owner ${item.owner}` : ''));
  let form = null;
  toggle.addEventListener('click', () => {
    if (form) {
      form.remove();
      form = null;
      toggle.setAttribute('aria-expanded', 'false');
      return;
    }
    form = progressForm(item.plan, item, { onDone: () => setTimeout(reload, 600) });
    row.append(form);
    toggle.setAttribute('aria-expanded', 'true');
  });
  return row;
}

async function load() {
  const host = document.getElementById('mywork');
  const owner = new URLSearchParams(window.location.search).get('owner');
  const work = await getJSON(`/api/v1/my-work${owner ? `?owner=${encodeURIComponent(owner)}` : ''}`);
  document.getElementById('mywork-lead').prepend(h('span', {}, `${work.person}, as of ${formatDate(work.as_of)}. `));
  const sections = SECTIONS.map(([bucket, title]) => {
    const items = work[bucket];
    return h('section', { class: 'work-bucket', 'data-bucket': bucket },
      h('h2', {}, `${title} `, h('span', { class: 'count' }, String(items.length))),
      items.length
        ? h('ul', { class: 'work-items' }, items.map((item) => itemRow(item, () => window.location.reload())))
        : h('p', { class: 'muted' }, 'Nothing.'));
  });
  host.replaceChildren(...sections);
}

loadFramework()
  .then(load)
  .catch((error) => {
    document.getElementById('mywork').replaceChildren(h('div', { class: 'error-box' }, `Could not read your work: ${error.message}`));
  })
  .finally(() => {
    window.coherence.ready = true;
  });
