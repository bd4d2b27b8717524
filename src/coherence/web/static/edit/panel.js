// Editing the plan in place: add, revise, retire and restore elements of every kind,
// link them, revise the plan's details. Forms come from the catalogue (forms.js); every
// save sends If-Match with the version shown and an optional reason, then says what it
// did to the audit and brings the graph and findings up to date (host.refresh).
//
// A form's changes go in one request (an element with its links: one revision on the
// server), so a refusal leaves nothing half-saved. When someone else saved first (409
// with current_version) the conflict view shows what they changed and offers to
// re-apply this change on top of theirs or to drop it.
//
// Viewers see none of it: the role comes from GET /api/v1/me (the server refuses their
// writes anyway).

import { ApiError, getJSON, send } from '../api.js';
import { isSingleton, kindOf, kindOrder } from '../framework.js';
import { auditChips, auditSentence, diffView, eventList } from './describe.js';
import { candidate, detailsForm, el, elementForm } from './forms.js';

let host = null;
const $ = (id) => document.getElementById(id);
const api = (path = '') => `/api/v1/plans/${encodeURIComponent(host.planId)}${path}`;

/** Read who is asking; for editors, the Add menu, plan details and element actions. */
export async function setupEditing(pageHost) {
  host = pageHost;
  window.coherence.editing = { role: null, saves: 0 };
  let role = 'viewer';
  try {
    role = (await getJSON('/api/v1/me')).role;
  } catch (error) {
    if (error.status === 404) role = 'editor'; // a server without /me: it refuses what it must
  }
  window.coherence.editing.role = role;
  if (role === 'viewer') return;
  buildTools();
  host.hooks.elementShown = elementActions;
}

// -- the tools in the toolbar --------------------------------------------------------

function buildTools() {
  const tools = $('edit-tools');
  const add = el('select', { id: 'add-element', 'aria-label': 'Add an element' }, el('option', { value: '', text: '+ Add…' }));
  for (const kind of kindOrder()) {
    const spec = kindOf(kind);
    add.append(el('option', { value: kind, text: spec.label }));
  }
  add.addEventListener('change', () => {
    const kind = add.value;
    add.value = '';
    if (!kind) return;
    if (isSingleton(kind) && activeNode(kind)) {
      openEdit(kind);
      return;
    }
    openAdd(kind);
  });
  const details = el('button', { type: 'button', id: 'edit-details', text: 'Plan details' });
  details.addEventListener('click', openDetails);
  tools.append(add, details);
  tools.hidden = false;
}

// -- what the page shows -------------------------------------------------------------

function latestRevision() {
  return host.state.data.revisions.at(-1).revision;
}

function activeAtLatest(id) {
  const spans = host.state.spans.get(id) || [];
  const revision = latestRevision();
  return spans.some(([first, last]) => first <= revision && revision <= last);
}

function activeNode(key) {
  const node = host.state.cy.getElementById(key);
  return node.nonempty() && activeAtLatest(key) ? node : null;
}

function candidates(link, self) {
  return host.state.cy.nodes()
    .filter((n) => link.targets.includes(n.data('kind')) && n.id() !== self && activeAtLatest(n.id()))
    .map((n) => candidate(n.data()))
    .sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
}

/** An element's links at the latest version, by the catalogue's link fields. */
function currentLinks(kind, key) {
  const node = host.state.cy.getElementById(key);
  const out = {};
  for (const link of kindOf(kind).links) {
    const edges = (link.reverse ? node.incomers('edge') : node.outgoers('edge'))
      .filter((e) => e.data('edge') === link.edge && activeAtLatest(e.id()));
    out[link.field] = edges.map((e) => ({ key: link.reverse ? e.data('source') : e.data('target'), amount: e.data('amount') ?? null }));
  }
  return out;
}

function panel() {
  host.showTab('element');
  $('tab-element').textContent = 'Edit';
  return $('panel-element');
}

// -- element actions (in the element panel) ------------------------------------------

function elementActions(box, element, latest) {
  const actions = el('div', { className: 'edit-actions' });
  if (!latest) {
    actions.append(el('p', { className: 'muted', text: 'Edits are made on the latest version: move the timeline to its end.' }));
  } else if (element.retired) {
    actions.append(button('Restore…', 'restore', () => confirmAction(actions, element, 'restore')));
  } else {
    actions.append(
      button('Edit', 'edit', () => openEdit(element.key, element)),
      button('Retire…', 'retire', () => confirmAction(actions, element, 'retire')),
    );
  }
  const head = box.querySelector('.element-title') || box.querySelector('.element-head');
  if (head) head.after(actions);
  else box.prepend(actions);
}

