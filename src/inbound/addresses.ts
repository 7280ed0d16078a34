import type { Sender } from '../config.ts';

/** What a message to one of the list's own addresses asks for. */
export type Mailbox =
  | { kind: 'request'; subaddress: 'subscribe' | 'unsubscribe' | undefined }
  | { kind: 'confirm'; token: string }
  | { kind: 'unsubscribe'; token: string }
  | { kind: 'bounce'; token: string }
  | { kind: 'feedback' };

/**
 * Which of the list's addresses a recipient is, or undefined for any other address: the list's own
 * (`papers@domain`), `papers+subscribe@`, `papers+unsubscribe@`, `papers+fbl@` (feedback-loop
 * reports), and the token-carrying
 * `papers+confirm-<token>@`, `papers+unsubscribe-<token>@`, `papers+bounce-<token>@`.
 */
export function mailboxOf(recipient: string, sender: Sender): Mailbox | undefined {
  const { local, domain } = sender;
  const at = recipient.lastIndexOf('@');
  if (at === -1 || recipient.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return undefined;
  const name = recipient.slice(0, at).toLowerCase();
  const base = local.toLowerCase();
  if (name === base) return { kind: 'request', subaddress: undefined };
  if (!name.startsWith(`${base}+`)) return undefined;
  const tag = name.slice(base.length + 1);
  if (tag === 'subscribe' || tag === 'unsubscribe') return { kind: 'request', subaddress: tag };
  if (tag === 'fbl') return { kind: 'feedback' };
  const m = /^(confirm|unsubscribe|bounce)-([a-z0-9-]+)$/.exec(tag);
  if (!m) return undefined;
  return { kind: m[1] as 'confirm' | 'unsubscribe' | 'bounce', token: m[2] as string };
}

/** Whether a recipient's domain is the list's: any other is refused as relaying. */
export function isListDomain(recipient: string, sender: Sender): boolean {
  return recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase() === sender.domain.toLowerCase();
}
