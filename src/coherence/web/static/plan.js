// The plan page: the alignment graph, its gaps, its history.
//
// One request gives every element and link the plan ever had, the revisions each was
// active in, and the audit after each revision (GET /api/v1/plans/{id}/graph/timeline).
// The union is laid out once; the timeline slider then only changes classes: elements of
// the version shown are drawn, new ones marked, retired ones faded, later ones hidden.

import { escapeHtml, formatDate, getJSON } from './api.js';
import { drawAxis, drawChart, markCurrent } from './chart.js';
import {
  edgeVerb, fieldLabel, fieldType, formatFte, formatMoney, graphLook, humanize, isSingleton, kindOf, kindOrder, loadFramework, ruleDescription, ruleLabel,
  severities, severityOf, severityRank, titleFieldsOf, titleOf,
} from './framework.js';
import { NODE, computeLayout } from './layout.js';
import { installExports } from './exports.js';
import { removePicture } from './picture.js';

const planId = decodeURIComponent(window.location.pathname.split('/').filter(Boolean)[1] || '');
// The plan across all its revisions (what the page draws; after a save, ?since=).
const TIMELINE = `/api/v1/plans/${encodeURIComponent(planId)}/graph/timeline`;
const $ = (id) => document.getElementById(id);
const DETAIL_ZOOM = 0.6;
const THUMB_INSET = 12;

const state = {
  data: null,
  cy: null,
  index: 0,
  spans: new Map(),
  unionPositions: null,
  places: new Map(),
  hiddenKinds: new Set(),
  focus: null,
  selected: null,
  matches: [],
  matchCursor: -1,
  detailed: false,
  playing: null,
  drawn: false,
  // Whether the view is still the page's own fit (no zoom, pan or focus since).
  fitted: true,
};

// The hook the browser tests and the benchmark read.
window.coherence = { ready: false, state };

// What the editing and history modules (edit/) are told of the page, and may call.
const hooks = { elementShown: () => {}, tabShown: () => {} };

// The modules the first draw does not need (plan-extras.js), loaded once it is done:
// `later(use)` calls `use` with them as soon as they are in.
let extrasLoaded;
const extras = new Promise((resolve) => {
  extrasLoaded = resolve;
});
function later(use) {
  return extras.then(use);
}

// -- start --------------------------------------------------------------------------

async function main() {
  if (document.body.dataset.assets !== 'ready') {
    showMessage('The graph libraries are not installed: run <code>npm ci</code> in the checkout (or <code>make run</code>), then reload.');
    window.coherence.ready = true;
    return;
  }
  const loading = getJSON(TIMELINE);
  loading.catch(() => {}); // handled below, once the libraries are in
  const framework = loadFramework();
  framework.catch(() => {});
  // The plan comes with every element's box (laid out on the server, once per version).
  const { default: cytoscape } = await import('/web/vendor/cytoscape.mjs');
  try {
    await framework;
  } catch (error) {
    showMessage(`Could not read the Framework catalogue: ${escapeHtml(error.message)}`);
    window.coherence.ready = true;
    return;
  }
  let data;
  try {
    data = await loading;
  } catch (error) {
    showMessage(error.status === 404 ? `There is no plan <strong>${escapeHtml(planId)}</strong>. <a href="/">See every plan</a>.`
      : `Could not read the plan: ${escapeHtml(error.message)}`);
    window.coherence.ready = true;
    return;
  }
  performance.mark('coherence:data');
  state.data = data;
  renderHeader(data);
  const cy = createGraph(cytoscape, data);
  state.cy = cy;
  window.coherence.cy = cy;

  performance.mark('coherence:graph');
  // Every element's box comes laid out from the server (the picture shown until now
  // was drawn from the same boxes).
  placeUnion(data);
  performance.mark('coherence:layout');

  setupControls();
  window.coherence.select = (key) => selectElement(key, { from: 'graph' });
  const initial = initialIndex(data.revisions);
  setRevision(initial);
  // Fitted before the first frame, so the graph is drawn once, as it will stay.
  fitVisible(false);
  performance.mark('coherence:first-layout');
  await new Promise((resolve) => {
    requestAnimationFrame(resolve);
  });
  // Cytoscape draws in its own frame callback, asked for before this one: the picture
  // goes in the same frame.
  removePicture();
  performance.mark('coherence:first-draw');
  // What the first frame does not need: the findings, the timeline's chart, the counts.
  state.drawn = true;
  drawTimeline();
  new ResizeObserver(() => drawTimeline()).observe($('chart'));
  renderFindings(state.index);
  renderKindCounts();
  let resizeTimer = null;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(keepViewOnResize, 120);
  }).observe($('cy'));

  const more = await import('./plan-extras.js');
  extrasLoaded(more);
  setupExtras(more);
  openFromUrl();
  window.coherence.ready = true;
}

// Editing, history, the workbook, the report and publishing: set up after the first draw.
function setupExtras(more) {
  const cancelElementLoad = () => {
    elementRequest += 1; // an element still being read does not replace what is shown now
  };
  const host = { planId, state, refresh, showTab, focusElement, selectElement, cancelElementLoad, hooks };
  more.setupEditing(host);
  more.setupHistory(host);
  const scenario = more.splitScenario(planId).name;
  if (scenario) $('tab-scenarios').textContent = `Scenario ~${scenario}`;
  more.installWorkbook({
    planId,
    version: () => revisionAt(state.index).version,
    // A confirmed import made a new version: show the plan at its latest version.
    confirmed: () => window.location.assign(window.location.pathname),
  });
  more.installReport({ planId, version: () => revisionAt(state.index).version });
  more.mountPublish({ planId }).catch(reportError);
}

function xy(position) {
  return { x: position.x, y: position.y };
}

function showMessage(html) {
  removePicture();
  const box = $('graph-message');
  box.innerHTML = html;
  box.hidden = false;
}

function renderHeader(data) {
  const d = data.details;
  const name = [d.district, d.title].filter(Boolean).join(' — ') || data.plan;
  $('plan-name').textContent = name;
  document.title = `${d.title || data.plan} · Coherence`;
  const present = $('present-link');
  if (present) present.href = `/plans/${encodeURIComponent(data.plan)}/present`;
  const status = $('plan-status');
  status.textContent = d.status || '';
  status.className = `status status-${d.status}`;
}

