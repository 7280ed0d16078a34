export { publishNewest, refreshSite, mail } from './daily.ts';
export { publishWeek } from './weekly.ts';
export { lateness, type PublishContext } from './context.ts';
