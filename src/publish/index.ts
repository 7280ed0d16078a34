export { publishNewest, refreshSite, mail } from './daily.ts';
export { publishWeek, composeWeek } from './weekly.ts';
export { runWorker, issueOfRound, type WorkerTotals } from './worker.ts';
export { lateness, type PublishContext } from './context.ts';
export { decidePublication, recordWithheld, recordMailed, type Verdict } from './decision.ts';
export {
  dispatchByHand,
  dryRunDispatch,
  issueToDispatch,
  type ByHand,
  type ByHandContext,
  type ByHandOptions,
  type DryRun,
} from './by-hand.ts';
