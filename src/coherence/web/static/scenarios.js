// Scenarios: draft copies of a plan, each with its own history, shown at /plans/{plan}~{name}.
// The Scenarios tab switches between the plan and its scenarios, creates and discards
// one, merges one into the plan, and compares one with the plan side by side
// (GET /api/v1/plans/{plan}/scenarios/{name}/compare: the plan now against the plan as
// merging the scenario would leave it). Writes go through send() (with the CSRF header);
// the server decides who may (a viewer is told so by its 403). Text from plans is escaped.

import { escapeHtml, formatDate, getJSON, send } from './api.js';
import { formatMoney } from './framework.js';
import { describeError } from './progress.js';

const MARK = '~';
const path = (id) => `/api/v1/plans/${encodeURIComponent(id)}`;

/** The live plan of a plan id, and the scenario's name (or null). */
export function splitScenario(planId) {
  const at = planId.indexOf(MARK);
  return at < 0 ? { base: planId, name: null } : { base: planId.slice(0, at), name: planId.slice(at + 1) };
}

const go = (id) => window.location.assign(`/plans/${encodeURIComponent(id).replaceAll('%7E', '~')}`);

/** Fill `panel` with the plan's scenarios: a selector, create, discard, merge, compare. */
export async function showScenarios(panel, { planId, onKey }) {
  const { base, name } = splitScenario(planId);
  panel.innerHTML = '<p class="muted">Loading…</p>';
  let scenarios;
  try {
    scenarios = await getJSON(`${path(base)}/scenarios`);
  } catch (error) {
    panel.innerHTML = `<p class="error-box">Could not read the scenarios: ${escapeHtml(error.message)}</p>`;
    return;
  }
  const current = scenarios.find((s) => s.name === name);
  const options = [`<option value="${escapeHtml(base)}"${name ? '' : ' selected'}>The plan: ${escapeHtml(base)}</option>`]
    .concat(scenarios.map((s) => `<option value="${escapeHtml(s.plan)}"${s.name === name ? ' selected' : ''}>
      ~${escapeHtml(s.name)} (${escapeHtml(s.status)}, from version ${s.forked_from})</option>`));
  panel.innerHTML = `
    <p class="muted">A scenario is a draft copy of the plan with its own history: change it freely,
      compare it with the plan, then merge it (one revision of the plan) or discard it.</p>
    <label class="form-field"><span class="form-label">Show</span>
      <select class="scenario-select" aria-label="Plan or scenario">${options.join('')}</select></label>
    ${current ? `<p>Scenario <strong>~${escapeHtml(current.name)}</strong> of ${escapeHtml(base)}: ${escapeHtml(current.status)},
      copied from version ${current.forked_from} on ${escapeHtml(formatDate(current.created_on))}.</p>
      ${current.status === 'draft' ? `<p class="scenario-actions">
        <button type="button" class="primary" data-action="compare">Compare with the plan</button>
        <button type="button" class="needs-editor" data-action="merge">Merge into the plan…</button>
        <button type="button" class="needs-editor" data-action="discard">Discard…</button></p>` : ''}` : ''}
    ${name ? '' : `<form class="scenario-create needs-editor">
      <h3>New scenario</h3>
      <label class="form-field"><span class="form-label">Name</span>
        <input name="name" required pattern="[a-z0-9][a-z0-9-]{0,39}" placeholder="fy28-cuts"
          title="lower-case letters, digits and '-'"></label>
      <button type="submit" class="primary">Create from the latest version</button>
    </form>
    ${scenarios.filter((s) => s.status === 'draft').map((s) => `<p><button type="button" data-action="compare" data-name="${escapeHtml(s.name)}">Compare ~${escapeHtml(s.name)}</button></p>`).join('')}`}
    <p class="form-message" role="status" aria-live="polite"></p>
    <div class="scenario-compare" aria-live="polite"></div>`;
  const message = panel.querySelector('.form-message');
  const fail = (error) => {
    message.textContent = `Not saved: ${describeError(error)}`;
    message.className = 'form-message error';
  };
  panel.querySelector('.scenario-select').addEventListener('change', (event) => go(event.target.value));
  panel.querySelector('.scenario-create')?.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = new FormData(event.target).get('name');
    send('POST', `${path(base)}/scenarios`, { name: wanted }).then(() => go(`${base}${MARK}${wanted}`)).catch(fail);
  });
  panel.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) {
      const chosen = button.dataset.name || name;
      if (button.dataset.action === 'compare') showCompare(panel.querySelector('.scenario-compare'), base, chosen);
      if (button.dataset.action === 'discard' && window.confirm(`Discard scenario ~${chosen}? Its history stays; it can no longer change.`)) {
        send('DELETE', `${path(base)}/scenarios/${encodeURIComponent(chosen)}`).then(() => go(base)).catch(fail);
      }
      if (button.dataset.action === 'merge' && window.confirm(`Merge scenario ~${chosen} into ${base}, as one revision?`)) {
        getJSON(path(base))
          .then((plan) => send('POST', `${path(base)}/scenarios/${encodeURIComponent(chosen)}/merge`, {}, { ifMatch: plan.version }))
          .then(() => go(base))
          .catch(fail);
      }
      return;
    }
    const key = event.target.closest('[data-key]');
    if (key && onKey) onKey(key.dataset.key);
  });
}