function initialIndex(revisions) {
  const wanted = Number(new URLSearchParams(window.location.search).get('version'));
  if (!wanted) return revisions.length - 1;
  let index = 0;
  revisions.forEach((r, i) => {
    if (r.version <= wanted) index = i;
  });
  return index;
}

// -- the graph ----------------------------------------------------------------------

function shortLabel(d) {
  return isSingleton(d.kind) ? kindOf(d.kind).label : d.key;
}

// "SI2.3 · Tutoring for…": the key kept, the title cut at a word (the mission's longer).
function longLabel(d) {
  const head = isSingleton(d.kind) ? kindOf(d.kind).label : d.key;
  const limit = d.kind === 'mission' ? 70 : 34;
  let title = titleOf(d).split(/\s+/).join(' ').trim();
  if (title.length > limit) {
    let cut = title.slice(0, limit - 1);
    if (cut.lastIndexOf(' ') > limit / 2) cut = cut.slice(0, cut.lastIndexOf(' '));
    title = `${cut.replace(/[ ,;:—-]+$/, '')}…`;
  }
  return title ? `${head} · ${title}` : head;
}

// Each element at the place and size of its box in a graph/timeline answer (the server
// lays out every element the plan ever had), and the places across the levels that a
// focus on one objective lays its part out by.
function placeUnion(timeline) {
  state.places = new Map(timeline.nodes.filter((n) => Number.isFinite(n.x)).map((n) => [n.data.id, n.x]));
  state.unionPositions = new Map(timeline.nodes.filter((n) => n.box).map((n) => [n.data.id, n.box]));
  const cy = state.cy;
  cy.batch(() => cy.nodes().forEach((node) => {
    const box = state.unionPositions.get(node.id());
    if (!box) return;
    node.position(xy(box));
    node.data({ w: box.w, h: box.h });
  }));
}

// What a node of the graph holds: what it is drawn, named and searched by (the panel
// reads the whole element when it is opened; state.data.nodes keeps every field).
function nodeData(d, box) {
  const spec = kindOf(d.kind);
  const data = { id: d.id, kind: d.kind, key: d.key, short: shortLabel(d), long: longLabel(d), fill: spec.fill, ink: spec.text };
  if (box) Object.assign(data, { w: box.w, h: box.h });
  for (const name of titleFieldsOf(d.kind)) {
    if (d[name] !== undefined) data[name] = d[name];
  }
  return data;
}

function createGraph(cytoscape, data) {
  const elements = [];
  for (const { data: d, active, box } of data.nodes) {
    state.spans.set(d.id, active);
    elements.push({ group: 'nodes', data: nodeData(d, box) });
  }
  for (const { data: d, active } of data.edges) {
    state.spans.set(d.id, active);
    elements.push({ group: 'edges', data: { ...d } });
  }
  const cy = cytoscape({
    container: $('cy'),
    elements,
    style: graphStyle(),
    // Placed and fitted by the page (fitVisible), from the positions it computes: a fit
    // here would measure every label of elements not yet placed.
    layout: { name: 'preset', fit: false },
    minZoom: 0.05,
    maxZoom: 3,
    boxSelectionEnabled: false,
    autounselectify: false,
    pixelRatio: 'auto',
  });
  cy.on('tap', 'node', (event) => selectElement(event.target.id(), { from: 'graph' }));
  cy.on('tap', (event) => {
    if (event.target === cy) clearSelection();
  });
  cy.on('zoom', () => updateDetail());
  cy.on('mouseover', 'node', (event) => {
    showTip(event.target);
    event.target.connectedEdges().addClass('hot');
  });
  cy.on('mouseout', 'node', (event) => {
    hideTip();
    if (!event.target.selected()) event.target.connectedEdges().removeClass('hot');
  });
  cy.on('select', 'node', (event) => event.target.connectedEdges().addClass('hot'));
  cy.on('unselect', 'node', (event) => event.target.connectedEdges().removeClass('hot'));
  cy.on('viewport', () => hideTip());
  cy.on('scrollzoom pinchzoom dragpan', () => {
    state.fitted = false;
  });
  return cy;
}

function showTip(node) {
  const tip = $('tip');
  const d = node.data();
  const spec = kindOf(d.kind);
  const title = titleOf(d);
  const findings = node.hasClass('future') || node.hasClass('retired')
    ? []
    : revisionAt(state.index).findings.filter((f) => f.key === d.id);
  const status = node.hasClass('retired') ? '<div class="tip-status">Retired at this version</div>'
    : node.hasClass('new') ? '<div class="tip-status tip-new">New in this version</div>' : '';
  tip.innerHTML = `<div class="tip-head"><span class="kind-chip" style="${chipStyle(spec)}">${escapeHtml(spec.label)}</span>
      <strong>${escapeHtml(isSingleton(d.kind) ? '' : d.key)}</strong></div>
    ${title ? `<div class="tip-title">${escapeHtml(title.length > 220 ? `${title.slice(0, 219)}…` : title)}</div>` : ''}
    ${status}
    ${findings.map((f) => `<div class="tip-finding sev-${f.severity}">${escapeHtml(f.message)}</div>`).join('')}`;
  const box = node.renderedBoundingBox();
  const area = $('cy').getBoundingClientRect();
  tip.hidden = false;
  const left = Math.min(Math.max(8, box.x1), area.width - tip.offsetWidth - 8);
  const below = box.y2 + 10 + tip.offsetHeight < area.height;
  tip.style.left = `${left}px`;
  tip.style.top = `${below ? box.y2 + 10 : Math.max(8, box.y1 - tip.offsetHeight - 10)}px`;
}

function hideTip() {
  $('tip').hidden = true;
}

