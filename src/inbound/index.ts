export { startReceiver, INBOUND_SIZE_LIMIT, type Receiver, type ReceiverOptions } from './receiver.ts';
export { forgetSetAside, spoolCounts, spoolDir } from './spool.ts';
export { networkOf, INBOUND_LIMITS, type InboundLimits } from './limits.ts';
export type { FeedbackReport, ReportedMessage } from './arf.ts';
export type { InboundOutcome, InboundPlan } from './handle.ts';
