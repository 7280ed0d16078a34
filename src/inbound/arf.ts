// Feedback-loop reports (ARF, RFC 5965) are read from the raw message: a MIME parser that folds an
// attached message into the text, as mailparser does, loses the headers that say whose it was.

import { firstFields } from '../header-fields.ts';

/** The reported message, as far as the report shows it: what names its recipient. */
export interface ReportedMessage {
  returnPath: string | undefined;
  messageId: string | undefined;
  listUnsubscribe: string | undefined;
}

/** What a feedback report (`multipart/report; report-type=feedback-report`) says. */
export interface FeedbackReport {
  /** `abuse`, `fraud`, `virus`, `other`, `not-spam`, `auth-failure`…, in lower case. */
  feedbackType: string;
  /** The return path the reported message was sent with (Original-Mail-From). */
  originalMailFrom: string | undefined;
  /** The message itself (message/rfc822) or its header (text/rfc822-headers), when attached. */
  original: ReportedMessage | undefined;
}

interface Part {
  header: string;
  body: string;
}

function split(text: string): Part {
  const m = /\r?\n\r?\n/.exec(text);
  return m ? { header: text.slice(0, m.index), body: text.slice(m.index + m[0].length) } : { header: text, body: '' };
}

// A parameter of a Content-Type value, quoted or not.
function parameter(value: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m?.[1] ?? m?.[2];
}

function typeOf(part: Part): string {
  return (firstFields(part.header).get('content-type') ?? 'text/plain').split(';')[0]?.trim().toLowerCase() ?? '';
}

// A part's body as written before its transfer encoding (base64, quoted-printable, or none).
function decoded(part: Part): string {
  const encoding = firstFields(part.header).get('content-transfer-encoding')?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  if (encoding === 'quoted-printable')
    return part.body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return part.body;
}

function partsOf(body: string, boundary: string): Part[] {
  const delimiter = `--${boundary}`;
  const parts: Part[] = [];
  const lines = body.split(/\r?\n/);
  let current: string[] | undefined;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) parts.push(split(current.join('\r\n')));
      if (trimmed !== delimiter) return parts;
      current = [];
    } else current?.push(line);
  }
  if (current) parts.push(split(current.join('\r\n')));
  return parts;
}

const address = (value: string | undefined) => value?.replace(/^[^<]*<([^>]*)>.*$/, '$1').trim() || undefined;

/**
 * Reads a feedback-loop report: the kind of feedback, the original return path, and the reported
 * message's Return-Path, Message-ID and List-Unsubscribe. Anything that is not such a report
 * (another kind of report, a plain message) gives undefined.
 */
export function readFeedbackReport(raw: Buffer): FeedbackReport | undefined {
  const top = split(raw.toString('latin1'));
  const type = firstFields(top.header).get('content-type') ?? '';
  if (!/^\s*multipart\/report\s*(;|$)/i.test(type) || parameter(type, 'report-type')?.toLowerCase() !== 'feedback-report') return undefined;
  const boundary = parameter(type, 'boundary');
  if (boundary === undefined) return undefined;
  const parts = partsOf(top.body, boundary);
  const feedback = parts.find((part) => typeOf(part) === 'message/feedback-report');
  if (!feedback) return undefined;
  const fields = firstFields(decoded(feedback));
  const attached = parts.find((part) => ['message/rfc822', 'text/rfc822-headers', 'message/rfc822-headers'].includes(typeOf(part)));
  const originalFields = attached && firstFields(split(decoded(attached)).header);
  return {
    feedbackType: (fields.get('feedback-type') ?? '').toLowerCase(),
    originalMailFrom: address(fields.get('original-mail-from')),
    original: originalFields && {
      returnPath: address(originalFields.get('return-path')),
      messageId: address(originalFields.get('message-id')),
      listUnsubscribe: originalFields.get('list-unsubscribe'),
    },
  };
}
