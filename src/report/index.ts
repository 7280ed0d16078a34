export { collectReport, type ReportData, type ReportSources, type IssueFigures } from './collect.ts';
export { renderReport } from './page.ts';
