import { commandHint, type Invocation } from '../hints.ts';

/** The complaint rate above which Gmail, Yahoo and Outlook.com start refusing a sender's mail. */
export const COMPLAINT_RATE_LIMIT = 0.001;

/** The complaint rate a sender must never reach: past it, Gmail may refuse its mail outright. */
export const COMPLAINT_RATE_CEILING = 0.003;

/** How many of the last dispatches' messages were reported as spam. */
export interface ComplaintRate {
  /** Complaints about those dispatches' messages. */
  complaints: number;
  /** Messages those dispatches sent. */
  sent: number;
  dispatches: number;
  /** complaints / sent, or null when nothing was sent. */
  rate: number | null;
  /** Whether the rate is above the providers' limit. */
  tooHigh: boolean;
}

/**
 * The complaint rate of recent dispatches: the complaints counted for their messages (each for the
 * last message sent to its reader before it, as the ledger counts them), over the messages they sent.
 */
export function complaintRate(rounds: readonly { sent: number; complained: number }[]): ComplaintRate {
  const complaints = rounds.reduce((sum, r) => sum + r.complained, 0);
  const sent = rounds.reduce((sum, r) => sum + r.sent, 0);
  const rate = sent > 0 ? complaints / sent : null;
  return { complaints, sent, dispatches: rounds.length, rate, tooHigh: rate !== null && rate > COMPLAINT_RATE_LIMIT };
}

/** A rate as people read it: `0.05%`. */
function percent(rate: number): string {
  const value = rate * 100;
  return `${Number(value.toPrecision(value >= 1 ? 3 : 2))}%`;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One line for `status`: the rate, over what, and against the limit. */
export function describeComplaints(c: ComplaintRate): string {
  if (c.rate === null) return 'no messages sent yet';
  const over =
    `${count(c.complaints, 'complaint', 'complaints')} for the ${count(c.sent, 'message', 'messages')} ` +
    `of the last ${count(c.dispatches, 'dispatch', 'dispatches')}`;
  return `${percent(c.rate)} (${over}; ${c.tooHigh ? 'ABOVE' : 'under'} the ${percent(COMPLAINT_RATE_LIMIT)} limit)`;
}

/** What `status` says needs attention when the rate is too high, or undefined. */
export function complaintWarning(c: ComplaintRate, invocation: Invocation): string | undefined {
  if (!c.tooHigh || c.rate === null) return undefined;
  return (
    `the spam-complaint rate is ${describeComplaints(c).replace(/; ABOVE .*\)$/, ')')}, ` +
    `above the ${percent(COMPLAINT_RATE_LIMIT)} Gmail, Yahoo and Outlook.com tolerate before refusing the list's mail: ` +
    'mail only people who confirmed, ' +
    `and see how the complainers came in (${commandHint(invocation, 'subscribers list --status unsubscribed')})`
  );
}
