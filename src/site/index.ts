export { createBuilder, type Builder, type BuildSettings, type BuildOptions, type BuildReport, type IssueReport } from './builder.ts';
export type { IssueToSend } from './issue.ts';
