// Laying out the alignment graph top-down: the mission at the top, budget lines at the
// bottom, one band per level of the Framework (see framework.js).
//
// The order and rough place of the elements across each level (supporters beneath what
// they support, links crossing as little as they can) come from the server (`places`:
// computed once per version, see coherence.queries.graph_layout; the plan with the page,
// each objective's part with the deck's slides).
// A level with more elements than fit across the screen then wraps onto a few
// staggered rows (the n-th element of the level on row n mod k, in that order), with
// k chosen so the whole plan fits the graph area as large as possible. The plan page
// computes it once for the union of all versions, so moving through the timeline never
// moves anything.

import { kindOf } from './framework.js';

export const NODE = { width: 176, height: 72, missionWidth: 300, gapX: 24, rowGap: 18, bandGap: 62 };

function levelOf(node) {
  return kindOf(node.data('kind')).level;
}

function widthOf(node) {
  return node.data('kind') === 'mission' ? NODE.missionWidth : NODE.width;
}

const FOUNDATION_ORDER = ['vision', 'theory_of_action', 'mission'];

/**
 * Positions for the nodes of `eles` (a cytoscape collection), fitted to an area of
 * `width` x `height` screen pixels. `places` (a Map from node id to x) is the order
 * across each level (an element without one goes beside its neighbours). Returns a Map
 * from node id to {x, y}.
 */
export function computeLayout(eles, { width = 1600, height = 800, places = new Map() } = {}) {
  const nodes = eles.nodes();
  const positions = new Map();
  if (nodes.empty()) return positions;
  const connected = eles.filter((e) => e.isEdge() || e.connectedEdges().intersection(eles).nonempty());
  const across = placesOf(connected, places);
  const xs = [...across.values()];
  const minX = xs.length ? Math.min(...xs) : 0;
  const maxX = xs.length ? Math.max(...xs) : 0;

  // The elements of each level, in that order (elements linked to nothing go to the
  // right end of their level, where a gap is easy to see).
  const levels = new Map();
  nodes.forEach((n) => {
    const level = levelOf(n);
    if (!levels.has(level)) levels.set(level, []);
    levels.get(level).push(n);
  });
  const order = [...levels.keys()].sort((a, b) => a - b);
  for (const level of order) {
    const members = levels.get(level);
    members.sort((a, b) => {
      const xa = across.has(a.id()) ? across.get(a.id()) : Infinity;
      const xb = across.has(b.id()) ? across.get(b.id()) : Infinity;
      return xa - xb || a.data('key').localeCompare(b.data('key'), 'en', { numeric: true });
    });
    if (level === 0) arrangeFoundations(members);
  }

  // How many rows each level wraps onto: the choice that shows the plan largest.
  // Only the narrowest width for each way of wrapping is worth trying.
  let best = null;
  const below = supportersOf(nodes);
  const candidates = new Set();
  for (const level of order) {
    const n = levels.get(level).length;
    for (let rows = 1; rows <= Math.ceil(n / 6); rows += 1) candidates.add(Math.max(6, Math.ceil(n / rows)));
  }
  for (const perRow of [...candidates].sort((a, b) => a - b)) {
    const placed = place(order, levels, across, minX, maxX, perRow, below);
    const box = boundsOf(placed);
    const zoom = Math.min(width / box.w, height / box.h);
    if (!best || zoom > best.zoom + 1e-9) best = { zoom, placed };
  }
  return best.placed;
}

// The given places of the linked nodes; one without (added on this page since) goes to
// the mean place of its linked neighbours that have one.
function placesOf(connected, places) {
  const xs = new Map();
  const missing = [];
  connected.nodes().forEach((n) => {
    if (Number.isFinite(places.get(n.id()))) xs.set(n.id(), places.get(n.id()));
    else missing.push(n);
  });
  for (let round = 0; round < 3 && missing.length; round += 1) {
    for (const n of missing.splice(0)) {
      const near = n.neighborhood().nodes().map((m) => xs.get(m.id())).filter(Number.isFinite);
      if (near.length) xs.set(n.id(), near.reduce((a, b) => a + b, 0) / near.length);
      else missing.push(n);
    }
  }
  return xs;
}

function place(order, levels, across, minX, maxX, perRow, supporters) {
  const positions = new Map();
  const colW = NODE.width + NODE.gapX;
  const rowH = NODE.height + NODE.rowGap;
  const scale = maxX > minX ? Math.min(1, (perRow * colW) / (maxX - minX + colW)) : 1;
  const centre = (minX + maxX) / 2;
  let top = 0;
  for (const level of order) {
    const members = levels.get(level);
    if (level === 0) {
      placeFoundations(members, across, centre, scale, top, positions);
      top += rowH + NODE.bandGap - NODE.rowGap;
      continue;
    }
    const rows = Math.max(1, Math.ceil(members.length / perRow));
    const rowsOf = Array.from({ length: rows }, () => []);
    const fallback = (index) => centre + (index - (members.length - 1) / 2) * (colW / rows);
    members.forEach((n, index) => {
      const wanted = across.has(n.id()) ? centre + (across.get(n.id()) - centre) * scale : null;
      rowsOf[index % rows].push({ node: n, wanted: wanted ?? fallback(index) });
    });
    rowsOf.forEach((row, r) => {
      // Elements linked to nothing have no place: after the last one that has.
      let last = -Infinity;
      for (const item of row) {
        if (!across.has(item.node.id()) && Number.isFinite(last)) item.wanted = last + colW;
        last = item.wanted;
      }
      spread(row);
      row.forEach((item) => positions.set(item.node.id(), { x: item.x, y: top + r * rowH, w: item.w }));
    });
    top += rows * rowH + NODE.bandGap - NODE.rowGap;
  }
  recentre(levels, positions, perRow, supporters);
  return positions;
}

