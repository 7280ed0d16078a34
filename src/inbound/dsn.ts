import type { ParsedMail } from 'mailparser';

/** What a delivery status notification says about the failed delivery: its class, status and action. */
export interface DeliveryStatus {
  permanent: boolean;
  status: string;
  action: string;
}

/**
 * Reads an RFC 3464 delivery status notification (`multipart/report; report-type=delivery-status`):
 * the first recipient's Action and Status. Anything that is not a well-formed report gives undefined.
 */
export function readDsn(message: ParsedMail): DeliveryStatus | undefined {
  const type = message.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type?.value?.toLowerCase() !== 'multipart/report' || type.params?.['report-type']?.toLowerCase() !== 'delivery-status') return undefined;
  // mailparser gives the message/delivery-status part as an attachment or, as it does by default,
  // folds it into the text after the human-readable part: its fields are read from either.
  const part = message.attachments.find((a) => a.contentType.toLowerCase() === 'message/delivery-status');
  const text = part ? part.content.toString('utf8') : (message.text ?? '');
  const status = /^Status:\s*([245])\.(\d{1,3})\.(\d{1,3})\b/im.exec(text);
  const action = /^Action:\s*(failed|delayed|delivered|relayed|expanded)\b/im.exec(text);
  if (!status || !action) return undefined;
  const code = `${status[1]}.${status[2]}.${status[3]}`;
  return { permanent: status[1] === '5' && action[1]?.toLowerCase() === 'failed', status: code, action: action[1]?.toLowerCase() ?? '' };
}

/** Whether a message is an automatic reply (out of office, vacation, auto-responder). */
export function isAutoReply(message: ParsedMail): boolean {
  const header = (name: string) => String(message.headers.get(name) ?? '').toLowerCase();
  const autoSubmitted = header('auto-submitted');
  if (autoSubmitted !== '' && autoSubmitted !== 'no') return true;
  if (message.headers.has('x-autoreply') || message.headers.has('x-autorespond') || message.headers.has('x-auto-response-suppress')) return true;
  if (['auto_reply', 'bulk', 'junk', 'list'].includes(header('precedence'))) return true;
  return /^(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|away|vacation)\b/i.test(message.subject ?? '');
}