function graphStyle() {
  const look = graphLook();
  // A link's look as served: only what it sets (a kind of link may change one thing).
  const lineStyle = (l) => ({
    ...(l.colour !== undefined && { 'line-color': l.colour }),
    ...(l.width !== undefined && { width: l.width }),
    ...(l.opacity !== undefined && { opacity: l.opacity }),
  });
  // The catalogue's look of a severity's worst finding (the server's picture draws it too).
  const halo = (name) => {
    const { color, halo: look } = severityOf(name);
    return {
      'border-color': color,
      'border-width': look.width,
      'border-opacity': 1,
      'underlay-color': look.glow,
      'underlay-opacity': look.opacity,
      'underlay-padding': look.padding,
      'underlay-shape': 'round-rectangle',
    };
  };
  return [
    {
      selector: 'node',
      style: {
        shape: 'round-rectangle',
        width: NODE.width,
        height: NODE.height,
        'background-color': 'data(fill)',
        'border-width': look.border.width,
        'border-color': look.border.colour,
        'border-opacity': look.border.opacity,
        label: 'data(short)',
        color: 'data(ink)',
        'font-family': 'system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
        'font-size': 26,
        'font-weight': 700,
        'text-valign': 'center',
        'text-halign': 'center',
        'text-wrap': 'wrap',
        'text-max-width': NODE.width - 14,
        'min-zoomed-font-size': 4,
      },
    },
    { selector: 'node[kind = "mission"]', style: { width: NODE.missionWidth, 'font-size': 30 } },
    // The box the server laid the element out with (the picture's).
    { selector: 'node[w]', style: { width: 'data(w)', height: 'data(h)' } },
    {
      selector: 'node.detailed',
      style: { label: 'data(long)', 'font-size': 16, 'font-weight': 700, 'line-height': 1.08, 'text-max-width': NODE.width - 14 },
    },
    { selector: 'node.detailed[kind = "mission"]', style: { 'text-max-width': NODE.missionWidth - 20, 'font-size': 16 } },
    {
      // Faded by default, bundled (haystack: straight, no arrows, cheap with hundreds);
      // the links of the element under the mouse or selected are drawn strong.
      selector: 'edge',
      style: {
        'curve-style': 'haystack',
        'haystack-radius': 0.3,
        width: look.link.width,
        'line-color': look.link.colour,
        opacity: look.link.opacity,
      },
    },
    { selector: 'edge.in-focus', style: { opacity: 0.7, width: 2.2 } },
    {
      selector: 'edge.hot',
      style: { 'curve-style': 'straight', 'target-arrow-shape': 'triangle', 'target-arrow-color': '#1e293b', 'line-color': '#1e293b', width: 3.5, opacity: 1, 'z-index': 9 },
    },
    ...Object.entries(look.links).map(([edge, l]) => ({ selector: `edge[edge = "${edge}"]`, style: lineStyle(l) })),
    ...severities().map(({ name }) => ({ selector: `node.finding-${name}`, style: halo(name) })),
    {
      selector: 'node.new',
      style: { 'outline-color': look.new.colour, 'outline-width': look.new.width, 'outline-offset': look.new.offset, 'outline-style': 'solid', 'outline-opacity': 1 },
    },
    { selector: 'edge.new', style: { ...lineStyle(look.new_link), 'target-arrow-color': look.new_link.colour } },
    { selector: 'node.retired', style: { opacity: look.retired.opacity, 'border-style': 'dashed', 'border-width': look.retired.border_width, 'underlay-opacity': 0 } },
    { selector: 'edge.retired', style: { opacity: look.retired.link_opacity, 'line-style': 'dashed' } },
    { selector: '.future, .kind-hidden, .unfocused', style: { display: 'none' } },
    { selector: 'node.los', style: { 'border-color': '#0f172a', 'border-width': 5, 'border-opacity': 1 } },
    { selector: 'edge.los', style: { 'curve-style': 'straight', 'target-arrow-shape': 'triangle', width: 5, 'line-color': '#0f172a', 'target-arrow-color': '#0f172a', opacity: 1, 'z-index': 10 } },
    { selector: '.dim', style: { opacity: 0.12 } },
    { selector: 'node.match', style: { 'outline-color': '#facc15', 'outline-width': 10, 'outline-offset': 4, opacity: 1 } },
    {
      selector: 'node:selected',
      style: { 'border-color': '#0f172a', 'border-width': 7, 'border-opacity': 1, 'overlay-color': '#0f172a', 'overlay-opacity': 0.08 },
    },
  ];
}

function updateDetail(force = false) {
  const cy = state.cy;
  const detailed = cy.zoom() >= DETAIL_ZOOM;
  if (detailed === state.detailed && !force) return;
  state.detailed = detailed;
  cy.batch(() => cy.nodes().toggleClass('detailed', detailed));
}

// -- versions -----------------------------------------------------------------------

function activeIn(spans, revision) {
  return spans.some(([first, last]) => first <= revision && revision <= last);
}

function revisionAt(index) {
  return state.data.revisions[index];
}

function setRevision(index, { fit = false } = {}) {
  const revisions = state.data.revisions;
  index = Math.max(0, Math.min(revisions.length - 1, index));
  state.index = index;
  const current = revisions[index].revision;
  const previous = index > 0 ? revisions[index - 1].revision : null;
  const worst = worstFindings(revisions[index].findings);
  const cy = state.cy;
  cy.batch(() => {
    cy.elements().forEach((ele) => {
      const spans = state.spans.get(ele.id()) || [];
      const now = activeIn(spans, current);
      const born = spans.length ? spans[0][0] : Infinity;
      ele.toggleClass('future', !now && born > current);
      ele.toggleClass('retired', !now && born <= current);
      ele.toggleClass('new', now && previous !== null && !activeIn(spans, previous));
      if (ele.isNode()) {
        const severity = now ? worst.get(ele.id()) : undefined;
        for (const { name } of severities()) ele.toggleClass(`finding-${name}`, severity === name);
      }
    });
  });
  if (state.focus) applyFocus();
  $('slider').value = String(index);
  renderRevisionLabel(index);
  if (state.drawn) {
    markCurrent($('chart'), index);
    renderFindings(index);
    renderKindCounts();
  }
  if (!$('panel-funding').hidden) later((x) => x.showFunding($('panel-funding'), { planId, version: revisions[index].version, onKey: focusElement }));
  if (state.matches.length || $('search').value) runSearch($('search').value, { keepCursor: true });
  if (state.selected) refreshSelected();
  const url = new URL(window.location.href);
  if (index === revisions.length - 1) url.searchParams.delete('version');
  else url.searchParams.set('version', revisions[index].version);
  window.history.replaceState(null, '', url);
  const present = $('present-link');
  if (present) {
    const version = index === revisions.length - 1 ? '' : `?version=${revisions[index].version}`;
    present.href = `/plans/${encodeURIComponent(state.data.plan)}/present${version}`;
  }
  if (fit) fitVisible(false);
}

