import type { startReceiver as start } from './receiver.ts';

export type { Receiver, ReceiverOptions } from './receiver.ts';
export { forgetSetAside, spoolCounts, spoolDir } from './spool.ts';
export { networkOf, INBOUND_LIMITS, INBOUND_SIZE_LIMIT, type InboundLimits } from './limits.ts';
export type { FeedbackReport, ReportedMessage } from './arf.ts';
export type { InboundOutcome, InboundPlan } from './handle.ts';

/**
 * Starts the SMTP receiver (see receiver.ts). Its SMTP server and mail parser are loaded here, when
 * a receiver starts: every other command (an import, a dispatch) goes without them.
 */
export async function startReceiver(...args: Parameters<typeof start>): ReturnType<typeof start> {
  return (await import('./receiver.ts')).startReceiver(...args);
}
