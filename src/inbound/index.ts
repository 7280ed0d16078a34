export { startReceiver, INBOUND_SIZE_LIMIT, type Receiver, type ReceiverOptions } from './receiver.ts';
export { readFeedbackReport, type FeedbackReport, type ReportedMessage } from './arf.ts';
export { mailboxOf, isListDomain, type Mailbox } from './addresses.ts';
export type { InboundOutcome, InboundPlan } from './handle.ts';