async function showCompare(box, base, name) {
  box.innerHTML = '<p class="muted">Comparing…</p>';
  try {
    box.innerHTML = renderCompare(await getJSON(`${path(base)}/scenarios/${encodeURIComponent(name)}/compare`));
  } catch (error) {
    box.innerHTML = `<p class="error-box">${escapeHtml(error.message)}</p>`;
  }
}

function keys(list) {
  return list.length
    ? list.map((k) => `<button type="button" class="key-link" data-key="${escapeHtml(k)}">${escapeHtml(k)}</button>`).join(' ')
    : '<span class="muted">none</span>';
}

const counts = (s) => `${s.error} errors, ${s.warning} warnings, ${s.info} info`;

/** The plan and the scenario side by side (the compare answer's `before` and `after`). */
export function renderCompare(r) {
  const before = r.funding.before;
  const after = r.funding.after;
  const objectives = new Map();
  for (const o of before.by_objective) objectives.set(o.key, { key: o.key, title: o.title, before: o.share, after: '0' });
  for (const o of after.by_objective) {
    const row = objectives.get(o.key) || { key: o.key, title: o.title, before: '0' };
    objectives.set(o.key, { ...row, after: o.share });
  }
  const finding = (f, label) => `<li class="finding sev-${escapeHtml(f.severity)}"><span class="sev-dot"></span><div>
    <div class="finding-head"><span class="change-label">${label}</span> ${escapeHtml(f.rule)} ${f.key ? keys([f.key]) : ''}</div>
    <div class="finding-message">${escapeHtml(f.message)}</div></div></li>`;
  const changed = (label, list) => (list.length ? `<li>${label}: ${keys(list.map((c) => c.key || `${c.source} → ${c.target}`))}</li>` : '');
  return `
    ${r.conflicts.length ? `<p class="error-box">Changed on both sides since the fork (a merge is refused until resolved): ${keys(r.conflicts)}</p>` : ''}
    <table class="data scenario-side-by-side"><thead><tr><th></th>
      <th class="num">The plan (version ${r.version})</th><th class="num">With ~${escapeHtml(r.scenario.name)}</th></tr></thead><tbody>
      <tr><td>Budget</td><td class="num">${escapeHtml(formatMoney(r.budget.before))}</td><td class="num">${escapeHtml(formatMoney(r.budget.after))}</td></tr>
      <tr><td>Staff (FTE)</td><td class="num">${escapeHtml(r.staff.before)}</td><td class="num">${escapeHtml(r.staff.after)}</td></tr>
      <tr><td>Alignment score</td><td class="num">${r.score.before}</td><td class="num">${r.score.after}</td></tr>
      <tr><td>Findings</td><td class="num">${counts(r.summary.before)}</td><td class="num">${counts(r.summary.after)}</td></tr>
      ${[...objectives.values()].map((o) => `<tr><td>${keys([o.key])} <span class="muted">${escapeHtml(o.title || '')}</span></td>
        <td class="num">${escapeHtml(formatMoney(o.before))}</td><td class="num">${escapeHtml(formatMoney(o.after))}</td></tr>`).join('')}
    </tbody></table>
    <h3>Losing all funding</h3>
    <p>Objectives: ${keys(r.losing_all_funding.objectives)}</p>
    <p>Initiatives: ${keys(r.losing_all_funding.initiatives)}</p>
    <h3>Changes</h3>
    <ul class="scenario-changes">${changed('Added', r.diff.added)}${changed('Retired', r.diff.retired)}${changed('Revised', r.diff.revised)}${changed('Linked', r.diff.linked)}${changed('Unlinked', r.diff.unlinked)}</ul>
    <h3>Findings</h3>
    ${r.findings.added.length || r.findings.resolved.length
    ? `<ul class="findings compact">${r.findings.added.map((f) => finding(f, 'new')).join('')}${r.findings.resolved.map((f) => finding(f, 'resolved')).join('')}</ul>`
    : '<p class="muted">No finding added or resolved.</p>'}`;
}
