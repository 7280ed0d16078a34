export { publishNewest, refreshSite, mail } from './daily.ts';
export { publishWeek, weekOf, gatherWeek } from './weekly.ts';
export { lateness, type PublishContext } from './context.ts';
export { notifyHub } from './websub.ts';
