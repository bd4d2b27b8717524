// Forms built from the Framework catalogue (GET /api/v1/framework, through framework.js):
// one input per field of the kind, by the field's type (a text area for sentences, date
// and number inputs, a drop-down for an enumeration, a hinted text input for school and
// fiscal years), required fields marked, and one group per link of the kind, offering
// the active elements of its target kinds (an amount beside each for an allocation).
//
// Nothing from a plan is ever parsed as HTML here: every value, title and key is set as
// text (textContent, value), so a title of <script>…</script> stays those characters.

import { humanize, kindOf, titleOf } from '../framework.js';

const HINTS = {
  school_year: { placeholder: '2025-2026', pattern: '\\d{4}-\\d{4}', title: 'A school year such as 2025-2026' },
  fiscal_year: { placeholder: 'FY26', pattern: '[Ff][Yy](\\d{2}|\\d{4})', title: 'A fiscal year such as FY26' },
};

let uid = 0;

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'className') node.className = value;
    else if (name in node && typeof value !== 'string') node[name] = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** The input for one catalogue field (`spec`: name, label, type, required, choices, multiline). */
function fieldInput(spec, value, id) {
  const common = { id, name: spec.name, 'aria-describedby': `${id}-error`, required: spec.required };
  if (spec.type === 'enum') {
    const select = el('select', common, el('option', { value: '', text: '—' }));
    for (const choice of spec.choices) select.append(el('option', { value: choice, text: humanize(choice) }));
    select.value = value ?? '';
    return select;
  }
  if (spec.type === 'text' && spec.multiline) {
    const area = el('textarea', { ...common, rows: spec.name === 'text' ? 4 : 3 });
    area.value = value ?? '';
    return area;
  }
  const input = el('input', common);
  if (spec.type === 'date') input.type = 'date';
  else if (spec.type === 'number' || spec.type === 'amount') {
    input.type = 'number';
    input.step = 'any';
    if (spec.type === 'amount') input.min = '0';
  } else {
    input.type = 'text';
    const hint = HINTS[spec.type];
    if (hint) Object.assign(input, { placeholder: hint.placeholder, pattern: hint.pattern, title: hint.title });
  }
  input.value = value ?? '';
  return input;
}

function readInput(spec, input) {
  if (spec.type === 'number' || spec.type === 'amount') {
    if (input.validity && input.validity.badInput) return { error: 'a number' };
    return { value: input.value === '' ? null : Number(input.value) };
  }
  return { value: input.value === '' ? null : input.value };
}

function fieldRow(label, required, input, id, note) {
  return el('div', { className: 'form-row', 'data-field': input.name || '' },
    el('label', { for: id }, label, required ? el('span', { className: 'required', title: 'Required', text: ' *' }) : null),
    input,
    note ? el('p', { className: 'field-note', text: note }) : null,
    el('p', { className: 'field-error', id: `${id}-error`, hidden: true }));
}

/**
 * A form for an element of `kind`: new (`element` null) or an existing one (its `fields`
 * and `links`, {field: [{key, amount}]}). `candidates(link)` lists the active elements a
 * link may point to, as {key, kind, title}. Returns the form and what reads and marks it.
 */
