// The progress report for the school committee, of the version shown: Report opens a
// small menu to open the HTML report in a new tab (it prints well) or download it as
// PDF or DOCX (GET /api/v1/plans/{id}/report?format=&version=).

import { downloadBlob, getBlob } from './api.js';
import { installMenu } from './menu.js';

const hook = { opened: null, downloaded: null, error: null };

// planId: the plan of the page; version(): the version shown.
export function installReport({ planId, version }) {
  window.coherence.report = hook;
  const button = document.getElementById('report-open');
  const menu = document.getElementById('report-menu');
  const link = document.getElementById('report-html');
  const url = (format) => `/api/v1/plans/${encodeURIComponent(planId)}/report?format=${format}&version=${version()}`;
  installMenu(button, menu, {
    opened() {
      link.href = url('html');
      document.getElementById('report-version').textContent = `version ${version()}`;
    },
  });
  link.addEventListener('click', () => {
    hook.opened = link.href;
  });
  for (const format of ['pdf', 'docx']) {
    document.getElementById(`report-${format}`).addEventListener('click', async () => {
      try {
        const shown = version();
        const blob = await getBlob(url(format));
        downloadBlob(blob, `${planId}-v${shown}-report.${format}`);
        hook.downloaded = format;
      } catch (error) {
        hook.error = error.message;
        window.alert(`Could not make the report: ${error.message}`);
      }
    });
  }
}
