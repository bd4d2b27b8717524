// Reporting progress with evidence: a benchmark's status or an outcome's result, with a
// note, links and files (uploaded first to POST /plans/{id}/evidence, then referred to
// by their SHA-256). The same form serves the plan page's element panel and My work.

import { downloadBlob, formatDate, getBlob, send } from './api.js';
import { h, labelled } from './dom.js';
import { humanize, kindOf } from './framework.js';

export const MAX_FILE = 10 * 1024 * 1024;
const ACCEPT = '.pdf,.png,.jpg,.jpeg,.gif,.webp,.xlsx,.csv,.txt,application/pdf,image/png,image/jpeg,image/gif,image/webp,text/csv,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
let formCount = 0;

const planPath = (planId) => `/api/v1/plans/${encodeURIComponent(planId)}`;

function today() {
  return new Date().toISOString().slice(0, 10);
}

/** What went wrong, in words (the field's path when the server named one). */
export function describeError(error) {
  const paths = (error.problem?.errors || []).map((e) => e.path).filter(Boolean);
  return paths.length ? `${error.message} (${paths.join(', ')})` : error.message;
}

/**
 * The report form of a benchmark or outcome `item` ({key, kind, status}) of a plan.
 * `onDone(result)` is called with the command's answer once the report is saved.
 */
export function progressForm(planId, item, { onDone } = {}) {
  formCount += 1;
  const id = (name) => `progress-${formCount}-${name}`;
  const fields = [];
  if (item.kind === 'benchmark') {
    const choices = kindOf('benchmark').fields.get('status')?.choices || [];
    const select = h('select', { name: 'status', id: id('status'), required: true },
      choices.map((c) => h('option', { value: c, selected: c === item.status }, humanize(c))));
    fields.push(labelled('Status', select));
  } else {
    fields.push(labelled('Result as of', h('input', { type: 'date', name: 'as_of', required: true, value: today() })));
    fields.push(labelled('Value', h('input', { type: 'number', name: 'value', step: 'any', required: true })));
  }
  fields.push(labelled('Note', h('textarea', { name: 'note', rows: 3, maxlength: 4000, placeholder: 'What was done, what was seen' })));
  fields.push(labelled('Links (one a line)', h('textarea', { name: 'links', rows: 2, placeholder: 'https://…' })));
  fields.push(labelled('Files (PDF, image, spreadsheet; up to 10 MB each)',
    h('input', { type: 'file', name: 'files', multiple: true, accept: ACCEPT })));
  const output = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Report progress');
  const form = h('form', { class: 'progress-form needs-editor', 'data-item': item.key },
    h('h3', {}, item.kind === 'benchmark' ? 'Report status' : 'Report a result'), fields, button, output);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(planId, item, form, output, button).then((result) => result && onDone?.(result));
  });
  return form;
}

async function submit(planId, item, form, output, button) {
  const data = new FormData(form);
  const files = [...form.elements.files.files];
  const tooBig = files.find((f) => f.size > MAX_FILE);
  if (tooBig) {
    output.textContent = `${tooBig.name} is over 10 MB.`;
    output.className = 'form-message error';
    return null;
  }
  button.disabled = true;
  output.className = 'form-message';
  try {
    const evidence = String(data.get('links') || '')
      .split('\n').map((s) => s.trim()).filter(Boolean).map((url) => ({ url }));
    for (const [n, file] of files.entries()) {
      output.textContent = `Uploading ${file.name} (${n + 1} of ${files.length})…`;
      const { data: body } = await send('POST', `${planPath(planId)}/evidence`, file);
      evidence.push({ sha256: body.sha256 });
    }
    const note = String(data.get('note') || '').trim() || null;
    let result;
    if (item.kind === 'benchmark') {
      result = await send('POST', `${planPath(planId)}/benchmarks/${encodeURIComponent(item.key)}/status`,
        { status: data.get('status'), note, evidence });
    } else {
      result = await send('POST', `${planPath(planId)}/outcomes/${encodeURIComponent(item.key)}/results`,
        { as_of: data.get('as_of'), value: Number(data.get('value')), note, evidence });
    }
    output.textContent = `Reported: now at version ${result.data.version}.`;
    output.className = 'form-message ok';
    return result.data;
  } catch (error) {
    output.textContent = `Not saved: ${describeError(error)}`;
    output.className = 'form-message error';
    return null;
  } finally {
    button.disabled = false;
  }
}

/** The evidence of an element's reports (its history entries' records), newest first. */
export function evidenceList(planId, history) {
  const reports = history.filter((e) => e.record && (e.record.note || e.record.evidence?.length)).reverse();
  if (!reports.length) return null;
  const list = h('ol', { class: 'evidence-list' });
  for (const entry of reports) {
    const items = (entry.record.evidence || []).map((ev) => {
      if (ev.url) {
        return h('li', {}, h('a', { href: ev.url, rel: 'noopener noreferrer', target: '_blank' }, ev.url));
      }
      const download = h('button', { type: 'button', class: 'evidence-download', 'data-sha256': ev.sha256 },
        `${ev.name} (${Math.max(1, Math.round(ev.size / 1024))} KB)`);
      download.addEventListener('click', () => {
        getBlob(`${planPath(planId)}/evidence/${ev.sha256}`)
          .then((blob) => downloadBlob(blob, ev.name))
          .catch((error) => { download.textContent = `${ev.name}: ${error.message}`; });
      });
      return h('li', {}, download);
    });
    list.append(h('li', { class: 'evidence-report' },
      h('div', { class: 'history-when' }, `${formatDate(entry.timestamp)} · v${entry.version} · ${entry.actor}`),
      h('div', { class: 'history-what' }, entry.summary),
      entry.record.note ? h('blockquote', { class: 'evidence-note' }, entry.record.note) : null,
      items.length ? h('ul', { class: 'evidence-items' }, items) : null));
  }
  return h('section', { class: 'evidence' }, h('h3', {}, 'Progress reports and evidence'), list);
}

/**
 * The plan page's hook: below an element's panel, its reports' evidence and, for a
 * benchmark or outcome at the latest version, the report form (`needs-editor`: viewers
 * do not see it).
 */
export function mountProgress(panel, planId, element, { latest, onDone }) {
  const evidence = evidenceList(planId, element.history || []);
  if (evidence) panel.append(evidence);
  if (!latest || element.retired || !['benchmark', 'outcome'].includes(element.kind)) return;
  panel.append(progressForm(planId, { key: element.key, kind: element.kind, status: element.fields.status }, { onDone }));
}