export function elementForm({ kind, element, links = {}, candidates, key = null }) {
  const spec = kindOf(kind);
  const form = el('form', { className: 'edit-form', noValidate: true, 'data-kind': kind });
  const rows = new Map();
  const inputs = new Map();
  const base = `f${(uid += 1)}`;

  if (!element && !spec.singleton) {
    const id = `${base}-key`;
    const input = el('input', { id, name: 'key', type: 'text', required: true, autocomplete: 'off', 'aria-describedby': `${id}-error`, placeholder: 'e.g. SI4.3' });
    if (key) input.value = key;
    const row = fieldRow('Key', true, input, id, 'Letters, digits, . _ or -, unique in the plan.');
    rows.set('key', row);
    form.append(row);
  }
  for (const field of spec.fields.values()) {
    if (field.type === 'results') continue; // reported as progress, not edited here
    const id = `${base}-${field.name}`;
    const input = fieldInput(field, element ? element.fields[field.name] : null, id);
    inputs.set(field.name, { field, input });
    const row = fieldRow(field.label, field.required, input, id, HINTS[field.type] ? HINTS[field.type].title : null);
    rows.set(field.name, row);
    form.append(row);
  }

  const groups = new Map();
  for (const link of spec.links) {
    const group = linkGroup(link, links[link.field] || [], candidates(link), `${base}-${link.field}`);
    groups.set(link.field, group);
    rows.set(`links.${link.field}`, group.row);
    form.append(group.row);
  }

  const reasonId = `${base}-reason`;
  const reason = el('input', { id: reasonId, name: 'reason', type: 'text', autocomplete: 'off', placeholder: 'Why (optional): shown in the history' });
  form.append(fieldRow('Reason', false, reason, reasonId));
  const problem = el('p', { className: 'form-problem', role: 'alert', hidden: true });
  form.prepend(problem);

  /** The request: for a new element every filled field and link; else only what changed. */
  function read() {
    const fields = {};
    const errors = [];
    for (const [name, { field, input }] of inputs) {
      const { value, error } = readInput(field, input);
      if (error) {
        errors.push({ path: `fields.${name}`, expected: error });
        continue;
      }
      const before = element ? element.fields[name] ?? null : null;
      if (element ? String(value ?? '') !== String(before ?? '') : value !== null) fields[name] = value;
    }
    const changedLinks = {};
    for (const [field, group] of groups) {
      const { items, errors: bad } = group.read();
      errors.push(...bad);
      if (element ? group.changed() : items.length) changedLinks[field] = items;
    }
    const keyInput = form.elements.namedItem('key');
    return {
      key: keyInput ? keyInput.value.trim() || null : null,
      fields,
      links: changedLinks,
      reason: reason.value.trim() || null,
      errors,
    };
  }

  function clearErrors() {
    problem.hidden = true;
    problem.textContent = '';
    for (const row of form.querySelectorAll('.form-row, .link-group')) {
      row.classList.remove('invalid');
      const box = row.querySelector(':scope > .field-error');
      if (box) {
        box.hidden = true;
        box.textContent = '';
      }
      row.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
    }
  }

  /** Show the server's errors[{path, expected}] beside their fields (the rest on top). */
  function showErrors(errors, detail) {
    clearErrors();
    let first = null;
    const loose = [];
    for (const { path, expected } of errors || []) {
      const target = rowFor(path);
      if (!target) {
        loose.push(`${path ? `${path}: ` : ''}expected ${expected}`);
        continue;
      }
      const { row, item } = target;
      row.classList.add('invalid');
      const box = row.querySelector(':scope > .field-error');
      box.hidden = false;
      box.textContent = `${item ? `${item}: ` : ''}Expected ${expected}.`;
      const input = row.querySelector('input, select, textarea');
      if (input) input.setAttribute('aria-invalid', 'true');
      first ||= input;
    }
    if (loose.length || (!errors?.length && detail)) {
      problem.hidden = false;
      problem.textContent = loose.length ? loose.join(' ') : detail;
    }
    if (first) first.focus();
  }

  function rowFor(path) {
    const match = /^(?:body\.)?(?:(fields)\.([\w]+)|(links)\.([\w]+)(?:\[(\d+)\])?|(key))/.exec(path || '');
    if (!match) return rows.has(path) ? { row: rows.get(path) } : null;
    if (match[1]) return rows.has(match[2]) ? { row: rows.get(match[2]) } : null;
    if (match[6]) return rows.has('key') ? { row: rows.get('key') } : null;
    const group = groups.get(match[4]);
    if (!group) return null;
    const sent = group.read().items;
    const index = match[5] === undefined ? null : Number(match[5]);
    const item = index === null ? null : (sent[index] && (sent[index].target || sent[index]));
    return { row: group.row, item };
  }

  return { form, read, showErrors, clearErrors, reason };
}

