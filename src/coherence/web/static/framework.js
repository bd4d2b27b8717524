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
// The stand-in's colours for a kind the catalogue does not know (served with it).
let unknownKind = null;
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
      text: k.ink,
      singleton: Boolean(k.singleton),
      titleFields: k.title_fields || [],
      fields: new Map((k.fields || []).map((f) => [f.name, f])),
      links: k.links || [],
      index,
    });
  });
  unknownKind = { fill: doc.unknown_kind.colour, text: doc.unknown_kind.ink };
  const order = [...kinds.values()]
    .sort((a, b) => a.level - b.level || a.index - b.index)
    .map((k) => k.name);
  return {
    kinds,
    order,
    verbs: new Map((doc.edges || []).map((e) => [e.name, e.verb])),
    rules: new Map((doc.rules || []).map((r) => [r.rule, r])),
    severities: (doc.severities || []).map((s) => ({ name: s.name, label: s.label, plural: s.plural, color: s.colour, halo: s.halo })),
    graph: doc.graph,
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

/** A kind's label, plural, level, fill and text colour (a stand-in for an unknown kind). */
export function kindOf(kind) {
  return loaded().kinds.get(kind) || {
    name: kind,
    label: kind,
    plural: kind,
    description: '',
    level: 3,
    ...unknownKind,
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

/** How the graph draws borders, links, new and retired elements (the server's picture too). */
export function graphLook() {
  return loaded().graph;
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