function worstFindings(findings) {
  const worst = new Map();
  for (const f of findings) {
    if (!f.key) continue;
    const had = worst.get(f.key);
    if (!had || severityRank(f.severity) > severityRank(had)) worst.set(f.key, f.severity);
  }
  return worst;
}

function renderRevisionLabel(index) {
  const revisions = state.data.revisions;
  const r = revisions[index];
  const latest = index === revisions.length - 1 ? ' (latest)' : '';
  $('rev-title').textContent = `${formatDate(r.timestamp)} · version ${r.version}${latest} · revision ${r.revision} of ${revisions.at(-1).revision}`;
  $('rev-reason').textContent = `${r.actor}${r.reason ? ` — ${r.reason}` : ''}`;
  $('rev-reason').title = $('rev-reason').textContent;
  $('rev-prev').disabled = index === 0;
  $('rev-next').disabled = index === revisions.length - 1;
}

function changesAt(index) {
  const revisions = state.data.revisions;
  if (index === 0) return { added: [], retired: [] };
  const now = revisions[index].revision;
  const before = revisions[index - 1].revision;
  const added = [];
  const retired = [];
  for (const { data: d, active } of state.data.nodes) {
    const isNow = activeIn(active, now);
    const wasBefore = activeIn(active, before);
    if (isNow && !wasBefore) added.push(d.id);
    if (!isNow && wasBefore) retired.push(d.id);
  }
  return { added, retired };
}

// -- findings panel -----------------------------------------------------------------

// A chip in a kind's colours (from the catalogue: escaped like any served text).
function chipStyle(spec) {
  return escapeHtml(`--chip:${spec.fill};--ink:${spec.text}`);
}

// A rule's name, with what it finds (the catalogue's description) as its tooltip.
function ruleChip(rule) {
  const description = ruleDescription(rule);
  return `<span class="finding-rule"${description ? ` title="${escapeHtml(description)}"` : ''}>${escapeHtml(ruleLabel(rule))}</span>`;
}

function keyChip(key) {
  const node = state.cy.getElementById(key);
  const spec = kindOf(node.nonempty() ? node.data('kind') : '');
  const text = node.nonempty() ? node.data('short') : key;
  return `<button type="button" class="key-chip" data-key="${escapeHtml(key)}" style="${chipStyle(spec)}">${escapeHtml(text)}</button>`;
}

function renderFindings(index) {
  const r = revisionAt(index);
  const s = r.summary;
  const total = s.error + s.warning + s.info;
  const inFocus = state.focus ? (f) => f.key && !state.cy.getElementById(f.key).hasClass('unfocused') : () => true;
  const findings = r.findings.filter(inFocus);
  $('findings-count').textContent = state.focus ? `${findings.length}/${total}` : String(total);
  const focusNote = state.focus
    ? `<p class="focus-note">Showing the ${findings.length} of ${total} findings beneath
        ${keyChip(state.focus)}. <button type="button" class="link" data-unfocus>Show the whole plan</button></p>`
    : '';
  const { added, retired } = changesAt(index);
  // What this revision added or retired; a revision of fields, links or progress only
  // says so in words rather than as two empty counts.
  const changed = (label, className, keys) => (keys.length
    ? `<div><span class="change-label ${className}">${keys.length} ${label}</span> ${keys.map(keyChip).join(' ')}</div>`
    : '');
  const changeLine = index === 0
    ? '<p class="muted">The first version of the plan.</p>'
    : added.length || retired.length
      ? `<div class="changes">${changed('new', 'added', added)}${changed('retired', 'retired', retired)}</div>`
      : '<p class="muted changes">No element added or retired in this revision.</p>';
  const groups = severities()
    .map(({ name: severity, label, plural }) => {
      const items = findings.filter((f) => f.severity === severity);
      if (!items.length) return '';
      const rows = items
        .map((f) => `
          <li class="finding sev-${severity}" ${f.key ? `data-key="${escapeHtml(f.key)}" tabindex="0" role="button"` : ''}>
            <span class="sev-dot" aria-hidden="true"></span>
            <div>
              <div class="finding-head">${f.key ? `<span class="finding-key">${escapeHtml(state.cy.getElementById(f.key).data('short') || f.key)}</span>` : '<span class="finding-key plan-wide">Plan</span>'}
                ${ruleChip(f.rule)}</div>
              <div class="finding-message">${escapeHtml(f.message)}</div>
            </div>
          </li>`)
        .join('');
      return `<h3 class="sev-heading sev-${escapeHtml(severity)}">${items.length} ${escapeHtml(items.length === 1 ? label.toLowerCase() : plural)}</h3><ul class="findings">${rows}</ul>`;
    })
    .join('');
  $('panel-findings').innerHTML = `
    <div class="score-line">
      <div class="score-big score-${r.score >= 90 ? 'good' : r.score >= 70 ? 'fair' : 'poor'}">${r.score}</div>
      <div><div class="score-caption">alignment score</div>
        <div class="muted">audit as of ${escapeHtml(formatDate(r.timestamp))}</div></div>
    </div>
    ${changeLine}
    ${focusNote}
    ${groups || `<p class="no-findings">No finding${state.focus ? ' here' : ''}: every rule passes at this version.</p>`}`;
}

function onFindingsClick(event) {
  if (event.target.closest('[data-unfocus]')) {
    setFocus(null);
    return;
  }
  const chip = event.target.closest('[data-key]');
  if (!chip) return;
  focusElement(chip.dataset.key);
}

function focusElement(key) {
  const node = state.cy.getElementById(key);
  if (node.empty()) return;
  if (node.hasClass('kind-hidden')) toggleKind(node.data('kind'), false);
  if (node.hasClass('unfocused')) setFocus(null);
  selectElement(key, { from: 'finding' });
  state.fitted = false;
  // Centred again at the end: the view may change size while it moves (a panel opens).
  state.cy.animate(
    { center: { eles: node }, zoom: Math.max(state.cy.zoom(), 1.05) },
    { duration: 450, complete: () => state.cy.center(node) },
  );
  document.querySelectorAll('.finding.active').forEach((el) => el.classList.remove('active'));
  document.querySelectorAll(`.finding[data-key="${CSS.escape(key)}"]`).forEach((el) => el.classList.add('active'));
}

// -- element panel ------------------------------------------------------------------

