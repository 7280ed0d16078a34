/**
 * Whom a failed delivery says something about: the recipient (their mailbox was refused), the
 * relay or the sender (this message was refused for a reason that is not the mailbox's: policy,
 * rate, content, quota; it counts against nobody), the relay as a whole (it refuses to send at
 * all: login, sender, relaying), a temporary refusal or a broken connection (try again), or doubt
 * (the relay took the whole message and never answered: it may have been delivered).
 */
export type FailureKind = 'recipient' | 'refused' | 'relay' | 'temporary' | 'connection' | 'doubt';

/** Where in the SMTP conversation a reply came: the command it answered, as nodemailer names it. */
export interface Refusal {
  /** `RCPT TO`, `DATA`, `MAIL FROM`, `AUTH …`, `CONN`, or undefined when nothing answered. */
  command: string | undefined;
  /** The reply's code, if the server gave one. */
  code: number | undefined;
  /** The reply's text, code included. */
  reply: string;
}

/** The enhanced status code (RFC 3463) that starts a reply's text, such as `5.7.1`, if it has one. */
export function enhancedCode(reply: string): string | undefined {
  return /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?![.\d])/.exec(reply.trim())?.[1];
}

// Words that name the sender or the relay, not the mailbox, as what is refused: read only where the
// enhanced code leaves it open (none, an "other" status, or a policy status that may mean relaying).
const RELAY_WORDING =
  /relay|authenticat|not (?:permitted|allowed|authori[sz]ed) to send|sender (?:address )?(?:rejected|not|unverified|verify)|unverified sender/i;

// Enhanced codes (subject.detail) that say the relay will not send for this sender at all: a bad
// sender address (X.1.7, X.1.8), a login needed or refused (X.7.8, X.7.9), a sender's domain that
// cannot take replies or fails its own policy (X.7.26, X.7.27, X.7.30).
const SENDER_CODES = new Set(['1.7', '1.8', '7.8', '7.9', '7.26', '7.27', '7.30']);

// What an RFC 3463 code says about a refusal of one recipient. Addressing (X.1) and mailbox (X.2)
// statuses are the mailbox's own, but for a message too large for it (X.2.3: the message's). The
// mail system, routing, protocol, content and policy (X.3 to X.7) are the sender's or relay's. An
// "other" status (X.0.0, X.1.0, X.7.0) says it by its words only when they name the sender or relay.
function byCode(subject: string, detail: string, reply: string): FailureKind | undefined {
  if (SENDER_CODES.has(`${subject}.${detail}`)) return 'relay';
  if (subject === '0') return undefined;
  if (detail === '0' && RELAY_WORDING.test(reply)) return 'relay';
  if (subject === '2' && detail === '3') return 'refused';
  if (mailboxStatus(subject, detail)) return 'recipient';
  return RELAY_WORDING.test(reply) ? 'relay' : 'refused';
}

// An addressing or mailbox status (X.1.x, X.2.x) that is the mailbox's own: not a sender's (X.1.7,
// X.1.8), nor a message too large for the mailbox (X.2.3).
function mailboxStatus(subject: string, detail: string): boolean {
  if (SENDER_CODES.has(`${subject}.${detail}`) || (subject === '2' && detail === '3')) return false;
  return subject === '1' || subject === '2';
}

/**
 * What a refused delivery means, decided by its stage and the enhanced status code (RFC 3463),
 * not by the words, which relays vary per message. The one place this is decided:
 * - no answer after the whole message was written: doubt; no answer at all: the connection's;
 * - a refused login, or a `5xx` to anything but a recipient or the message: the relay's (stop);
 * - a `4xx`, or a full mailbox (`5.2.2`): temporary;
 * - a `5xx` after DATA: the message's, for every recipient at once, so never one mailbox's;
 * - a `5xx` to RCPT: the recipient's only for an addressing or mailbox status (`5.1.x`, `5.2.x`);
 *   policy, rate, quota, content, routing and protocol (`5.3.x` to `5.7.x`) are the relay's or the
 *   sender's; a refused sender or login (`5.1.7`, `5.1.8`, `5.7.8`…) stops the dispatch;
 * - a `5xx` to RCPT without an enhanced code: a relay's when its words say so, else the recipient's.
 */
export function classifyRefusal(refusal: Refusal, afterMessage = false): FailureKind {
  const { command, code, reply } = refusal;
  if (afterMessage) return 'doubt';
  if (command?.startsWith('AUTH')) return 'relay';
  if (code === undefined) return 'connection';
  if (code < 500) return 'temporary';
  const [, subject = '', detail = ''] = enhancedCode(reply)?.split('.') ?? [];
  if (subject === '2' && detail === '2') return 'temporary';
  if (command === 'DATA') return 'refused';
  if (command !== 'RCPT TO') return 'relay';
  const meaning = subject === '' ? undefined : byCode(subject, detail, reply);
  if (meaning !== undefined) return meaning;
  return RELAY_WORDING.test(reply) ? 'relay' : 'recipient';
}

/**
 * Whether a failed attempt says something about the relay or the sender, and so counts toward the
 * dispatch's failure-rate breaker. A recipient's own state does not: an unknown or disabled address,
 * a full mailbox (`4.2.2`, `5.2.2`), any addressing or mailbox status (`X.1.x`, `X.2.x`) that
 * `classifyRefusal` gives to one recipient. Everything else does: policy (`5.7.x`), a temporary
 * refusal without a mailbox status, a broken connection, a refusal after DATA (the message's, for
 * everyone), a refusal without an enhanced code.
 */
export function countsAgainstRelay(failure: { kind: FailureKind; reply: string }): boolean {
  if (failure.kind !== 'recipient' && failure.kind !== 'temporary') return true;
  const [, subject = '', detail = ''] = enhancedCode(failure.reply)?.split('.') ?? [];
  return !mailboxStatus(subject, detail);
}
