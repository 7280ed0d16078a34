export { collectReport, type ReportData, type ReportSources, type IssueFigures } from './collect.ts';
export { REPORT_POLICY, renderReport } from './page.ts';