function button(text, action, onClick, primary = false) {
  const b = el('button', { type: 'button', className: primary ? 'primary' : '', 'data-action': action, text });
  b.addEventListener('click', onClick);
  return b;
}

function confirmAction(actions, element, action) {
  const retire = action === 'retire';
  const label = isSingleton(element.kind) ? kindOf(element.kind).label : element.key;
  const reason = el('input', { type: 'text', name: 'reason', placeholder: 'Why (optional): shown in the history', 'aria-label': 'Reason' });
  const problem = el('p', { className: 'form-problem', role: 'alert', hidden: true });
  const box = el('div', { className: 'confirm-box' },
    el('p', { text: retire ? `Retire ${label}? Its links are removed too; it can be restored later.` : `Restore ${label} with the fields it had? Its links are not restored: link it again with Edit.` }),
    reason, problem);
  const go = button(retire ? 'Retire' : 'Restore', `confirm-${action}`, () => {
    const why = reason.value.trim() || null;
    const path = retire
      ? api(`/elements/${encodeURIComponent(element.key)}${why ? `?reason=${encodeURIComponent(why)}` : ''}`)
      : api(`/elements/${encodeURIComponent(element.key)}/restore`);
    save({
      method: retire ? 'DELETE' : 'POST',
      path,
      body: retire ? undefined : { reason: why },
      what: `${retire ? 'Retire' : 'Restore'} ${label}`,
      select: element.key,
      refuse: (p) => {
        problem.hidden = false;
        problem.textContent = p.detail || p.title;
      },
    }, go);
  }, true);
  const cancel = button('Cancel', 'cancel', () => box.remove());
  box.append(el('div', { className: 'form-buttons' }, go, cancel));
  actions.querySelector('.confirm-box')?.remove();
  actions.append(box);
  reason.focus();
}

// -- forms ---------------------------------------------------------------------------

function formPanel(title, form, onSave, onCancel) {
  host.state.selected = null; // the form stays in the panel while the page updates
  host.cancelElementLoad();
  const box = panel();
  box.replaceChildren();
  const saveButton = el('button', { type: 'submit', className: 'primary', 'data-action': 'save', text: 'Save' });
  const cancel = button('Cancel', 'cancel', onCancel);
  form.append(el('div', { className: 'form-buttons' }, saveButton, cancel));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSave(saveButton);
  });
  box.append(el('h2', { className: 'form-title', text: title }), form);
  return box;
}

function openAdd(kind) {
  const spec = kindOf(kind);
  const built = elementForm({ kind, element: null, candidates: (link) => candidates(link, null) });
  formPanel(`Add ${spec.label.toLowerCase()}`, built.form, (saveButton) => {
    const { key, fields, links, reason, errors } = built.read();
    if (errors.length) return built.showErrors(errors);
    const body = { kind, key: isSingleton(kind) ? null : key, fields, reason };
    if (Object.keys(links).length) body.links = links;
    return save({
      method: 'POST', path: api('/elements'), body, what: `Add ${spec.label.toLowerCase()} ${key || ''}`.trim(),
      select: isSingleton(kind) ? kind : key, form: built,
    }, saveButton);
  }, () => closeForm(null));
  built.form.querySelector('input, textarea, select')?.focus();
}

async function openEdit(key, known = null) {
  const element = known || await getJSON(api(`/elements/${encodeURIComponent(key)}`));
  const spec = kindOf(element.kind);
  const built = elementForm({
    kind: element.kind, element, links: currentLinks(element.kind, key), candidates: (link) => candidates(link, key),
  });
  const name = isSingleton(element.kind) ? spec.label : `${spec.label} ${key}`;
  formPanel(`Edit ${name}`, built.form, (saveButton) => {
    const { fields, links, reason, errors } = built.read();
    if (errors.length) return built.showErrors(errors);
    if (!Object.keys(fields).length && !Object.keys(links).length) return built.showErrors([], 'Nothing changed.');
    const body = { fields, reason };
    if (Object.keys(links).length) body.links = links;
    return save({ method: 'PATCH', path: api(`/elements/${encodeURIComponent(key)}`), body, what: `Edit ${name}`, select: key, form: built }, saveButton);
  }, () => closeForm(key));
  built.form.querySelector('input, textarea, select')?.focus();
}

function openDetails() {
  const details = host.state.data.details;
  const built = detailsForm(details);
  formPanel('Plan details', built.form, (saveButton) => {
    const { body, reason } = built.read();
    if (!Object.keys(body).length) return built.showErrors([], 'Nothing changed.');
    return save({ method: 'PATCH', path: api(), body: { ...body, reason }, what: 'Revise the plan details', select: null, form: built }, saveButton);
  }, () => closeForm(null));
}

