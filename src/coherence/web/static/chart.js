// The small chart above the timeline slider: findings after each version (errors,
// warnings, info, stacked), one bar per revision, aligned with the slider's stops. A
// dark tick on each bar marks how many of its findings come from the history-aware
// rules (stale or unanswered benchmarks, reasonless target changes, amendments...).

import { escapeHtml, formatDate } from './api.js';
import { severities } from './framework.js';

const SVG = 'http://www.w3.org/2000/svg';

/**
 * Draw `revisions` into `svg`; `inset` is the slider thumb's half width (the first and
 * last stops' distance from the ends). Calls `onPick(index)` when a bar is clicked.
 */
export function drawChart(svg, revisions, { inset, current, onPick }) {
  const width = svg.clientWidth || svg.parentElement.clientWidth;
  const height = svg.clientHeight || 64;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const n = revisions.length;
  const top = 4;
  const bottom = height - 2;
  const totals = revisions.map((r) => r.summary.error + r.summary.warning + r.summary.info);
  const max = Math.max(1, ...totals);
  const step = n > 1 ? (width - 2 * inset) / (n - 1) : 0;
  const barWidth = Math.max(3, Math.min(26, step * 0.7 || 26));
  const scaleY = (bottom - top) / max;

  const grid = document.createElementNS(SVG, 'g');
  grid.setAttribute('class', 'chart-grid');
  for (const value of niceTicks(max)) {
    const y = bottom - value * scaleY;
    const line = document.createElementNS(SVG, 'line');
    Object.entries({ x1: 0, x2: width, y1: y, y2: y }).forEach(([k, v]) => line.setAttribute(k, v));
    grid.append(line);
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', 2);
    label.setAttribute('y', y - 2);
    label.textContent = value;
    grid.append(label);
  }
  svg.append(grid);

  revisions.forEach((revision, i) => {
    const x = n > 1 ? inset + i * step : width / 2;
    const group = document.createElementNS(SVG, 'g');
    group.setAttribute('class', `bar${i === current ? ' current' : ''}`);
    group.dataset.index = i;
    const hit = document.createElementNS(SVG, 'rect');
    hit.setAttribute('class', 'hit');
    Object.entries({ x: x - Math.max(step, barWidth) / 2, y: 0, width: Math.max(step, barWidth), height })
      .forEach(([k, v]) => hit.setAttribute(k, v));
    group.append(hit);
    let y = bottom;
    for (const { name, color } of severities()) {
      const count = revision.summary[name];
      if (!count) continue;
      const rect = document.createElementNS(SVG, 'rect');
      const h = count * scaleY;
      y -= h;
      Object.entries({ x: x - barWidth / 2, y, width: barWidth, height: h, fill: color })
        .forEach(([k, v]) => rect.setAttribute(k, v));
      group.append(rect);
    }
    const history = revision.history ? revision.history.error + revision.history.warning + revision.history.info : 0;
    if (history) {
      const mark = document.createElementNS(SVG, 'rect');
      Object.entries({ x: x - barWidth / 2, y: bottom - history * scaleY, width: barWidth, height: history * scaleY, class: 'history-mark' })
        .forEach(([k, v]) => mark.setAttribute(k, v));
      group.append(mark);
    }
    const title = document.createElementNS(SVG, 'title');
    const s = revision.summary;
    title.textContent = `Version ${revision.version} (revision ${revision.revision}), ${formatDate(revision.timestamp)}\n`
      + `${s.error} errors, ${s.warning} warnings, ${s.info} info · score ${revision.score}\n`
      + (history ? `${history} of them from the plan's history (monitoring rules)\n` : '')
      + `${revision.reason || ''}`;
    group.append(title);
    group.addEventListener('click', () => onPick(i));
    svg.append(group);
  });
}

export function markCurrent(svg, current) {
  svg.querySelectorAll('g.bar').forEach((g) => g.classList.toggle('current', Number(g.dataset.index) === current));
}

function niceTicks(max) {
  const step = max <= 5 ? 1 : max <= 12 ? 5 : max <= 30 ? 10 : max <= 60 ? 20 : 50;
  const ticks = [];
  for (let v = step; v <= max; v += step) ticks.push(v);
  return ticks;
}

/** Date labels under the slider: the month of a version, where there is room. */
export function drawAxis(host, revisions, { inset }) {
  const width = host.clientWidth;
  const n = revisions.length;
  const step = n > 1 ? (width - 2 * inset) / (n - 1) : 0;
  const labels = [];
  let lastMonth = null;
  let lastX = -Infinity;
  revisions.forEach((revision, i) => {
    const when = new Date(revision.timestamp);
    const month = when.getUTCFullYear() * 12 + when.getUTCMonth();
    const x = n > 1 ? inset + i * step : width / 2;
    if (month !== lastMonth && x - lastX > 84) {
      const edge = x < 40 ? ' class="first"' : x > width - 40 ? ' class="last"' : '';
      labels.push(`<span${edge} style="left:${x}px">${escapeHtml(formatDate(revision.timestamp).replace(/ \d+,/, ''))}</span>`);
      lastX = x;
    }
    lastMonth = month;
  });
  host.innerHTML = labels.join('');
}
