// The plan as a workbook: download it (the version shown), and upload one back.
//
// An upload is first a dry run (POST /api/v1/plans/import?dry_run=true): the dialog shows,
// in words, the changes it would make (the history's sentences of the events it would
// save) and the audit findings it would resolve and add. Confirm imports it for real,
// with If-Match of the version previewed (409 if the plan moved on meanwhile); Cancel
// saves nothing. Everything read from the workbook or the plan is shown as text.

import { downloadBlob, getBlob, send } from './api.js';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const hook = { preview: null, result: null, error: null };

// planId: the plan of the page; version(): the version shown; confirmed(result): after a
// confirmed import (the page reloads the plan).
export function installWorkbook({ planId, version, confirmed }) {
  window.coherence.workbook = hook;
  const download = document.getElementById('export-xlsx');
  const upload = document.getElementById('upload-xlsx');
  const input = document.getElementById('upload-xlsx-file');
  download.addEventListener('click', () => downloadWorkbook(planId, version()).catch(showError));
  upload.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const file = input.files[0];
    input.value = '';
    if (file) previewUpload(planId, file, confirmed).catch(showError);
  });
}

async function downloadWorkbook(planId, version) {
  const query = version ? `&version=${version}` : '';
  const blob = await getBlob(`/api/v1/plans/${encodeURIComponent(planId)}?format=xlsx${query}`);
  downloadBlob(blob, `${planId}-v${version}.xlsx`);
}

async function previewUpload(planId, file, confirmed) {
  const body = new Blob([await file.arrayBuffer()], { type: XLSX });
  const dialog = openDialog(`Import ${file.name}`);
  status(dialog, 'Working out what the workbook would change…');
  let preview;
  try {
    preview = (await send('POST', '/api/v1/plans/import?dry_run=true', body, { type: XLSX })).data;
  } catch (error) {
    hook.error = error.message;
    status(dialog, `The workbook cannot be imported: ${error.message}`, 'error');
    buttons(dialog, [{ label: 'Close', action: () => dialog.close() }]);
    return;
  }
  hook.preview = preview;
  const base = preview.version - preview.events;
  renderPreview(dialog, preview, planId);
  const foreign = preview.plan !== planId;
  const nothing = preview.events === 0;
  buttons(dialog, [
    { label: 'Cancel', action: () => dialog.close(), id: 'workbook-cancel' },
    {
      label: `Confirm: save ${preview.events} change${preview.events === 1 ? '' : 's'}`,
      id: 'workbook-confirm',
      primary: true,
      disabled: foreign || nothing,
      action: async (button) => {
        button.disabled = true;
        status(dialog, 'Saving…');
        try {
          const result = (await send('POST', '/api/v1/plans/import', body, { type: XLSX, ifMatch: base })).data;
          hook.result = result;
          status(dialog, `Saved: the plan is now at version ${result.version}.`);
          dialog.close();
          confirmed(result);
        } catch (error) {
          hook.error = error.message;
          const moved = error.status === 409
            ? `The plan changed since this preview (it is now at version ${error.problem?.current_version ?? '?'}): nothing was saved. Upload the workbook again to see its changes now.`
            : `Nothing was saved: ${error.message}`;
          status(dialog, moved, 'error');
        }
      },
    },
  ]);
}

// -- the dialog ------------------------------------------------------------------------

function el(tag, { text, className, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text; // plan text is always text, never HTML
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function openDialog(title) {
  document.getElementById('workbook-dialog')?.remove();
  const dialog = el('dialog', { className: 'workbook-dialog', attrs: { id: 'workbook-dialog', 'aria-labelledby': 'workbook-title' } }, [
    el('h2', { text: title, attrs: { id: 'workbook-title' } }),
    el('p', { className: 'workbook-status', attrs: { role: 'status', 'aria-live': 'polite' } }),
    el('div', { className: 'workbook-body' }),
    el('div', { className: 'dialog-buttons' }),
  ]);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

function status(dialog, text, kind = '') {
  const p = dialog.querySelector('.workbook-status');
  p.textContent = text;
  p.className = `workbook-status ${kind}`;
}

function buttons(dialog, specs) {
  const box = dialog.querySelector('.dialog-buttons');
  box.replaceChildren(...specs.map((spec) => {
    const button = el('button', { text: spec.label, className: spec.primary ? 'primary' : '', attrs: { type: 'button' } });
    if (spec.id) button.id = spec.id;
    button.disabled = Boolean(spec.disabled);
    button.addEventListener('click', () => spec.action(button));
    return button;
  }));
}

function renderPreview(dialog, preview, planId) {
  const body = dialog.querySelector('.workbook-body');
  const parts = [];
  if (preview.plan !== planId) {
    status(dialog, `This workbook is for plan ${preview.plan}, not ${planId}: import it from that plan's page or with coherence import.`, 'error');
  } else if (preview.events === 0) {
    status(dialog, `The workbook matches the plan (version ${preview.version}): importing it would change nothing.`);
  } else {
    const base = preview.version - preview.events;
    status(dialog, `Importing it would save ${preview.events} change${preview.events === 1 ? '' : 's'} to version ${base}, making version ${preview.version}:`);
    parts.push(el('ol', { className: 'workbook-changes' }, preview.changes.map((c) => el('li', { text: c.summary }))));
  }
  const audit = preview.audit;
  if (audit && preview.plan === planId && preview.events > 0) {
    const { before, after } = audit;
    parts.push(el('p', {
      className: 'workbook-score',
      text: `Alignment score ${before.score} → ${after.score}; findings: ${count(before.summary)} → ${count(after.summary)}.`,
    }));
    parts.push(findingList('Findings it would resolve', audit.resolved, 'workbook-resolved'));
    parts.push(findingList('Findings it would add', audit.added, 'workbook-added'));
  }
  body.replaceChildren(...parts);
}

function count(summary) {
  return `${summary.error} errors, ${summary.warning} warnings, ${summary.info} info`;
}

function findingList(title, findings, className) {
  const items = findings.length
    ? findings.map((f) => el('li', {}, [el('span', { className: `severity severity-${f.severity}`, text: f.severity }), ' ', el('span', { text: f.message })]))
    : [el('li', { className: 'muted', text: 'none' })];
  return el('section', { className }, [el('h3', { text: `${title} (${findings.length})` }), el('ul', {}, items)]);
}

function showError(error) {
  hook.error = error.message;
  const dialog = openDialog('Workbook');
  status(dialog, error.message, 'error');
  buttons(dialog, [{ label: 'Close', action: () => dialog.close() }]);
}
