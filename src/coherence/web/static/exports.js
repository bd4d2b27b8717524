// The plan page's Export menu: the graph as shown as a picture (PNG, on white, with the
// plan's name, version and score above it, for slides), and the graph of the version
// shown as GraphML or GEXF (GET /api/v1/plans/{id}/graph?format=&version=). The
// workbook's download, in the same menu, is workbook.js's.

import { downloadBlob, formatDate, getBlob } from './api.js';
import { installMenu } from './menu.js';

const $ = (id) => document.getElementById(id);

// planId: the plan of the page; cy(), data(), revision(), detailed(): the graph, the
// timeline, the revision shown and whether labels are detailed now; failed(error).
export function installExports({ planId, cy, data, revision, detailed, failed }) {
  installMenu($('export-open'), $('export-menu'), {
    opened() {
      $('export-version').textContent = `version ${revision().version}`;
    },
  });
  $('export-png').addEventListener('click', () => exportPng(cy(), data(), revision(), detailed()).catch(failed));
  for (const format of ['graphml', 'gexf']) {
    $(`export-${format}`).addEventListener('click', () => exportGraph(planId, data(), revision(), format).catch(failed));
  }
}

async function exportPng(cy, data, revision, wasDetailed) {
  const wanted = Number($('png-scale').value) || 2;
  cy.batch(() => cy.nodes().addClass('detailed'));
  const bb = cy.elements().filter((e) => e.visible()).boundingBox();
  const scale = Math.max(0.5, Math.min(wanted, 16000 / Math.max(bb.w, 1), 16000 / Math.max(bb.h, 1), Math.sqrt(2e8 / Math.max(bb.w * bb.h, 1))));
  const graph = cy.png({ output: 'blob', bg: 'white', full: true, scale });
  cy.batch(() => cy.nodes().toggleClass('detailed', wasDetailed));
  const image = await createImageBitmap(graph);
  const header = Math.round(72 * scale);
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height + header;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, 0, header);
  const d = data.details;
  const s = revision.summary;
  ctx.fillStyle = '#0f172a';
  ctx.font = `700 ${Math.round(26 * scale)}px system-ui, sans-serif`;
  ctx.fillText([d.district, d.title].filter(Boolean).join(' — ') || data.plan, 24 * scale, 34 * scale);
  ctx.fillStyle = '#475569';
  ctx.font = `400 ${Math.round(17 * scale)}px system-ui, sans-serif`;
  ctx.fillText(`Version ${revision.version}, ${formatDate(revision.timestamp)} · alignment score ${revision.score} · `
    + `${s.error} errors, ${s.warning} warnings, ${s.info} info`, 24 * scale, 60 * scale);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  const name = `${data.plan}-v${revision.version}.png`;
  window.coherence.lastExport = { name, width: canvas.width, height: canvas.height, size: blob.size };
  downloadBlob(blob, name);
}

async function exportGraph(planId, data, revision, format) {
  const blob = await getBlob(`/api/v1/plans/${encodeURIComponent(planId)}/graph?format=${format}&version=${revision.version}`);
  downloadBlob(blob, `${data.plan}-v${revision.version}.${format}`);
}
