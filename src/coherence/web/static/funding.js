// The Funding panel: where the plan's money and staff go at the version shown
// (GET /api/v1/plans/{id}/funding): the totals, a bar chart by objective and a table per
// view. Money and FTE arrive as exact decimal strings; text from plans is escaped.

import { escapeHtml, getJSON } from './api.js';
import { formatFte, formatMoney } from './framework.js';

const SVG = 'http://www.w3.org/2000/svg';
const VIEWS = [
  ['objectives', 'By objective'],
  ['initiatives', 'By initiative'],
  ['funds', 'By fund'],
  ['years', 'By fiscal year'],
  ['nowhere', 'Reaching no objective'],
];

const panelState = { view: 'objectives', fiscalYear: '', ticket: 0 };

/** Show the funding of `planId` at `version` in `panel`; `onKey(key)` focuses an element. */
export async function showFunding(panel, { planId, version, onKey }) {
  const ticket = (panelState.ticket += 1);
  const query = new URLSearchParams({ version: String(version) });
  if (panelState.fiscalYear) query.set('fiscal_year', panelState.fiscalYear);
  panel.classList.add('loading');
  let funding;
  let years;
  try {
    funding = await getJSON(`/api/v1/plans/${encodeURIComponent(planId)}/funding?${query}`);
    // The years to choose from: every year of the version, whatever is chosen now.
    years = panelState.fiscalYear
      ? (await getJSON(`/api/v1/plans/${encodeURIComponent(planId)}/funding?version=${version}`)).by_fiscal_year
      : funding.by_fiscal_year;
  } catch (error) {
    if (ticket === panelState.ticket) panel.innerHTML = `<p class="error-box">Could not read the funding: ${escapeHtml(error.message)}</p>`;
    return;
  } finally {
    panel.classList.remove('loading');
  }
  if (ticket !== panelState.ticket) return;
  panel.innerHTML = `
    <div class="funding-head">
      <label>Fiscal year <select data-fiscal-year>
        <option value="">All years</option>
        ${years.map((y) => `<option value="${escapeHtml(y.fiscal_year)}"${y.fiscal_year === panelState.fiscalYear ? ' selected' : ''}>${escapeHtml(y.fiscal_year)}</option>`).join('')}
      </select></label>
    </div>
    ${totalsLine(funding.totals)}
    <h3>Reaching each objective</h3>
    <svg class="funding-chart" role="img" aria-label="Money reaching each objective"></svg>
    <p class="muted small">Dark: its share (each allocation split equally between the objectives it reaches); light: every allocation reaching it, in full.</p>
    <div class="view-tabs" role="group" aria-label="Funding views">
      ${VIEWS.map(([name, label]) => `<button type="button" data-view="${name}" aria-pressed="${name === panelState.view}">${label}</button>`).join('')}
    </div>
    <div class="funding-table">${table(funding, panelState.view)}</div>`;
  drawBars(panel.querySelector('.funding-chart'), funding.by_objective);
  panel.querySelector('[data-fiscal-year]').addEventListener('change', (event) => {
    panelState.fiscalYear = event.target.value;
    showFunding(panel, { planId, version, onKey });
  });
  panel.querySelector('.view-tabs').addEventListener('click', (event) => {
    const button = event.target.closest('[data-view]');
    if (!button) return;
    panelState.view = button.dataset.view;
    panel.querySelectorAll('[data-view]').forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
    panel.querySelector('.funding-table').innerHTML = table(funding, panelState.view);
  });
  panel.querySelector('.funding-table').addEventListener('click', (event) => {
    const key = event.target.closest('[data-key]');
    if (key && onKey) onKey(key.dataset.key);
  });
}

export function totalsLine(t) {
  const share = t.aligned_share === null ? '—' : `${(Number(t.aligned_share) * 100).toFixed(1)}%`;
  return `<dl class="funding-totals">
    <div><dt>Budget</dt><dd>${escapeHtml(formatMoney(t.amount))}</dd><dd class="muted">${escapeHtml(formatFte(t.fte))} · ${t.lines} lines</dd></div>
    <div><dt>Reaches an objective</dt><dd>${escapeHtml(formatMoney(t.aligned))}</dd><dd class="muted">${escapeHtml(share)} · ${escapeHtml(formatFte(t.aligned_fte))}</dd></div>
    <div><dt>Reaches none</dt><dd>${escapeHtml(formatMoney(Number(t.not_aligned) + Number(t.unallocated)))}</dd>
      <dd class="muted">${escapeHtml(formatMoney(t.unallocated))} not allocated · ${escapeHtml(formatFte(t.not_aligned_fte))}</dd></div>
  </dl>`;
}

function keyButton(key) {
  return `<button type="button" class="key-link" data-key="${escapeHtml(key)}">${escapeHtml(key)}</button>`;
}

