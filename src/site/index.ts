export { createBuilder, type Builder, type BuildSettings, type BuildOptions, type BuildReport, type IssueReport } from './builder.ts';
export { earlierIssues, emailDigest, type IssueToSend } from './issue.ts';
export { writeFileAtomic } from './_write.ts';