function closeForm(key) {
  $('tab-element').textContent = 'Element';
  if (key && host.state.cy.getElementById(key).nonempty()) host.selectElement(key, { from: 'graph' });
  else {
    $('panel-element').replaceChildren(el('p', { className: 'muted', text: 'Click an element of the graph to see it; editors can then edit it.' }));
    host.showTab('findings');
  }
}

// -- saving --------------------------------------------------------------------------

async function attempt(method, path, body, ifMatch) {
  try {
    const answer = await send(method, path, body, { ifMatch });
    return { ok: true, body: answer.data };
  } catch (error) {
    if (!(error instanceof ApiError) && error.status === undefined) throw error;
    return { ok: false, status: error.status, problem: error.problem || { title: error.title, detail: error.message } };
  }
}

/** Send one change with If-Match: the version shown; then the banner and the update. */
async function save(request, trigger) {
  const started = performance.now();
  const version = host.state.data.version;
  if (trigger) trigger.disabled = true;
  try {
    const outcome = await attempt(request.method, request.path, request.body, version);
    if (outcome.ok) {
      await saved(outcome.body, request, started);
      return;
    }
    const problem = outcome.problem || {};
    if (outcome.status === 409 && problem.current_version != null) {
      await conflict(request, version, problem.current_version);
      return;
    }
    if (request.form) request.form.showErrors(problem.errors || [], problem.detail || problem.title);
    else if (request.refuse) request.refuse(problem);
  } finally {
    if (trigger && trigger.isConnected) trigger.disabled = false;
  }
}

// The events after which the page lays the plan out again (new elements or links).
const GROWING = new Set(['ElementAdded', 'Linked']);

async function saved(body, request, started) {
  showBanner(body, request);
  host.state.selected = null; // selected again below, once
  await host.refresh({ grown: (body.changes || []).some((c) => GROWING.has(c.type)) });
  const key = request.select || (body.changes.find((c) => c.key) || {}).key;
  $('tab-element').textContent = 'Element';
  if (key && host.state.cy.getElementById(key).nonempty()) host.selectElement(key, { from: 'graph' });
  else host.showTab('findings');
  const ms = performance.now() - started;
  performance.mark('coherence:saved');
  Object.assign(window.coherence.editing, { saves: window.coherence.editing.saves + 1, lastSaveMs: ms, lastAnswer: body });
}

function showBanner(body, request) {
  const banner = $('edit-banner');
  const close = el('button', { type: 'button', className: 'banner-close', 'aria-label': 'Close', text: '×' });
  close.addEventListener('click', () => {
    banner.hidden = true;
  });
  const what = body.events ? `Saved: ${request.what} (version ${body.version}).` : `${request.what}: nothing changed.`;
  banner.replaceChildren(close, el('div', { className: 'banner-what', text: what }), auditChips(body.audit || { resolved: [], added: [] }));
  banner.dataset.sentence = auditSentence(body.audit);
  banner.hidden = false;
  if (!banner.dataset.wired) {
    banner.dataset.wired = 'true';
    banner.addEventListener('click', (event) => {
      const chip = event.target.closest('[data-key]');
      if (chip && chip.dataset.key) host.focusElement(chip.dataset.key);
    });
  }
}

// -- conflicts -----------------------------------------------------------------------

async function conflict(request, mine, current) {
  host.state.selected = null; // the conflict view stays in the panel while the page updates
  await host.refresh();
  host.cancelElementLoad();
  const [history, diff] = await Promise.all([
    getJSON(api(`/history?offset=${mine}&limit=200`)),
    getJSON(api(`/diff?from=${mine}&to=${current}`)),
  ]);
  const box = panel();
  box.replaceChildren();
  $('tab-element').textContent = 'Conflict';
  const reapply = button('Re-apply my change on top', 'reapply', () => save(request, reapply), true);
  const drop = button('Drop my change', 'drop', () => {
    $('edit-banner').hidden = true;
    closeForm(request.select);
  });
  const mineText = JSON.stringify(request.body && (request.body.fields || request.body), null, 1);
  box.append(el('div', { className: 'conflict' },
    el('h2', { text: 'Someone else saved first' }),
    el('p', { text: `You made your change on version ${mine}; the plan is now at version ${current}. Nothing of yours is lost: here is what they changed, then choose.` }),
    el('h3', { text: 'What they changed' }),
    eventList(history.events),
    el('details', { className: 'conflict-diff' }, el('summary', { text: 'Field by field' }), diffView(diff)),
    el('h3', { text: 'Your change' }),
    el('p', { className: 'mine', text: request.what }),
    mineText && mineText !== '{}' ? el('pre', { className: 'mine-body', text: mineText }) : null,
    el('div', { className: 'form-buttons' }, reapply, drop)));
  window.coherence.editing.conflicts = (window.coherence.editing.conflicts || 0) + 1;
}
