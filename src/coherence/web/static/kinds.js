// The Framework's element kinds as the page draws them: label, colours, level (row).
// Level 0 is the top of the page (the mission and the other foundations); budget lines
// are at the bottom.

export const KINDS = {
  mission: { label: 'Mission', plural: 'Mission', level: 0, fill: '#1e3a5f', text: '#ffffff', title: 'text' },
  vision: { label: 'Vision', plural: 'Vision', level: 0, fill: '#dbe4f0', text: '#1e3a5f', title: 'text' },
  theory_of_action: { label: 'Theory of action', plural: 'Theory of action', level: 0, fill: '#dbe4f0', text: '#1e3a5f', title: 'text' },
  core_value: { label: 'Core value', plural: 'Core values', level: 0, fill: '#dbe4f0', text: '#1e3a5f', title: 'name' },
  objective: { label: 'Objective', plural: 'Objectives', level: 1, fill: '#2563eb', text: '#ffffff', title: 'title' },
  initiative: { label: 'Initiative', plural: 'Initiatives', level: 2, fill: '#7c3aed', text: '#ffffff', title: 'title' },
  outcome: { label: 'Outcome', plural: 'Outcomes', level: 2, fill: '#0f766e', text: '#ffffff', title: 'statement' },
  data_finding: { label: 'Data finding', plural: 'Data findings', level: 2, fill: '#eadfca', text: '#3f3522', title: 'statement' },
  benchmark: { label: 'Benchmark', plural: 'Benchmarks', level: 3, fill: '#e5e7eb', text: '#1f2937', title: 'description' },
  professional_learning: { label: 'Professional learning', plural: 'Professional learning', level: 4, fill: '#4d7c0f', text: '#ffffff', title: 'title' },
  school_plan: { label: 'School plan', plural: 'School plans', level: 4, fill: '#475569', text: '#ffffff', title: 'school' },
  educator_goal: { label: 'Educator goal', plural: 'Educator goals', level: 4, fill: '#9a3412', text: '#ffffff', title: 'educator' },
  budget_line: { label: 'Budget line', plural: 'Budget lines', level: 5, fill: '#15803d', text: '#ffffff', title: 'description' },
};

export const KIND_ORDER = Object.keys(KINDS);

export const SEVERITY = {
  error: { label: 'Error', plural: 'errors', color: '#dc2626' },
  warning: { label: 'Warning', plural: 'warnings', color: '#e8890c' },
  info: { label: 'Info', plural: 'info', color: '#0284c7' },
};

// How a stored field reads for a person (the graph stores an element's own
// "kind" field as "subkind").
export const FIELD_LABELS = {
  subkind: 'Type',
  text: 'Text',
  name: 'Name',
  description: 'Description',
  statement: 'Statement',
  subject: 'Subject',
  student_group: 'Student group',
  source: 'Source',
  title: 'Title',
  owner: 'Owner',
  start: 'Start',
  end: 'End',
  metric: 'Metric',
  baseline: 'Baseline',
  target: 'Target',
  unit: 'Unit',
  due: 'Due',
  results: 'Results',
  audience: 'Audience',
  school_year: 'School year',
  status: 'Status',
  fiscal_year: 'Fiscal year',
  fund: 'Fund',
  account: 'Account',
  amount: 'Amount',
  school: 'School',
  educator: 'Educator',
};

export const EDGE_VERBS = {
  informs: 'informs',
  supports: 'supports',
  measures: 'measures',
  enables: 'enables',
  tracks: 'tracks',
  funds: 'funds',
  aligns_to: 'aligns to',
  advances: 'advances',
};

export function kindOf(kind) {
  return KINDS[kind] || { label: kind, plural: kind, level: 3, fill: '#e5e7eb', text: '#111827', title: null };
}

export function titleOf(data) {
  const spec = kindOf(data.kind);
  const value = spec.title ? data[spec.title] : null;
  return typeof value === 'string' && value.trim() ? value.trim() : '';
}

export function humanize(text) {
  return String(text).replaceAll('_', ' ');
}

export function ruleLabel(rule) {
  const text = String(rule).replaceAll('-', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
