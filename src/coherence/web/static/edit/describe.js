// Changes in words, as DOM built from text (never HTML from a plan): the history's events
// (who, when, why, the server's sentence), a diff between two versions, and what a save
// did to the audit ("Resolved: SO5 unfunded objective. New: SI4.2 initiative without
// benchmark.").

import { formatDate } from '../api.js';
import { fieldLabel, humanize, kindOf, ruleLabel } from '../framework.js';
import { el } from './forms.js';

/** "SO5 unfunded objective": a finding in a few words. */
export function findingWords(f) {
  return `${f.key || 'Plan'} ${ruleLabel(f.rule).toLowerCase()}`;
}

/** The audit block of a write's answer, as a sentence or two. */
export function auditSentence(audit) {
  if (!audit) return '';
  const parts = [];
  if (audit.resolved.length) parts.push(`Resolved: ${audit.resolved.map(findingWords).join(', ')}.`);
  if (audit.added.length) parts.push(`New: ${audit.added.map(findingWords).join(', ')}.`);
  return parts.join(' ') || 'No finding changed.';
}

/** The audit block as chips (coloured by severity), each naming its element. */
export function auditChips(audit) {
  const box = el('div', { className: 'audit-change' });
  for (const [label, list, cls] of [['Resolved', audit.resolved, 'resolved'], ['New', audit.added, 'added']]) {
    if (!list.length) continue;
    const line = el('div', { className: `audit-line ${cls}` }, el('strong', { text: `${label}: ` }));
    list.forEach((f, i) => {
      line.append(el('span', { className: `finding-chip sev-${f.severity}`, title: f.message, 'data-key': f.key || '', text: findingWords(f) }));
      line.append(i < list.length - 1 ? ', ' : '.');
    });
    box.append(line);
  }
  if (!box.children.length) box.append(el('div', { className: 'audit-line muted', text: 'No finding changed.' }));
  return box;
}

/** Events of the history route, newest revision first, grouped by revision. */
export function eventList(events, { limit = 6 } = {}) {
  const groups = [];
  for (const e of events) {
    const last = groups.at(-1);
    if (last && last.revision === e.revision) last.events.push(e);
    else groups.push({ revision: e.revision, events: [e] });
  }
  const list = el('ol', { className: 'history revisions' });
  for (const group of groups.reverse()) {
    const head = group.events.at(-1);
    const sentences = el('ul', { className: 'history-sentences' });
    group.events.slice(0, limit).forEach((e) => sentences.append(el('li', { text: e.summary })));
    if (group.events.length > limit) sentences.append(el('li', { className: 'muted', text: `and ${group.events.length - limit} more changes` }));
    list.append(el('li', { 'data-version': head.version, 'data-revision': group.revision },
      el('div', { className: 'history-when', text: `${formatDate(head.timestamp, { time: true })} · version ${head.version} · revision ${group.revision}` }),
      el('div', { className: 'history-who' }, el('strong', { text: head.actor }), head.reason ? el('span', { className: 'muted', text: ` — ${head.reason}` }) : null),
      sentences));
  }
  return list;
}

function valueText(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function nameOf(entry) {
  if (entry.kind === 'plan') return 'Plan details';
  if (entry.kind === 'link') return `Link ${entry.key}`;
  return `${kindOf(entry.kind).label} ${entry.key}`;
}

/** The diff route's answer, field by field. */
export function diffView(diff) {
  const box = el('div', { className: 'diff' });
  box.append(el('p', { className: 'muted', text: `From version ${diff.from} to version ${diff.to}.` }));
  const section = (title, items, render) => {
    if (!items.length) return;
    const list = el('ul', { className: 'diff-list' });
    items.forEach((item) => list.append(render(item)));
    box.append(el('h4', { text: `${title} (${items.length})` }), list);
  };
  section('Added', diff.added, (a) => el('li', { text: `${nameOf(a)}${a.restored ? ' (restored)' : ''}` }));
  section('Retired', diff.retired, (r) => el('li', { text: nameOf(r) }));
  section('Revised', diff.revised, (r) => {
    const changes = el('ul', { className: 'diff-fields' });
    for (const c of r.changes || []) {
      changes.append(el('li', {},
        el('span', { className: 'diff-field', text: r.kind === 'plan' || r.kind === 'link' ? humanize(c.field) : fieldLabel(r.kind, c.field) }), ': ',
        el('del', { text: valueText(c.before) }), ' → ', el('ins', { text: valueText(c.after) })));
    }
    return el('li', {}, el('strong', { text: nameOf(r) }), changes);
  });
  const link = (l) => el('li', { text: `${l.source} ${humanize(l.edge || '')} ${l.target}${l.attributes && l.attributes.amount != null ? ` (${l.attributes.amount})` : ''}` });
  section('Linked', diff.linked, link);
  section('Unlinked', diff.unlinked, link);
  if (box.children.length === 1) box.append(el('p', { text: 'No difference.' }));
  return box;
}