function selectElement(key, { from }) {
  const cy = state.cy;
  state.selected = key;
  cy.$(':selected').unselect();
  cy.getElementById(key).select();
  if (from === 'graph') showTab('element');
  else $('tab-element').textContent = `Element · ${cy.getElementById(key).data('short')}`;
  loadElement(key);
}

function clearSelection() {
  state.selected = null;
  state.cy.$(':selected').unselect();
  state.cy.elements().removeClass('los');
  $('tab-element').textContent = 'Element';
}

let refreshTimer = null;
function refreshSelected() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => state.selected && loadElement(state.selected), 200);
}

let elementRequest = 0;
async function loadElement(key) {
  const cy = state.cy;
  const node = cy.getElementById(key);
  const r = revisionAt(state.index);
  const ticket = (elementRequest += 1);
  $('tab-element').textContent = `Element · ${node.data('short')}`;
  const panel = $('panel-element');
  if (node.hasClass('future')) {
    cy.elements().removeClass('los');
    panel.innerHTML = `${elementHead(node.data(), false)}<p class="notice">Not in the plan yet at this version
      (${escapeHtml(formatDate(r.timestamp))}).</p>`;
    return;
  }
  panel.classList.add('loading');
  let element;
  try {
    element = await getJSON(`/api/v1/plans/${encodeURIComponent(planId)}/elements/${encodeURIComponent(key)}?version=${r.version}`);
  } catch (error) {
    if (ticket === elementRequest) panel.innerHTML = `<p class="error-box">Could not read ${escapeHtml(key)}: ${escapeHtml(error.message)}</p>`;
    return;
  } finally {
    panel.classList.remove('loading');
  }
  if (ticket !== elementRequest) return;
  highlightLineOfSight(element);
  panel.innerHTML = renderElement(node, element, r);
  const latest = state.index === state.data.revisions.length - 1;
  hooks.elementShown(panel, element, latest);
  later((x) => x.mountProgress(panel, planId, element, { latest, onDone: () => reopen({ element: key }) }));
  if (element.kind === 'outcome' && !element.retired) loadProgress(key, r, ticket);
}

// After a change made on this page: the page again at the latest version, showing
// the element (or the tab) the change was made from.
function reopen(params) {
  const url = new URL(window.location.pathname, window.location.origin);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  window.location.assign(url);
}

function openLifecycle() {
  showTab('lifecycle');
  later((x) => x.mountLifecycle($('panel-lifecycle'), planId, { onChange: () => reopen({ tab: 'lifecycle' }) }))
    .catch((error) => {
      $('panel-lifecycle').textContent = `Could not read the plan: ${error.message}`;
    });
}

function openFromUrl() {
  const params = new URLSearchParams(window.location.search);
  const key = params.get('element');
  if (key && !state.cy.getElementById(key).empty()) {
    focusElement(key);
    showTab('element');
  }
  if (params.get('tab') === 'lifecycle') openLifecycle();
  if (params.get('tab') === 'scenarios') showTab('scenarios');
}

// An outcome's trajectory and results, as of the revision shown (progress-chart.js).
async function loadProgress(key, revision, ticket) {
  const host = $('panel-element').querySelector('.progress');
  if (!host) return;
  let progress;
  try {
    progress = await getJSON(`/api/v1/plans/${encodeURIComponent(planId)}/outcomes/${encodeURIComponent(key)}/progress?version=${revision.version}`);
  } catch (error) {
    if (ticket === elementRequest) host.querySelector('.progress-note').textContent = `Could not read its progress: ${error.message}`;
    return;
  }
  if (ticket !== elementRequest) return;
  const { drawProgress, progressSummary } = await extras;
  drawProgress(host.querySelector('svg'), progress);
  host.querySelector('.progress-note').textContent = progressSummary(progress);
  host.classList.toggle('off-trajectory', progress.on_track === false);
}

function elementHead(d, retired) {
  const spec = kindOf(d.kind);
  const title = titleOf(d);
  return `<div class="element-head">
      <span class="kind-chip" style="${chipStyle(spec)}">${escapeHtml(spec.label)}</span>
      ${retired ? '<span class="retired-chip">retired</span>' : ''}
      <h2>${escapeHtml(isSingleton(d.kind) ? spec.label : d.key)}</h2>
    </div>
    ${title && !isSingleton(d.kind) ? `<p class="element-title">${escapeHtml(title)}</p>` : ''}`;
}

function renderElement(node, element, revision) {
  const d = { ...node.data(), ...element.fields, kind: element.kind, key: element.key };
  const findings = revision.findings.filter((f) => f.key === element.key);
  const findingHtml = findings.length
    ? `<ul class="findings compact">${findings.map((f) => `<li class="finding sev-${f.severity}"><span class="sev-dot"></span>
        <div><div class="finding-head">${ruleChip(f.rule)}</div>
        <div class="finding-message">${escapeHtml(f.message)}</div></div></li>`).join('')}</ul>`
    : '';
  const focusLabel = element.kind === 'objective' ? 'Focus on this objective and everything beneath it' : 'Show it and everything beneath it';
  const beneath = !element.retired && (element.beneath.length || element.kind === 'objective')
    ? `<button type="button" class="focus-button" data-focus="${escapeHtml(element.key)}">${focusLabel}</button>` : '';
  return `${elementHead(d, element.retired)}
    ${findingHtml}
    ${beneath}
    ${element.kind === 'outcome' && !element.retired ? `<h3>Progress</h3>
    <div class="progress"><svg class="progress-chart" role="img" aria-label="Trajectory and results of ${escapeHtml(element.key)}"></svg>
    <p class="progress-note muted">Reading its results…</p></div>` : ''}
    <h3>Line of sight</h3>
    ${renderLineOfSight(element)}
    <h3>Fields</h3>
    ${renderFields(element)}
    <h3>History <span class="muted">(to version ${element.version})</span></h3>
    ${renderHistory(element.history)}`;
}

