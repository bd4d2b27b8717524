// The Framework as the page draws it, read once from the server's catalogue
// (GET /api/v1/framework): the element kinds (label, plural, level, colour, how an
// element is named, its fields), the links' verbs, the audit's rules and severities.
// The page keeps no copy of its own: every page awaits loadFramework() before drawing,
// then reads it through the helpers below.
//
// Level 0 is the top of the page (the mission and the other foundations); budget lines
// are at the bottom.

import { getJSON } from './api.js';

let catalogue = null;
let loading = null;

/** Read the catalogue (once per page; a failed read is tried again on the next call). */
export function loadFramework() {
  if (!loading) {
    loading = getJSON('/api/v1/framework').then((doc) => {
      catalogue = build(doc);
      paintSeverities(catalogue.severities);
      return catalogue;
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

function build(doc) {
  const kinds = new Map();
  doc.kinds.forEach((k, index) => {
    kinds.set(k.name, {
      name: k.name,
      label: k.label,
      plural: k.plural,
      description: k.description || '',
      level: k.level,
      fill: k.colour,
      text: inkOn(k.colour),
      singleton: Boolean(k.singleton),
      titleFields: k.title_fields || [],
      fields: new Map((k.fields || []).map((f) => [f.name, f])),
      links: k.links || [],
      index,
    });
  });
  const order = [...kinds.values()]
    .sort((a, b) => a.level - b.level || a.index - b.index)
    .map((k) => k.name);
  return {
    kinds,
    order,
    verbs: new Map((doc.edges || []).map((e) => [e.name, e.verb])),
    rules: new Map((doc.rules || []).map((r) => [r.rule, r])),
    severities: (doc.severities || []).map((s) => ({ name: s.name, label: s.label, plural: s.plural, color: s.colour })),
  };
}

// The style sheet's severity colours (--error, --warning, --info) are the catalogue's.
function paintSeverities(list) {
  if (typeof document === 'undefined') return;
  for (const { name, color } of list) {
    if (/^[a-z][a-z0-9_-]*$/.test(name)) document.documentElement.style.setProperty(`--${name}`, color);
  }
}

function loaded() {
  if (!catalogue) throw new Error('The Framework catalogue is not loaded yet (await loadFramework())');
  return catalogue;
}

// -- kinds ----------------------------------------------------------------------------

const UNKNOWN_FILL = '#e5e7eb';

/** A kind's label, plural, level, fill and text colour (a stand-in for an unknown kind). */
export function kindOf(kind) {
  return loaded().kinds.get(kind) || {
    name: kind,
    label: kind,
    plural: kind,
    description: '',
    level: 3,
    fill: UNKNOWN_FILL,
    text: inkOn(UNKNOWN_FILL),
    singleton: false,
    titleFields: [],
    fields: new Map(),
    links: [],
  };
}

/** The kinds in legend order: by level (top of the page first), then catalogue order. */
export function kindOrder() {
  return [...loaded().order];
}

/** True for the kinds a plan has at most one of (mission, vision, theory of action). */
export function isSingleton(kind) {
  return kindOf(kind).singleton;
}

/**
 * The text that names an element (its graph data): the first of its kind's title
 * alternatives whose fields are not all blank, their values joined by a space.
 */
export function titleOf(data) {
  for (const alternative of kindOf(data.kind).titleFields) {
    const parts = alternative
      .map((name) => data[graphName(name)])
      .filter((value) => typeof value === 'string')
      .map((value) => value.trim())
      .filter(Boolean);
    if (parts.length) return parts.join(' ');
  }
  return '';
}

/** The names in an element's graph data of the fields `titleOf` reads for its kind. */
export function titleFieldsOf(kind) {
  return [...new Set(kindOf(kind).titleFields.flat().map(graphName))];
}

// The graph stores an element's own "kind" field as "subkind" ("kind" on a node is
// always the element kind).
function graphName(field) {
  return field === 'kind' ? 'subkind' : field;
}

/** How a field of a kind reads for a person ("subkind" is the kind's own "kind" field). */
export function fieldLabel(kind, name) {
  const field = kindOf(kind).fields.get(name === 'subkind' ? 'kind' : name);
  return field ? field.label : humanize(name);
}

/** A field's type in the catalogue ("amount", "fte", "date", "text"...); "" when unknown. */
export function fieldType(kind, name) {
  const field = kindOf(kind).fields.get(name === 'subkind' ? 'kind' : name);
  return field ? field.type : '';
}

/** Dollars for people: "$1,250" (cents shown only when there are some). */
export function formatMoney(value) {
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value ?? '');
  const cents = Math.round(number * 100) % 100 !== 0;
  return number.toLocaleString('en-US', {
    style: 'currency', currency: 'USD', minimumFractionDigits: cents ? 2 : 0, maximumFractionDigits: 2,
  });
}

/** Positions for people: "2.5 FTE" (to the hundredth). */
export function formatFte(value) {
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value ?? '');
  return `${number.toLocaleString('en-US', { maximumFractionDigits: 2 })} FTE`;
}

// -- links, rules, severities --------------------------------------------------------

/** The verb of a link ("aligns_to" -> "aligns to"). */
export function edgeVerb(edge) {
  return loaded().verbs.get(edge) || humanize(edge);
}

/** The severities, worst first: name, label, plural and colour. */
export function severities() {
  return loaded().severities;
}

/** One severity (name, label, plural, color). */
export function severityOf(name) {
  return severities().find((s) => s.name === name) || { name, label: name, plural: name, color: '#64748b' };
}

/** How bad a severity is: higher is worse (the served order is worst first). */
export function severityRank(name) {
  const list = severities();
  const index = list.findIndex((s) => s.name === name);
  return index < 0 ? 0 : list.length - index;
}

/** What an audit rule finds, in one line (empty when the catalogue does not know it). */
export function ruleDescription(rule) {
  const found = loaded().rules.get(rule);
  return found ? found.description : '';
}

export function ruleLabel(rule) {
  const text = String(rule).replaceAll('-', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function humanize(text) {
  return String(text).replaceAll('_', ' ');
}

// -- colours -------------------------------------------------------------------------

/**
 * The text colour on a fill: white on a dark fill; on a light one, a dark shade of the
 * fill's own hue, whichever of the two contrasts more (WCAG relative luminance).
 */
export function inkOn(fill) {
  const rgb = parseHex(fill);
  if (!rgb) return '#111827';
  const dark = darkShade(rgb);
  const fillLum = luminance(rgb);
  const onWhite = 1.05 / (fillLum + 0.05);
  const onDark = (fillLum + 0.05) / (luminance(parseHex(dark)) + 0.05);
  return onWhite >= onDark ? '#ffffff' : dark;
}

function parseHex(colour) {
  const match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(colour || '').trim());
  if (!match) return null;
  let hex = match[1];
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

function luminance([r, g, b]) {
  const channel = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

// The fill's hue, at 20% lightness and at least 25% saturation (at most 55%).
function darkShade([r, g, b]) {
  const [h, s] = toHsl(r, g, b);
  return fromHsl(h, Math.min(0.55, Math.max(0.25, s)), 0.2);
}

function toHsl(r, g, b) {
  const [rr, gg, bb] = [r / 255, g / 255, b / 255];
  const max = Math.max(rr, gg, bb);
  const min = Math.min(rr, gg, bb);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  let h;
  if (max === rr) h = (gg - bb) / d + (gg < bb ? 6 : 0);
  else if (max === gg) h = (bb - rr) / d + 2;
  else h = (rr - gg) / d + 4;
  return [h * 60, s, l];
}

function fromHsl(h, s, l) {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x]
    : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return `#${[r, g, b].map((v) => Math.round((v + m) * 255).toString(16).padStart(2, '0')).join('')}`;
}
