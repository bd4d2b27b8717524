// One slide of the deck as DOM: the blocks the server built, laid out for a 1920 x 1080
// stage (present.css). Text from plans is always set as text (dom.js's h()).

import { h } from '../dom.js';
import { severityOf } from '../framework.js';

/** The element of a slide (its graph's container, when it has one, is `.slide-graph`). */
export function renderSlide(slide, index, total) {
  const head = h('header', { class: 'slide-head' },
    h('h1', { class: 'slide-title' }, slide.title),
    slide.subtitle ? h('p', { class: 'slide-subtitle' }, slide.subtitle) : null);
  let body;
  if (slide.layout === 'title') {
    const left = slide.blocks.filter((b) => b.heading === 'Mission' || b.heading === 'Vision');
    const right = slide.blocks.filter((b) => !left.includes(b));
    body = h('div', { class: 'slide-body columns-2' },
      h('div', { class: 'column' }, left.map(renderBlock)),
      h('div', { class: 'column' }, right.map(renderBlock)));
  } else if (slide.layout === 'objective') {
    const tables = slide.blocks.filter((b) => b.heading === 'Initiatives' || b.heading === 'Outcomes');
    const rest = slide.blocks.filter((b) => !tables.includes(b));
    body = h('div', { class: 'slide-body objective' },
      h('div', { class: 'column' }, tables.map(renderBlock)),
      h('div', { class: 'column' },
        h('div', { class: 'slide-graph', role: 'img', 'aria-label': `${slide.key} and everything beneath it` }),
        h('div', { class: 'side' }, rest.map(renderBlock))));
  } else {
    body = h('div', { class: 'slide-body list' }, slide.blocks.map(renderBlock));
  }
  return h('section', {
    class: `slide layout-${slide.layout}`,
    dataset: { slide: slide.id, index: String(index) },
    'aria-label': `Slide ${index + 1} of ${total}: ${slide.title}`,
  }, head, body, h('footer', { class: 'slide-foot' }, `${index + 1} / ${total}`));
}

function renderBlock(block) {
  const parts = [];
  if (block.heading) parts.push(h('h2', { class: 'block-heading' }, block.heading));
  if (block.kind === 'statement') parts.push(h('p', { class: 'statement' }, block.text));
  if (block.kind === 'bullets') {
    parts.push(h('ul', { class: 'bullets' }, block.items.map((item) => {
      const severity = item.severity ? severityOf(item.severity) : null;
      return h('li', { class: severity ? `bullet sev sev-${item.severity}` : 'bullet' },
        severity ? h('span', { class: 'sev-mark', style: `background:${severity.color}`, title: severity.label }) : null,
        h('span', { class: 'bullet-text' }, item.text));
    })));
  }
  if (block.kind === 'table') {
    parts.push(h('table', { class: `deck-table cols-${block.columns.length}` },
      h('thead', {}, h('tr', {}, block.columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, block.rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell)))))));
  }
  if (block.more) parts.push(h('p', { class: 'more' }, block.more));
  return h('div', { class: `block block-${block.kind}` }, parts);
}

/**
 * Fit a slide on its stage: the body's type from its size down to the floor (28px at
 * 1920 x 1080) until nothing overflows. Returns whether it fits.
 */
export function fitSlide(section, { floor = 28 } = {}) {
  const body = section.querySelector('.slide-body');
  if (!body) return true;
  body.style.fontSize = '';
  let size = parseFloat(getComputedStyle(body).fontSize);
  const overflows = () => body.scrollHeight > body.clientHeight + 1 || body.scrollWidth > body.clientWidth + 1
    || [...body.querySelectorAll('.column, .side')].some((c) => c.scrollHeight > c.clientHeight + 1);
  while (overflows() && size > floor) {
    size = Math.max(floor, size - 1);
    body.style.fontSize = `${size}px`;
  }
  return !overflows();
}
