export { startReceiver, INBOUND_SIZE_LIMIT, type Receiver } from './receiver.ts';
export { mailboxOf, isListDomain, type Mailbox } from './addresses.ts';
export type { InboundOutcome, InboundPlan } from './handle.ts';