/** One group of links: a drop-down for a single link, checkboxes (and amounts) for many. */
function linkGroup(link, current, options, id) {
  const withAmount = link.attributes.includes('amount');
  const targets = link.targets.map((t) => kindOf(t).label.toLowerCase()).join(' or ');
  const row = el('fieldset', { className: 'link-group', 'data-field': `links.${link.field}` },
    el('legend', { text: link.label || humanize(link.field) }),
    el('p', { className: 'field-note', text: `${link.reverse ? 'From' : 'To'} ${link.many ? 'any' : 'one'} active ${targets}.` }));
  const error = el('p', { className: 'field-error', id: `${id}-error`, hidden: true });
  const had = new Map(current.map((c) => [c.key, c.amount ?? null]));

  if (!link.many) {
    const select = el('select', { id, name: `links.${link.field}`, 'aria-describedby': `${id}-error`, 'aria-label': link.label || link.field },
      el('option', { value: '', text: '— none —' }));
    for (const o of options) select.append(el('option', { value: o.key, text: optionText(o) }));
    select.value = current.length ? current[0].key : '';
    row.append(select, error);
    return {
      row,
      read: () => ({ items: select.value ? [select.value] : [], errors: [] }),
      changed: () => (select.value || '') !== (current[0] ? current[0].key : ''),
    };
  }

  const filter = el('input', { type: 'search', className: 'link-filter', placeholder: `Filter ${options.length} ${targets} elements…`, 'aria-label': `Filter ${link.label || link.field}` });
  const list = el('ul', { className: 'link-options' });
  const boxes = [];
  const sorted = [...options].sort((a, b) => Number(had.has(b.key)) - Number(had.has(a.key)));
  for (const o of sorted) {
    const box = el('input', { type: 'checkbox', value: o.key, checked: had.has(o.key), 'aria-label': optionText(o) });
    const amount = withAmount
      ? el('input', { type: 'number', min: '0', step: 'any', className: 'link-amount', placeholder: 'Amount', 'aria-label': `Amount for ${o.key}`, value: had.get(o.key) ?? '' })
      : null;
    if (amount) {
      amount.disabled = !box.checked;
      box.addEventListener('change', () => {
        amount.disabled = !box.checked;
        if (box.checked) amount.focus();
      });
    }
    const item = el('li', { 'data-option': o.key, 'data-search': `${o.key} ${o.title}`.toLowerCase() },
      el('label', {}, box, el('span', { className: 'option-key', text: o.key }), el('span', { className: 'option-title', text: o.title })),
      amount);
    boxes.push({ key: o.key, box, amount });
    list.append(item);
  }
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const item of list.children) item.hidden = Boolean(q) && !item.dataset.search.includes(q);
  });
  if (options.length > 6) row.append(filter);
  row.append(options.length ? list : el('p', { className: 'muted', text: `No active ${targets} to link to.` }), error);

  function read() {
    const items = [];
    const errors = [];
    for (const { key, box, amount } of boxes) {
      if (!box.checked) continue;
      if (!amount) {
        items.push(key);
        continue;
      }
      if (amount.validity.badInput) errors.push({ path: `links.${link.field}[${items.length}].amount`, expected: 'a number' });
      items.push({ target: key, amount: amount.value === '' ? null : Number(amount.value) });
    }
    return { items, errors };
  }
  function changed() {
    const { items } = read();
    if (items.length !== had.size) return true;
    return items.some((i) => (typeof i === 'string' ? !had.has(i) : !had.has(i.target) || (had.get(i.target) ?? null) !== i.amount));
  }
  return { row, read, changed };
}

function optionText(o) {
  return o.title ? `${o.key} — ${o.title.length > 70 ? `${o.title.slice(0, 69)}…` : o.title}` : o.key;
}

/** The plan's details form: district, title, period. */
export function detailsForm(details) {
  const form = el('form', { className: 'edit-form', noValidate: true });
  const problem = el('p', { className: 'form-problem', role: 'alert', hidden: true });
  form.append(problem);
  const base = `d${(uid += 1)}`;
  const specs = [
    ['district', 'District', 'text'], ['title', 'Title', 'text'],
    ['period_start', 'Period start', 'date'], ['period_end', 'Period end', 'date'],
  ];
  const inputs = new Map();
  for (const [name, label, type] of specs) {
    const id = `${base}-${name}`;
    const input = el('input', { id, name, type, 'aria-describedby': `${id}-error` });
    input.value = details[name] ?? '';
    inputs.set(name, input);
    form.append(fieldRow(label, false, input, id));
  }
  const reasonId = `${base}-reason`;
  const reason = el('input', { id: reasonId, name: 'reason', type: 'text', placeholder: 'Why (optional): shown in the history' });
  form.append(fieldRow('Reason', false, reason, reasonId));
  return {
    form,
    read() {
      const body = {};
      for (const [name, input] of inputs) {
        const value = input.value.trim() === '' ? null : input.value;
        if ((value ?? '') !== (details[name] ?? '')) body[name] = value;
      }
      return { body, reason: reason.value.trim() || null, errors: [] };
    },
    showErrors(errors, detail) {
      problem.hidden = true;
      form.querySelectorAll('.form-row').forEach((row) => {
        row.classList.remove('invalid');
        row.querySelector('.field-error').hidden = true;
      });
      const loose = [];
      for (const { path, expected } of errors || []) {
        const row = form.querySelector(`.form-row[data-field="${CSS.escape(path.replace(/^body\./, ''))}"]`);
        if (!row) {
          loose.push(`${path}: expected ${expected}`);
          continue;
        }
        row.classList.add('invalid');
        const box = row.querySelector('.field-error');
        box.hidden = false;
        box.textContent = `Expected ${expected}.`;
      }
      if (loose.length || (!errors?.length && detail)) {
        problem.hidden = false;
        problem.textContent = loose.length ? loose.join(' ') : detail;
      }
    },
  };
}

/** {key, kind, title} of an element's graph data. */
export function candidate(data) {
  return { key: data.key, kind: data.kind, title: titleOf(data) };
}
