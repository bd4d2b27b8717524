// The plan's lifecycle, for admins: adopt (with the record of the vote), start a
// redesign, close; and a list of revisions, each with an Undo button. The actions carry
// `needs-admin` (account.css hides them from everyone else: they see the revisions);
// the server decides who may, and tells anyone else so (403).

import { formatDate, getJSON, send } from './api.js';
import { h, labelled } from './dom.js';
import { describeError } from './progress.js';

const planPath = (planId) => `/api/v1/plans/${encodeURIComponent(planId)}`;

function actionForm(title, fields, label, run, output) {
  const button = h('button', { type: 'submit', class: 'primary' }, label);
  const form = h('form', { class: 'lifecycle-form needs-admin' }, h('h3', {}, title), fields, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    output.className = 'form-message';
    output.textContent = 'Saving…';
    run(new FormData(form))
      .catch((error) => {
        output.textContent = `Not saved: ${describeError(error)}`;
        output.className = 'form-message error';
      })
      .finally(() => { button.disabled = false; });
  });
  return form;
}

const text = (data, name) => String(data.get(name) || '').trim() || null;

/** Fill `panel` with the plan's lifecycle actions and revisions; `onChange(result)` after a change. */
export async function mountLifecycle(panel, planId, { onChange }) {
  panel.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  const [plan, revisions] = await Promise.all([
    getJSON(planPath(planId)),
    recentRevisions(planId),
  ]);
  const output = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
  const done = (result) => {
    output.textContent = `Saved: now at version ${result.data.version}.`;
    output.className = 'form-message ok';
    onChange?.(result.data);
  };
  const post = (path, body) => send('POST', `${planPath(planId)}${path}`, body, { ifMatch: plan.version }).then(done);
  const reason = () => labelled('Reason', h('input', { name: 'reason', maxlength: 500 }));
  const forms = [];
  if (plan.status === 'draft' || plan.status === 'redesign') {
    forms.push(actionForm('Adopt the plan', [
      labelled('Voted by', h('input', { name: 'body', maxlength: 200, placeholder: 'School Committee' })),
      labelled('Meeting date', h('input', { name: 'meeting_date', type: 'date' })),
      labelled('Vote', h('input', { name: 'vote', maxlength: 60, placeholder: '7-0' })),
      labelled('Minutes (URL)', h('input', { name: 'minutes_url', type: 'url', placeholder: 'https://…' })),
      reason(),
    ], 'Adopt', (d) => post('/adopt', {
      body: text(d, 'body'), meeting_date: text(d, 'meeting_date'), vote: text(d, 'vote'),
      minutes_url: text(d, 'minutes_url'), reason: text(d, 'reason'),
    }), output));
  }
  if (plan.status === 'adopted') {
    forms.push(actionForm('Start a redesign', [reason()], 'Start redesign',
      (d) => post('/redesign', { reason: text(d, 'reason') }), output));
  }
  if (plan.status !== 'closed') {
    forms.push(actionForm('Close the plan', [reason()], 'Close',
      (d) => post('/close', { reason: text(d, 'reason') }), output));
  }
  const why = h('input', { name: 'undo-reason', class: 'needs-admin', maxlength: 500, placeholder: 'Why undo (shown in the history)' });
  const list = h('ol', { class: 'revisions' });
  for (const r of revisions) {
    const undo = r.revision > 1 && plan.status !== 'closed'
      ? h('button', { type: 'button', class: 'undo-button needs-admin', 'data-revision': r.revision }, 'Undo')
      : null;
    undo?.addEventListener('click', () => {
      undo.disabled = true;
      output.className = 'form-message';
      output.textContent = `Undoing revision ${r.revision}…`;
      send('POST', `${planPath(planId)}/revisions/${r.revision}/undo`, { reason: why.value.trim() || null },
        { ifMatch: plan.version })
        .then(done)
        .catch((error) => {
          const names = error.problem?.elements?.length ? ` Changed since: ${error.problem.elements.join(', ')}.` : '';
          output.textContent = `Not undone: ${error.message}${names}`;
          output.className = 'form-message error';
        })
        .finally(() => { undo.disabled = false; });
    });
    list.append(h('li', { class: 'revision', 'data-revision': r.revision },
      h('div', { class: 'history-when' }, `Revision ${r.revision} · ${formatDate(r.timestamp, { time: true })} · ${r.actor}`),
      h('ul', { class: 'revision-summaries' }, r.summaries.map((s) => h('li', {}, s))),
      r.more ? h('div', { class: 'muted' }, `and ${r.more} more`) : null,
      undo));
  }
  panel.replaceChildren(
    h('p', {}, 'Status: ', h('span', { class: `status status-${plan.status}` }, plan.status), ` · version ${plan.version}`),
    output,
    ...forms,
    h('h3', {}, 'Revisions'),
    h('p', { class: 'muted needs-admin' }, 'Undo makes a new revision that reverses one; it is refused when a later revision changed the same elements since.'),
    why,
    list,
  );
}

/** The plan's latest revisions (newest first), each with the sentences of its first events. */
async function recentRevisions(planId, last = 400) {
  const first = await getJSON(`${planPath(planId)}/history?limit=1`);
  const offset = Math.max(0, first.total - last);
  const events = [];
  for (let at = offset; at < first.total; at += 1000) {
    const page = await getJSON(`${planPath(planId)}/history?offset=${at}&limit=1000`);
    events.push(...page.events);
  }
  const byRevision = new Map();
  for (const e of events) {
    if (!byRevision.has(e.revision)) {
      byRevision.set(e.revision, { revision: e.revision, timestamp: e.timestamp, actor: e.actor, summaries: [], more: 0 });
    }
    const r = byRevision.get(e.revision);
    if (r.summaries.length < 3) r.summaries.push(e.summary);
    else r.more += 1;
  }
  return [...byRevision.values()].reverse().slice(0, 60);
}
