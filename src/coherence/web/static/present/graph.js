// An objective's part of the alignment graph on its slide: the objective and what stands
// beneath it, laid out top-down like the plan page (layout.js, in the order across each
// level that the server gives, as in the PDF and PowerPoint), in the catalogue's
// colours. Boxes carry their key and, for the upper bands, a short title; links are
// faded, the ones into the objective drawn strong.

import { kindOf } from '../framework.js';
import { NODE, computeLayout } from '../layout.js';

let cytoscapeLib = null;

export async function loadGraphLibraries() {
  if (cytoscapeLib) return cytoscapeLib;
  const { default: cytoscape } = await import('/web/vendor/cytoscape.mjs');
  cytoscapeLib = cytoscape;
  return cytoscape;
}

/** "SI2.3 · Tutoring for…": the key kept, the title cut at a word to `limit` characters. */
export function shortTitle(key, title, limit = 30) {
  const text = String(title || '').split(/\s+/).join(' ').trim();
  if (!text) return key;
  if (text.length <= limit) return `${key} · ${text}`;
  let cut = text.slice(0, limit - 1);
  if (cut.lastIndexOf(' ') > limit / 2) cut = cut.slice(0, cut.lastIndexOf(' '));
  return `${key} · ${cut.replace(/[ ,;:—-]+$/, '')}…`;
}

/** Draw `graph` ({root, nodes, edges}) in `container`; returns the Cytoscape instance. */
export function drawSlideGraph(cytoscape, container, graph) {
  const elements = [];
  for (const n of graph.nodes) {
    const spec = kindOf(n.kind);
    const upper = n.key === graph.root || spec.level <= 2;
    elements.push({
      group: 'nodes',
      data: {
        id: n.key, key: n.key, kind: n.kind, fill: spec.fill, ink: spec.text,
        label: upper && !spec.singleton ? shortTitle(n.key, n.title, n.key === graph.root ? 30 : 24) : n.key,
        root: n.key === graph.root ? 'yes' : 'no',
      },
    });
  }
  graph.edges.forEach((e, i) => {
    elements.push({ group: 'edges', data: { id: `e${i}`, source: e.source, target: e.target, edge: e.edge, strong: e.target === graph.root ? 'yes' : 'no' } });
  });
  const cy = cytoscape({
    container,
    elements,
    layout: { name: 'preset' },
    userZoomingEnabled: false,
    userPanningEnabled: false,
    boxSelectionEnabled: false,
    autoungrabify: true,
    style: [
      {
        selector: 'node',
        style: {
          shape: 'round-rectangle', width: NODE.width, height: NODE.height,
          'background-color': 'data(fill)', 'border-width': 2, 'border-color': '#334155',
          label: 'data(label)', color: 'data(ink)', 'font-size': 30, 'font-weight': 700,
          'text-wrap': 'wrap', 'text-max-width': NODE.width - 12, 'text-valign': 'center', 'text-halign': 'center',
          'line-height': 1.05,
          'font-family': 'system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
        },
      },
      { selector: 'node[label *= "·"]', style: { 'font-size': 19 } },
      { selector: 'node[root = "yes"]', style: { width: NODE.missionWidth, height: 96, 'font-size': 22, 'text-max-width': NODE.missionWidth - 16, 'border-width': 4, 'border-color': '#0f172a' } },
      {
        selector: 'edge',
        style: { 'curve-style': 'haystack', 'haystack-radius': 0.4, width: 2, 'line-color': '#94a3b8', opacity: 0.35 },
      },
      { selector: 'edge[strong = "yes"]', style: { width: 5, 'line-color': '#1e293b', opacity: 0.9 } },
    ],
  });
  cy.nodes('[root = "yes"]').data('kind', 'mission'); // laid out as wide as the mission
  const box = container.getBoundingClientRect();
  // Each level in the plan page's order (the server's places), as the downloads draw it.
  const places = new Map(graph.nodes.filter((n) => Number.isFinite(n.x)).map((n) => [n.key, n.x]));
  const positions = computeLayout(cy.elements(), { width: box.width || 800, height: box.height || 480, places });
  cy.nodes().positions((n) => {
    const p = positions.get(n.id());
    return p ? { x: p.x, y: p.y } : { x: 0, y: 0 };
  });
  cy.fit(cy.elements(), 12);
  return cy;
}
