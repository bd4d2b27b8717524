// What the plan page needs only after its first draw: the side panels' modules, editing,
// the workbook, the report and publishing. plan.js loads this once the graph is drawn,
// so none of it is fetched or run before (see `later` in plan.js).

export { drawProgress, progressSummary } from './progress-chart.js';
export { showFunding } from './funding.js';
export { installWorkbook } from './workbook.js';
export { showWhatIf } from './whatif.js';
export { showScenarios, splitScenario } from './scenarios.js';
export { setupEditing } from './edit/panel.js';
export { setupHistory } from './edit/history.js';
export { mountLifecycle } from './lifecycle.js';
export { mountProgress } from './progress.js';
export { mountPublish } from './publish.js';
export { installReport } from './report.js';
