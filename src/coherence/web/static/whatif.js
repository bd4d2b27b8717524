// The What-if panel: pick budget lines to retire and funds to cut or scale, and see
// what the plan would lose (POST /api/v1/plans/{id}/what-if: nothing is saved).
// Text from plans is escaped.

import { escapeHtml, getJSON, send } from './api.js';
import { formatFte, formatMoney } from './framework.js';
import { totalsLine } from './funding.js';

const panelState = { fiscalYear: '', ticket: 0 };

/** Show the what-if form for `planId` at `version` in `panel`. */
export async function showWhatIf(panel, { planId, version, onKey }) {
  const ticket = (panelState.ticket += 1);
  const base = `/api/v1/plans/${encodeURIComponent(planId)}`;
  const query = new URLSearchParams({ version: String(version) });
  if (panelState.fiscalYear) query.set('fiscal_year', panelState.fiscalYear);
  let funding;
  let years;
  try {
    const all = await getJSON(`${base}/funding?version=${version}`);
    years = all.by_fiscal_year;
    funding = panelState.fiscalYear ? await getJSON(`${base}/funding?${query}`) : all;
  } catch (error) {
    if (ticket === panelState.ticket) panel.innerHTML = `<p class="error-box">Could not read the budget: ${escapeHtml(error.message)}</p>`;
    return;
  }
  if (ticket !== panelState.ticket) return;
  panel.innerHTML = `
    <p class="muted">What if these lines were retired, or these funds cut or scaled? Nothing is saved.</p>
    <form class="whatif-form">
      <label>Fiscal year <select name="fiscal_year">
        <option value="">All years</option>
        ${years.map((y) => `<option value="${escapeHtml(y.fiscal_year)}"${y.fiscal_year === panelState.fiscalYear ? ' selected' : ''}>${escapeHtml(y.fiscal_year)}</option>`).join('')}
      </select></label>
      <h3>Funds</h3>
      <table class="data"><thead><tr><th>Fund</th><th class="num">Amount</th><th>Cut</th><th>Scale by</th></tr></thead><tbody>
        ${funding.by_fund.map((f, i) => `<tr>
          <td>${escapeHtml(f.fund)}</td><td class="num">${escapeHtml(formatMoney(f.amount))}</td>
          <td><input type="checkbox" name="cut" value="${i}" aria-label="Cut ${escapeHtml(f.fund)}"></td>
          <td><input type="number" name="scale-${i}" min="0" step="0.05" placeholder="1" aria-label="Scale ${escapeHtml(f.fund)} by"></td></tr>`).join('')}
      </tbody></table>
      <h3>Budget lines to retire</h3>
      <ul class="whatif-lines">
        ${funding.lines.map((line) => `<li><label><input type="checkbox" name="retire" value="${escapeHtml(line.key)}">
          <strong>${escapeHtml(line.key)}</strong> ${escapeHtml(formatMoney(line.amount))}${Number(line.fte) ? ` · ${escapeHtml(formatFte(line.fte))}` : ''}
          <span class="muted">${escapeHtml(line.fund)} · ${escapeHtml(line.description || '')}</span></label></li>`).join('')}
      </ul>
      <button type="submit" class="primary">What if?</button>
    </form>
    <div class="whatif-result" aria-live="polite"></div>`;
  panel.dataset.fiscalYear = panelState.fiscalYear; // which year the form shows (tests wait on it)
  const form = panel.querySelector('form');
  form.elements.fiscal_year.addEventListener('change', (event) => {
    panelState.fiscalYear = event.target.value;
    showWhatIf(panel, { planId, version, onKey });
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { retire: [], cut_funds: [], scale_funds: {} };
    form.querySelectorAll('input[name="retire"]:checked').forEach((box) => body.retire.push(box.value));
    funding.by_fund.forEach((f, i) => {
      if (form.querySelector(`input[name="cut"][value="${i}"]`).checked) body.cut_funds.push(f.fund);
      const scale = form.elements[`scale-${i}`].value.trim();
      if (scale !== '') body.scale_funds[f.fund] = scale;
    });
    const result = panel.querySelector('.whatif-result');
    result.classList.add('loading');
    try {
      const answer = (await send('POST', `${base}/what-if?${query}`, body)).data;
      result.innerHTML = renderResult(answer);
    } catch (error) {
      result.innerHTML = `<p class="error-box">${escapeHtml(error.message)}</p>`;
    } finally {
      result.classList.remove('loading');
    }
  });
  panel.querySelector('.whatif-result').addEventListener('click', (event) => {
    const key = event.target.closest('[data-key]');
    if (key && onKey) onKey(key.dataset.key);
  });
}

function keys(list) {
  return list.length
    ? list.map((k) => `<button type="button" class="key-link" data-key="${escapeHtml(k)}">${escapeHtml(k)}</button>`).join(' ')
    : '<span class="muted">none</span>';
}

function renderResult(r) {
  const losing = r.losing_all_funding;
  const findings = (items, label) => items
    .map((f) => `<li class="finding sev-${escapeHtml(f.severity)}"><span class="sev-dot"></span><div>
      <div class="finding-head"><span class="change-label">${label}</span> ${escapeHtml(f.rule)}</div>
      <div class="finding-message">${escapeHtml(f.message)}</div></div></li>`)
    .join('');
  const change = (name, show) => `<tr><td>${name}</td><td class="num">${escapeHtml(show(r[name === 'Budget' ? 'budget' : 'staff'].before))}</td>
    <td class="num">${escapeHtml(show(r[name === 'Budget' ? 'budget' : 'staff'].after))}</td></tr>`;
  return `
    <h3>Before and after</h3>
    <table class="data"><thead><tr><th></th><th class="num">Before</th><th class="num">After</th></tr></thead><tbody>
      ${change('Budget', formatMoney)}${change('Staff', formatFte)}
      <tr><td>Alignment score</td><td class="num">${r.score.before}</td><td class="num">${r.score.after}</td></tr>
    </tbody></table>
    <h4>After</h4>${totalsLine(r.funding.after.totals)}
    <h3>Losing all funding</h3>
    <p>Objectives: ${keys(losing.objectives)}</p>
    <p>Initiatives: ${keys(losing.initiatives)}</p>
    <h3>Findings</h3>
    ${r.findings.added.length || r.findings.resolved.length
    ? `<ul class="findings compact">${findings(r.findings.added, 'new')}${findings(r.findings.resolved, 'resolved')}</ul>`
    : '<p class="muted">No finding added or resolved.</p>'}
    <p class="muted">${r.diff.retired.length} lines retired, ${r.diff.unlinked.length} allocations removed, ${r.diff.revised.length} lines and allocations revised.</p>`;
}
