export { aftermathOf, collectReport, type Aftermath, type ReportData, type ReportSources, type IssueFigures } from './collect.ts';
export { renderReport } from './page.ts';
