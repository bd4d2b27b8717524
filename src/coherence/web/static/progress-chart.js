// An outcome's progress in the element panel: the trajectory from the baseline (at the
// plan period's start) to the target (at the due date), every result as a dot (red when
// it falls short of the line), and the values and dates as text. One SVG, no library.

import { formatDate } from './api.js';

const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const day = (iso) => Date.parse(`${iso}T00:00:00Z`);

/** Draw `progress` (GET /outcomes/{key}/progress) into `svg`. */
export function drawProgress(svg, progress) {
  const width = svg.clientWidth || 300;
  const height = svg.clientHeight || 150;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const line = progress.trajectory;
  const results = progress.results.filter((r) => r.as_of && typeof r.value === 'number');
  const points = [...line.map((p) => [day(p.date), Number(p.value)]), ...results.map((r) => [day(r.as_of), r.value])];
  if (!points.length) {
    svg.append(el('text', { x: 8, y: height / 2, class: 'progress-empty' }, 'No baseline, target or result to draw yet'));
    return;
  }
  const left = 34;
  const right = width - 10;
  const top = 10;
  const bottom = height - 22;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) { x0 -= 86400000; x1 += 86400000; }
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const pad = (y1 - y0) * 0.1;
  y0 -= pad; y1 += pad;
  const sx = (x) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const sy = (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);

  const axes = el('g', { class: 'progress-axes' });
  axes.append(el('line', { x1: left, x2: right, y1: bottom, y2: bottom }));
  axes.append(el('line', { x1: left, x2: left, y1: top, y2: bottom }));
  for (const value of [y0 + pad, y1 - pad]) {
    axes.append(el('text', { x: left - 4, y: sy(value) + 3, 'text-anchor': 'end' }, String(Math.round(value * 10) / 10)));
  }
  axes.append(el('text', { x: left, y: height - 6, 'text-anchor': 'start' }, formatDate(new Date(x0).toISOString().slice(0, 10))));
  axes.append(el('text', { x: right, y: height - 6, 'text-anchor': 'end' }, formatDate(new Date(x1).toISOString().slice(0, 10))));
  svg.append(axes);

  if (line.length === 2) {
    const [a, b] = line;
    svg.append(el('line', {
      class: 'progress-trajectory',
      x1: sx(day(a.date)), y1: sy(Number(a.value)), x2: sx(day(b.date)), y2: sy(Number(b.value)),
    }));
    svg.append(el('text', { class: 'progress-label', x: sx(day(a.date)) + 4, y: sy(Number(a.value)) - 4 }, `baseline ${a.value}`));
    svg.append(el('text', { class: 'progress-label', x: sx(day(b.date)) - 4, y: sy(Number(b.value)) - 4, 'text-anchor': 'end' }, `target ${b.value}`));
  }
  for (const result of results) {
    const dot = el('circle', {
      class: `progress-result${result.short ? ' short' : ''}`,
      cx: sx(day(result.as_of)), cy: sy(result.value), r: 4,
    });
    const expected = result.expected === undefined || result.expected === null ? '' : ` (line: ${result.expected})`;
    dot.append(el('title', {}, `${formatDate(result.as_of)}: ${result.value}${expected}${result.short ? ', short of the line' : ''}`));
    svg.append(dot);
  }
}

/** The sentence under the chart. */
export function progressSummary(progress) {
  if (!progress.trajectory.length) return 'No trajectory: it needs a baseline, a target other than the baseline, a due date and the plan period\'s start.';
  if (!progress.latest) return 'No result yet.';
  const when = formatDate(progress.latest.as_of);
  return progress.on_track
    ? `On track: the latest result (${progress.latest.value} on ${when}) is on or past the line.`
    : `Off trajectory: the latest result (${progress.latest.value} on ${when}) falls short of the line.`;
}
