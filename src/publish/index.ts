export { publishNewest, refreshSite, mail } from './daily.ts';
export { publishWeek } from './weekly.ts';
export { lateness, type PublishContext } from './context.ts';
export { decidePublication, recordWithheld, recordMailed, type Verdict } from './decision.ts';