function renderLineOfSight(element) {
  if (element.retired) return '<p class="muted">Retired at this version: it is not on any path to the mission.</p>';
  const paths = element.line_of_sight;
  if (!paths.length || (paths.length === 1 && paths[0].length === 1 && element.kind !== 'mission')) {
    return '<p class="gap-note">No line of sight: nothing links this element up to the mission.</p>';
  }
  if (element.kind === 'mission') return '<p class="muted">The mission is the top of the plan.</p>';
  const shown = paths.slice(0, 8);
  const more = paths.length > shown.length ? `<p class="muted">and ${paths.length - shown.length} more paths</p>` : '';
  return `<ol class="los-paths">${shown
    .map((path) => `<li>${path
      .map((key, i) => {
        if (i === 0) return keyChip(key);
        const edge = linkBetween(path[i - 1], key);
        const verb = edge.nonempty() ? edgeVerb(edge.data('edge')) : '→';
        return `<span class="verb">${escapeHtml(verb)}</span> ${keyChip(key)}`;
      })
      .join(' ')}</li>`)
    .join('')}</ol>${more}`;
}

function formatValue(name, value, kind) {
  if (value === null || value === undefined || value === '') return '<span class="muted">—</span>';
  const type = fieldType(kind, name);
  if (type === 'results' && Array.isArray(value)) {
    return value.length
      ? `<ul class="results">${value.map((r) => `<li>${escapeHtml(formatDate(r.as_of))}: <strong>${escapeHtml(r.value)}</strong></li>`).join('')}</ul>`
      : '<span class="muted">none yet</span>';
  }
  if (type === 'amount' && typeof value === 'number') return escapeHtml(formatMoney(value));
  if (type === 'fte' && typeof value === 'number') return escapeHtml(formatFte(value));
  if (type === 'date') return escapeHtml(formatDate(value));
  if (type === 'enum') return escapeHtml(humanize(value));
  return escapeHtml(value);
}

function renderFields(element) {
  const rows = Object.entries(element.fields)
    .filter(([name]) => name !== 'key' && name !== 'kind')
    .map(([name, value]) => `<dt>${escapeHtml(fieldLabel(element.kind, name))}</dt><dd>${formatValue(name, value, element.kind)}</dd>`)
    .join('');
  const funding = state.cy
    .getElementById(element.key)
    .connectedEdges()
    .filter((e) => e.data('edge') === 'funds' && !e.hasClass('future') && !e.hasClass('retired') && e.data('amount') !== undefined);
  const allocations = funding.length
    ? `<dt>Allocations</dt><dd><ul class="results">${funding
      .map((e) => `<li>${keyChip(e.data('source') === element.key ? e.data('target') : e.data('source'))}
        ${escapeHtml(formatMoney(e.data('amount')))}</li>`)
      .join('')}</ul></dd>`
    : '';
  return `<dl class="fields">${rows}${allocations}</dl>`;
}

function renderHistory(history) {
  if (!history.length) return '<p class="muted">No event yet.</p>';
  return `<ol class="history">${history
    .slice()
    .reverse()
    .map((e) => `<li><div class="history-when">${escapeHtml(formatDate(e.timestamp))} · v${e.version}</div>
      <div class="history-what">${escapeHtml(e.summary)}</div>
      <div class="history-who">${escapeHtml(e.actor)}${e.reason ? ` — <span class="muted">${escapeHtml(e.reason)}</span>` : ''}</div></li>`)
    .join('')}</ol>`;
}

function linkBetween(source, target) {
  return state.cy.getElementById(source).edgesTo(state.cy.getElementById(target));
}

function highlightLineOfSight(element) {
  const cy = state.cy;
  cy.batch(() => {
    cy.elements().removeClass('los');
    for (const path of element.line_of_sight) {
      path.forEach((key, i) => {
        cy.getElementById(key).addClass('los');
        if (i > 0) linkBetween(path[i - 1], key).addClass('los');
      });
    }
  });
}

function onElementPanelClick(event) {
  const focus = event.target.closest('[data-focus]');
  if (focus) {
    setFocus(focus.dataset.focus);
    return;
  }
  const chip = event.target.closest('[data-key]');
  if (chip) focusElement(chip.dataset.key);
}

// -- focus, filter, search ----------------------------------------------------------

function setFocus(key) {
  const cy = state.cy;
  state.focus = key || null;
  const select = $('focus');
  if (key && ![...select.options].some((o) => o.value === key)) {
    const option = new Option(`Beneath ${cy.getElementById(key).data('short')}`, key);
    option.dataset.temporary = 'true';
    select.add(option);
  }
  [...select.options].filter((o) => o.dataset.temporary && o.value !== key).forEach((o) => o.remove());
  select.value = key || '';
  let positions = state.unionPositions;
  if (key) {
    // Laid out once for everything that was ever beneath it, so the slider moves nothing.
    const root = cy.getElementById(key);
    const area = $('cy').getBoundingClientRect();
    positions = computeLayout(root.union(root.predecessors()), { width: area.width, height: area.height, places: state.places });
  }
  applyFocus();
  const moving = key ? cy.elements().not('.unfocused').nodes() : cy.nodes();
  moving.forEach((n) => {
    const target = positions.get(n.id());
    if (target) n.animate({ position: xy(target) }, { duration: 350 });
  });
  renderFindings(state.index);
  setTimeout(() => fitVisible(true), 380);
}

// What the focus shows at the version shown: the element, everything linked beneath it
// by the links of that version, and (faded) what was retired from beneath it.
function applyFocus() {
  const cy = state.cy;
  cy.batch(() => {
    cy.edges().removeClass('in-focus');
    if (!state.focus) {
      cy.elements().removeClass('unfocused');
      return;
    }
    const root = cy.getElementById(state.focus);
    let keep = root;
    const seen = new Set([root.id()]);
    const queue = [root];
    while (queue.length) {
      queue.pop().incomers('edge').forEach((edge) => {
        if (edge.hasClass('future') || edge.hasClass('retired')) return;
        keep = keep.union(edge);
        const source = edge.source();
        if (!seen.has(source.id())) {
          seen.add(source.id());
          keep = keep.union(source);
          queue.push(source);
        }
      });
    }
    keep = keep.union(root.predecessors().filter((e) => e.hasClass('retired')));
    cy.elements().not(keep).addClass('unfocused');
    keep.removeClass('unfocused');
    keep.edges().addClass('in-focus');
  });
}

// The filter's groups: the foundations (the kinds of level 0: mission, vision, theory
// of action, core values) together, every other kind on its own.
function isFoundation(kind) {
  return kindOf(kind).level === 0;
}

function filterGroup(kind) {
  return isFoundation(kind) ? 'foundations' : kind;
}

