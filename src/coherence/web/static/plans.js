// The plans page: every plan with district, status, version and audit summary.

import { escapeHtml, formatDate, getJSON } from './api.js';
import { loadFramework, severities } from './framework.js';

function auditChips(summary) {
  return severities()
    .map((spec) => {
      const count = summary[spec.name] ?? 0;
      const label = count === 1 ? spec.label.toLowerCase() : spec.plural;
      return `<span class="chip chip-${escapeHtml(spec.name)}${count ? '' : ' chip-zero'}">${count} ${escapeHtml(label)}</span>`;
    })
    .join(' ');
}

function scoreBar(score) {
  const tone = score >= 90 ? 'good' : score >= 70 ? 'fair' : 'poor';
  return `<div class="score score-${tone}" title="Plan alignment score ${score} of 100">
      <span class="score-value">${score}</span>
      <span class="score-track"><span class="score-fill" style="width:${score}%"></span></span>
    </div>`;
}

function render(plans) {
  const host = document.getElementById('plans');
  if (!plans.length) {
    host.innerHTML = `<div class="empty"><p>No plan in this store yet.</p>
      <p>Load the demo with <code>coherence demo</code>, or import a plan file with
      <code>coherence import plan.yaml</code>.</p></div>`;
    return;
  }
  const rows = plans
    .map(
      (p) => `
      <tr data-plan="${escapeHtml(p.plan)}">
        <td><a class="plan-link" href="/plans/${encodeURIComponent(p.plan)}">
          <span class="plan-district">${escapeHtml(p.district || '—')}</span>
          <span class="plan-title">${escapeHtml(p.title || p.plan)}</span>
          <span class="plan-id">${escapeHtml(p.plan)}</span></a></td>
        <td><span class="status status-${escapeHtml(p.status)}">${escapeHtml(p.status)}</span></td>
        <td class="num">${p.version}<span class="muted"> · revision ${p.revision}</span></td>
        <td class="nowrap">${escapeHtml(formatDate(p.modified_on))}</td>
        <td class="audit">${auditChips(p.audit)}</td>
        <td>${scoreBar(p.score)}</td>
      </tr>`,
    )
    .join('');
  host.innerHTML = `
    <table class="plans-table">
      <thead><tr><th>Plan</th><th>Status</th><th>Version</th><th>Last change</th>
        <th>Audit today</th><th>Alignment score</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>`;
}

Promise.all([getJSON('/api/v1/plans'), loadFramework()])
  .then(([plans]) => render(plans))
  .catch((error) => {
    document.getElementById('plans').innerHTML = `<div class="error-box">Could not read the plans:
      ${escapeHtml(error.message)}</div>`;
  });