// Wrapping moves the supporters, so put the objectives back above what supports them
// (in one row, in that order) and the mission above the objectives.
function recentre(levels, positions, perRow, supporters) {
  const below = (n, level) => {
    const all = (supporters.get(n.id()) || []).filter((m) => positions.has(m.id) && m.level > level);
    const next = all.filter((m) => m.level === level + 1);
    const chosen = next.length ? next : all;
    if (!chosen.length) return positions.get(n.id()).x;
    return chosen.reduce((sum, m) => sum + positions.get(m.id).x, 0) / chosen.length;
  };
  const objectives = levels.get(1) || [];
  if (objectives.length && objectives.length <= perRow) {
    const row = objectives.map((node) => ({ node, wanted: below(node, 1) }));
    row.sort((a, b) => a.wanted - b.wanted);
    spread(row);
    row.forEach((item) => Object.assign(positions.get(item.node.id()), { x: item.x }));
  }
  const top = levels.get(0) || [];
  const mission = top.find((n) => n.data('kind') === 'mission');
  if (mission) {
    const shift = below(mission, 0) - positions.get(mission.id()).x;
    top.forEach((n) => {
      positions.get(n.id()).x += shift;
    });
  }
}

// For the objectives and the mission: the ids and levels of what links to them.
function supportersOf(nodes) {
  const supporters = new Map();
  nodes.filter((n) => levelOf(n) <= 1).forEach((n) => {
    supporters.set(n.id(), n.incomers().nodes().filter((m) => nodes.contains(m)).map((m) => ({ id: m.id(), level: levelOf(m) })));
  });
  return supporters;
}

function boundsOf(positions) {
  let x1 = Infinity;
  let x2 = -Infinity;
  let y1 = Infinity;
  let y2 = -Infinity;
  for (const p of positions.values()) {
    const w = p.w ?? NODE.width;
    x1 = Math.min(x1, p.x - w / 2);
    x2 = Math.max(x2, p.x + w / 2);
    y1 = Math.min(y1, p.y - NODE.height / 2);
    y2 = Math.max(y2, p.y + NODE.height / 2);
  }
  return { w: Math.max(1, x2 - x1), h: Math.max(1, y2 - y1) };
}

// Mission in the middle of the top band, above the objectives; vision and theory of
// action on its left, the core values on its right.
function arrangeFoundations(members) {
  const rank = (n) => {
    const kind = n.data('kind');
    const i = FOUNDATION_ORDER.indexOf(kind);
    return i >= 0 ? i : FOUNDATION_ORDER.length;
  };
  members.sort((a, b) => rank(a) - rank(b) || a.data('key').localeCompare(b.data('key'), 'en', { numeric: true }));
}

function placeFoundations(members, across, centre, scale, y, positions) {
  const mission = members.find((n) => n.data('kind') === 'mission');
  const anchor = mission && across.has(mission.id()) ? centre + (across.get(mission.id()) - centre) * scale : centre;
  const split = mission ? members.indexOf(mission) : members.length;
  let x = anchor + (mission ? widthOf(mission) / 2 : 0);
  if (mission) positions.set(mission.id(), { x: anchor, y, w: widthOf(mission) });
  for (const n of members.slice(split + 1)) {
    positions.set(n.id(), { x: x + NODE.gapX + widthOf(n) / 2, y });
    x += NODE.gapX + widthOf(n);
  }
  x = anchor - (mission ? widthOf(mission) / 2 : 0);
  for (const n of members.slice(0, split).reverse()) {
    positions.set(n.id(), { x: x - NODE.gapX - widthOf(n) / 2, y });
    x -= NODE.gapX + widthOf(n);
  }
}

// Keep the elements of one row in order, at least their widths apart, as near as can be
// to where their places want them (shift the row so the average displacement is zero).
function spread(row) {
  let previous = null;
  for (const item of row) {
    const w = widthOf(item.node);
    item.x = previous === null ? item.wanted : Math.max(item.wanted, previous.x + (previous.w + w) / 2 + NODE.gapX);
    item.w = w;
    previous = item;
  }
  if (!row.length) return;
  const shift = row.reduce((s, item) => s + (item.x - item.wanted), 0) / row.length;
  row.forEach((item) => {
    item.x -= shift;
  });
}