function grid(headers, rows) {
  if (!rows.length) return '<p class="muted">Nothing here.</p>';
  const head = headers.map(([label, numeric]) => `<th${numeric ? ' class="num"' : ''}>${escapeHtml(label)}</th>`).join('');
  return `<table class="data"><thead><tr>${head}</tr></thead><tbody>${rows
    .map((cells) => `<tr>${cells.map((cell, i) => `<td${headers[i][1] ? ' class="num"' : ''}>${cell}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const money = (value) => escapeHtml(formatMoney(value));
const fte = (value) => escapeHtml(Number(value).toFixed(2));

function table(f, view) {
  switch (view) {
    case 'objectives':
      return grid(
        [['Objective'], ['Reaches', 1], ['FTE', 1], ['Share', 1], ['Share FTE', 1], ['Funds']],
        f.by_objective.map((o) => [
          `${keyButton(o.key)} <span class="muted">${escapeHtml(o.title || '')}</span>`,
          money(o.amount),
          fte(o.fte),
          money(o.share),
          fte(o.share_fte),
          !o.funds.length ? '<span class="gap-note">unfunded</span>'
            : o.single_fund ? `<span class="single-fund" title="Every dollar comes from one fund: a single point of failure">${escapeHtml(o.single_fund)} only</span>`
              : escapeHtml(o.funds.join(', ')),
        ]),
      );
    case 'initiatives':
      return grid(
        [['Initiative'], ['Objectives'], ['Allocated', 1], ['FTE', 1], ['Its learning', 1], ['Funds']],
        f.by_initiative.map((i) => [
          `${keyButton(i.key)} <span class="muted">${escapeHtml(i.title || '')}</span>`,
          escapeHtml(i.objectives.join(', ') || '—'),
          i.funded ? money(i.amount) : '<span class="gap-note">$0</span>',
          fte(i.fte),
          money(i.learning),
          escapeHtml(i.funds.join(', ')),
        ]),
      );
    case 'funds':
    case 'years': {
      const name = view === 'funds' ? 'fund' : 'fiscal_year';
      const rows = view === 'funds' ? f.by_fund : f.by_fiscal_year;
      return grid(
        [[view === 'funds' ? 'Fund' : 'Fiscal year'], ['Lines', 1], ['Amount', 1], ['FTE', 1], ['Reaching', 1]],
        rows.map((r) => [escapeHtml(r[name]), String(r.lines), money(r.amount), fte(r.fte), money(r.aligned)]),
      );
    }
    default:
      return grid(
        [['Line'], ['Fund'], ['Not allocated', 1], ['Allocated, reaching none', 1], ['FTE', 1], ['To']],
        f.not_reaching.map((line) => [
          `${keyButton(line.key)} <span class="muted">${escapeHtml(line.description || '')}</span>`,
          escapeHtml(line.fund),
          money(line.unallocated),
          money(line.not_aligned),
          fte(line.not_aligned_fte),
          line.targets_reaching_nothing.map(keyButton).join(' ') || '—',
        ]),
      );
  }
}

/** A bar per objective: its share (dark) over what reaches it in full (light), as chart.js draws. */
export function drawBars(svg, objectives) {
  const width = svg.clientWidth || svg.parentElement.clientWidth || 320;
  const row = 22;
  const label = 52;
  const height = Math.max(row, objectives.length * row) + 4;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', String(height));
  svg.replaceChildren();
  const max = Math.max(1, ...objectives.map((o) => Number(o.amount)));
  const scale = (width - label - 90) / max;
  objectives.forEach((o, i) => {
    const y = i * row + 2;
    const group = document.createElementNS(SVG, 'g');
    const text = document.createElementNS(SVG, 'text');
    Object.entries({ x: 0, y: y + 14, class: 'bar-label' }).forEach(([k, v]) => text.setAttribute(k, v));
    text.textContent = o.key;
    group.append(text);
    for (const [value, cls] of [[o.amount, 'bar-full'], [o.share, 'bar-share']]) {
      const rect = document.createElementNS(SVG, 'rect');
      Object.entries({ x: label, y: y + 2, width: Math.max(Number(value) * scale, Number(value) > 0 ? 1 : 0), height: row - 6, class: cls })
        .forEach(([k, v]) => rect.setAttribute(k, v));
      group.append(rect);
    }
    const amount = document.createElementNS(SVG, 'text');
    Object.entries({ x: label + Number(o.amount) * scale + 4, y: y + 14, class: 'bar-value' }).forEach(([k, v]) => amount.setAttribute(k, v));
    amount.textContent = Number(o.amount) > 0 ? formatMoney(o.share) : 'unfunded';
    group.append(amount);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${o.key} ${o.title || ''}\nshare ${formatMoney(o.share)} (${formatFte(o.share_fte)}); reaches ${formatMoney(o.amount)}`
      + `${o.single_fund ? `\nfunded through ${o.single_fund} only` : ''}`;
    group.append(title);
    svg.append(group);
  });
}
