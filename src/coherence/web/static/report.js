// The progress report for the school committee, of the version shown: Report opens a
// small menu to open the HTML report in a new tab (it prints well) or download it as
// PDF or DOCX (GET /api/v1/plans/{id}/report?format=&version=).

import { downloadBlob, getBlob } from './api.js';

const hook = { opened: null, downloaded: null, error: null };

// planId: the plan of the page; version(): the version shown.
export function installReport({ planId, version }) {
  window.coherence.report = hook;
  const button = document.getElementById('report-open');
  const menu = document.getElementById('report-menu');
  const link = document.getElementById('report-html');
  const url = (format) => `/api/v1/plans/${encodeURIComponent(planId)}/report?format=${format}&version=${version()}`;
  const close = () => {
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  };
  button.addEventListener('click', () => {
    const opening = menu.hidden;
    menu.hidden = !opening;
    button.setAttribute('aria-expanded', String(opening));
    if (opening) {
      link.href = url('html');
      document.getElementById('report-version').textContent = `version ${version()}`;
    }
  });
  link.addEventListener('click', () => {
    hook.opened = link.href;
    close();
  });
  for (const format of ['pdf', 'docx']) {
    document.getElementById(`report-${format}`).addEventListener('click', async () => {
      close();
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
  document.addEventListener('click', (event) => {
    if (!menu.hidden && !event.target.closest('#report-menu, #report-open')) close();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !menu.hidden) close();
  });
}