function renderKinds() {
  const present = new Set(state.data.nodes.map((n) => filterGroup(n.data.kind)));
  const order = kindOrder();
  const groups = ['foundations', ...order.filter((k) => !isFoundation(k))];
  $('kinds').innerHTML = groups.filter((g) => present.has(g))
    .map((g) => {
      const spec = g === 'foundations' ? { ...kindOf(order.find(isFoundation)), plural: 'Foundations' } : kindOf(g);
      return `<button type="button" class="kind-toggle" data-kind="${escapeHtml(g)}" aria-pressed="true" style="${chipStyle(spec)}"
        title="Show or hide ${escapeHtml(spec.plural.toLowerCase())}"><i class="swatch"></i>${escapeHtml(spec.plural)} <span class="kind-count"></span></button>`;
    })
    .join('');
}

function renderKindCounts() {
  const revision = revisionAt(state.index).revision;
  const counts = new Map();
  for (const { data: d, active } of state.data.nodes) {
    const group = filterGroup(d.kind);
    if (activeIn(active, revision)) counts.set(group, (counts.get(group) || 0) + 1);
  }
  document.querySelectorAll('.kind-toggle').forEach((button) => {
    button.querySelector('.kind-count').textContent = counts.get(button.dataset.kind) || 0;
  });
}

function toggleKind(kind, hide) {
  const group = filterGroup(kind);
  const hidden = hide ?? !state.hiddenKinds.has(group);
  if (hidden) state.hiddenKinds.add(group);
  else state.hiddenKinds.delete(group);
  state.cy.batch(() => state.cy.nodes().filter((n) => filterGroup(n.data('kind')) === group).toggleClass('kind-hidden', hidden));
  const button = document.querySelector(`.kind-toggle[data-kind="${group}"]`);
  if (button) button.setAttribute('aria-pressed', String(!hidden));
}

function runSearch(text, { keepCursor = false } = {}) {
  const cy = state.cy;
  const query = text.trim().toLowerCase();
  cy.batch(() => {
    cy.elements().removeClass('match dim');
    state.matches = [];
    if (!query) return;
    const visible = cy.nodes().filter((n) => !n.hasClass('future') && !n.hasClass('kind-hidden') && !n.hasClass('unfocused'));
    const matches = visible.filter((n) => n.data('key').toLowerCase().includes(query) || titleOf(n.data()).toLowerCase().includes(query));
    state.matches = matches.map((n) => n.id());
    matches.addClass('match');
    cy.elements().not(matches).addClass('dim');
  });
  if (!keepCursor) state.matchCursor = -1;
  $('search-count').textContent = query ? `${state.matches.length} found` : '';
}

function nextMatch() {
  if (!state.matches.length) return;
  state.matchCursor = (state.matchCursor + 1) % state.matches.length;
  focusElement(state.matches[state.matchCursor]);
}

// Fits the shown nodes from their positions and known sizes (cy.fit would measure every
// label first, which is most of the first draw's work).
function fitVisible(animate) {
  const cy = state.cy;
  state.fitted = true;
  const eles = cy.nodes().filter((n) => !n.hasClass('future') && !n.hasClass('kind-hidden') && !n.hasClass('unfocused'));
  const view = viewportFor(eles.nonempty() ? eles : cy.nodes(), 36);
  if (!view) return;
  if (animate) cy.animate(view, { duration: 300, complete: () => updateDetail() });
  else {
    cy.viewport(view);
    updateDetail(true);
  }
}

// A fitted view is fitted again; a view the user zoomed, panned or focused keeps the
// same point of the graph in its middle.
function keepViewOnResize() {
  const cy = state.cy;
  const before = { w: cy.width(), h: cy.height() };
  cy.resize();
  if (state.fitted) fitVisible(false);
  else if (!cy.animated()) cy.panBy({ x: (cy.width() - before.w) / 2, y: (cy.height() - before.h) / 2 });
}

function viewportFor(nodes, padding) {
  const cy = state.cy;
  let x1 = Infinity;
  let x2 = -Infinity;
  let y1 = Infinity;
  let y2 = -Infinity;
  nodes.forEach((n) => {
    const { x, y } = n.position();
    const w = (n.data('w') ?? (n.data('kind') === 'mission' ? NODE.missionWidth : NODE.width)) / 2;
    const h = (n.data('h') ?? NODE.height) / 2;
    x1 = Math.min(x1, x - w);
    x2 = Math.max(x2, x + w);
    y1 = Math.min(y1, y - h);
    y2 = Math.max(y2, y + h);
  });
  const width = cy.width() - 2 * padding;
  const height = cy.height() - 2 * padding;
  if (!Number.isFinite(x1) || width <= 0 || height <= 0) return null;
  const zoom = Math.max(cy.minZoom(), Math.min(cy.maxZoom(), width / (x2 - x1), height / (y2 - y1)));
  return { zoom, pan: { x: (cy.width() - zoom * (x1 + x2)) / 2, y: (cy.height() - zoom * (y1 + y2)) / 2 } };
}

// -- controls -----------------------------------------------------------------------

function showTab(name) {
  for (const tab of ['findings', 'element', 'history', 'funding', 'whatif', 'lifecycle', 'scenarios']) {
    const on = tab === name;
    $(`tab-${tab}`).setAttribute('aria-selected', String(on));
    $(`panel-${tab}`).hidden = !on;
  }
  // Budget season's panels read the version the slider shows (their own modules).
  const at = { planId, version: revisionAt(state.index).version, onKey: focusElement };
  later((x) => {
    if (name === 'funding') x.showFunding($('panel-funding'), at);
    if (name === 'whatif') x.showWhatIf($('panel-whatif'), at);
    if (name === 'scenarios') x.showScenarios($('panel-scenarios'), at);
    hooks.tabShown(name);
  });
}

function setupControls() {
  const data = state.data;
  const slider = $('slider');
  slider.max = String(data.revisions.length - 1);
  slider.addEventListener('input', () => {
    stopPlaying();
    setRevision(Number(slider.value));
  });
  $('rev-prev').addEventListener('click', () => {
    stopPlaying();
    setRevision(state.index - 1);
  });
  $('rev-next').addEventListener('click', () => {
    stopPlaying();
    setRevision(state.index + 1);
  });
  $('rev-play').addEventListener('click', () => (state.playing ? stopPlaying() : startPlaying()));

  const objectives = data.nodes.filter((n) => n.data.kind === 'objective');
  const select = $('focus');
  for (const { data: d } of objectives) {
    const title = titleOf(d);
    select.add(new Option(`Focus: ${d.key}${title ? ` — ${title.length > 48 ? `${title.slice(0, 47)}…` : title}` : ''}`, d.id));
  }
  select.addEventListener('change', () => setFocus(select.value || null));

  renderKinds();
  $('kinds').addEventListener('click', (event) => {
    const button = event.target.closest('.kind-toggle');
    if (button) toggleKind(button.dataset.kind);
  });

  const search = $('search');
  search.addEventListener('input', () => runSearch(search.value));
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') nextMatch();
    if (event.key === 'Escape') {
      search.value = '';
      runSearch('');
    }
  });

  $('fit').addEventListener('click', () => fitVisible(true));
  $('reset').addEventListener('click', () => {
    search.value = '';
    runSearch('');
    for (const kind of [...state.hiddenKinds]) toggleKind(kind, false);
    clearSelection();
    setFocus(null);
  });

  $('tab-findings').addEventListener('click', () => showTab('findings'));
  $('tab-element').addEventListener('click', () => showTab('element'));
  $('tab-funding').addEventListener('click', () => showTab('funding'));
  $('tab-whatif').addEventListener('click', () => showTab('whatif'));
  $('tab-history').addEventListener('click', () => showTab('history'));
  $('tab-lifecycle').addEventListener('click', openLifecycle);
  $('tab-scenarios').addEventListener('click', () => showTab('scenarios'));
  $('panel-findings').addEventListener('click', onFindingsClick);
  $('panel-findings').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') onFindingsClick(event);
  });
  $('panel-element').addEventListener('click', onElementPanelClick);

  installExports({
    planId,
    cy: () => state.cy,
    data: () => state.data,
    revision: () => revisionAt(state.index),
    detailed: () => state.detailed,
    failed: reportError,
  });
  document.addEventListener('keydown', (event) => {
    if (event.target.closest('input, select, textarea')) return;
    if (event.key === 'ArrowLeft') setRevision(state.index - 1);
    if (event.key === 'ArrowRight') setRevision(state.index + 1);
    if (event.key === '/') {
      event.preventDefault();
      search.focus();
    }
  });
}

function drawTimeline() {
  const { revisions } = state.data;
  drawChart($('chart'), revisions, { inset: THUMB_INSET, current: state.index, onPick: (i) => { stopPlaying(); setRevision(i); } });
  drawAxis($('axis'), revisions, { inset: THUMB_INSET });
}

// -- after a save -------------------------------------------------------------------

/**
 * Bring the page up to the plan's latest version after a save: only the revisions after
 * the version shown are read (graph/timeline?since=), added to the timeline, and drawn;
 * when elements or links are new, every box of the new version is read too (`grown`:
 * the save added some, so that is asked for at once). Shows the latest version.
 */
async function refresh({ grown = false } = {}) {
  const data = state.data;
  // A save that added elements or links wants every box of the new version (below):
  // asked for at once, beside the new revisions.
  const whole = grown ? getJSON(TIMELINE) : null;
  if (whole) whole.catch(() => {});
  const delta = await getJSON(`${TIMELINE}?since=${data.version}`);
  if (!delta.revisions.length || delta.version <= data.version) return false;
  data.version = delta.version;
  data.details = delta.details;
  data.revisions.push(...delta.revisions);
  const cy = state.cy;
  let placed = false; // new elements or links: the layout may change
  let added = false; // new elements: the view is fitted again to show them
  cy.batch(() => {
    for (const [list, group] of [[data.nodes, 'nodes'], [data.edges, 'edges']]) {
      const known = new Map(list.map((entry) => [entry.data.id, entry]));
      for (const entry of group === 'nodes' ? delta.nodes : delta.edges) {
        const d = group === 'nodes' ? nodeData(entry.data) : { ...entry.data };
        const had = known.get(entry.data.id);
        if (!had) {
          list.push(entry);
          state.spans.set(entry.data.id, entry.active);
          cy.add({ group, data: d });
          placed = true;
          added ||= group === 'nodes';
          continue;
        }
        had.data = entry.data;
        const tail = had.active.at(-1);
        const [first, ...rest] = entry.active;
        if (tail && tail[1] === first[0] - 1) {
          tail[1] = first[1];
          had.active.push(...rest);
        } else had.active.push(...entry.active);
        const ele = cy.getElementById(entry.data.id);
        const stale = Object.keys(ele.data()).filter((name) => !(name in d) && !['id', 'source', 'target', 'w', 'h'].includes(name));
        if (stale.length) ele.removeData(stale.join(' '));
        ele.data(d);
      }
    }
  });
  if (placed) {
    // New elements and links can move the others (their order across a level, the rows
    // it wraps onto): every box as the server lays the plan out now, as a reload shows it.
    placeUnion(await (whole || getJSON(TIMELINE)));
    renderKinds();
    for (const { data: d } of delta.nodes.filter((n) => n.data.kind === 'objective')) {
      if (![...$('focus').options].some((o) => o.value === d.id)) $('focus').add(new Option(`Focus: ${d.key}`, d.id));
    }
  }
  renderHeader(data);
  $('slider').max = String(data.revisions.length - 1);
  setRevision(data.revisions.length - 1);
  drawTimeline();
  if (added) fitVisible(false);
  return true;
}

function startPlaying() {
  if (state.index === state.data.revisions.length - 1) setRevision(0);
  $('rev-play').textContent = '❚❚ Pause';
  state.playing = setInterval(() => {
    if (state.index >= state.data.revisions.length - 1) stopPlaying();
    else setRevision(state.index + 1);
  }, 1400);
}

function stopPlaying() {
  if (!state.playing) return;
  clearInterval(state.playing);
  state.playing = null;
  $('rev-play').textContent = '▶ Play';
}

function reportError(error) {
  showMessage(`Export failed: ${escapeHtml(error.message)}`);
  setTimeout(() => {
    $('graph-message').hidden = true;
  }, 5000);
}

main().catch((error) => {
  showMessage(`Something went wrong: ${escapeHtml(error.message)}`);
  window.coherence.ready = true;
  throw error;
});
