import { createHash } from 'node:crypto';
import { encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { escapeHtml, type Piece, type Placeholder } from '../render/index.ts';

/** What differs from one subscriber to the next. */
export interface Personal {
  /** The recipient's address. */
  to: string;
  messageId: string;
  unsubscribeUrl: string;
  unsubscribeMailto: string;
  preferencesUrl: string;
}

/** Headers every copy of an issue shares. */
export interface CommonHeaders {
  from: string;
  subject: string;
  date: Date;
  listId: string;
  /** `issue:list:sender`, for the feedback loops of mailbox providers (Gmail's Feedback-ID). */
  feedbackId?: string | undefined;
}

type Slot =
  | 'to'
  | 'messageId'
  | 'unsubscribeUrl'
  | 'unsubscribeMailto'
  | 'preferencesUrl'
  | 'toText'
  | 'toHtml'
  | 'unsubscribeText'
  | 'unsubscribeHtml'
  | 'preferencesText'
  | 'preferencesHtml';

/**
 * A message built once per issue and variant, MIME and all, as fixed byte segments with slots
 * between them; `personalize` fills the slots for one subscriber by plain concatenation.
 */
export interface MessageTemplate {
  segments: (Buffer | Slot)[];
}

const CRLF = '\r\n';
// A soft line break: quoted-printable decoders join the lines around it without adding anything.
const SOFT_BREAK = `=${CRLF}`;

// A dot that starts a line, with what comes before it.
const LEADING_DOT = /(^|\r\n)\./g;

// No line starts with a dot: its dot is sent encoded (`=2E`, then a soft break). Such a line (a
// style sheet's `.class {…}`) would otherwise be dot-stuffed on the way out, and the SMTP client
// stuffs it by copying the whole chunk it is in: a template's buffers, copied for every copy sent.
function withoutLeadingDots(encoded: string): string {
  for (let text = encoded; ; ) {
    const next = text.replace(LEADING_DOT, `$1=2E${SOFT_BREAK}`);
    if (next === text) return text;
    text = next;
  }
}

function qp(text: string): string {
  const encoded = qpWrap(qpEncode(text.replace(/\r?\n/g, CRLF)), 76);
  return withoutLeadingDots(encoded.endsWith(CRLF) || encoded === '' ? encoded : encoded + SOFT_BREAK);
}

// A body's pieces as MIME segments: each piece of text is encoded on its own and ends on a line
// boundary, so a slot's value, encoded the same way, can stand between any two. Only the
// template's own placeholders are slots; text that merely looks like one is text.
function bodySegments(pieces: readonly Piece[], slots: Record<Placeholder, Slot>): (Buffer | Slot)[] {
  const segments: (Buffer | Slot)[] = [];
  pieces.forEach((piece, i) => {
    if (typeof piece !== 'string') segments.push(slots[piece.placeholder]);
    else if (i === pieces.length - 1) segments.push(Buffer.from(`${qp(piece).replace(/=\r\n$/, '')}${CRLF}`));
    else segments.push(Buffer.from(qp(piece)));
  });
  return segments;
}

function header(name: string, value: string): string {
  return `${foldLines(`${name}: ${value}`, 76)}${CRLF}`;
}

/** The two parts of an email as pieces of text and slots. */
export interface BodyPieces {
  text: readonly Piece[];
  html: readonly Piece[];
}

/** Builds the MIME message of one variant: multipart/alternative, the text part first. */
export function buildMessageTemplate(common: CommonHeaders, body: BodyPieces): MessageTemplate {
  const hash = createHash('sha256');
  for (const piece of [...body.text, ...body.html]) hash.update(typeof piece === 'string' ? piece : `\0${piece.placeholder}\0`);
  const boundary = `pb-${hash.digest('hex').slice(0, 24)}`;
  const segments: (Buffer | Slot)[] = [
    Buffer.from(`${header('From', common.from)}To: `),
    'to',
    Buffer.from(
      CRLF +
        header('Subject', encodeWords(common.subject, 'Q', 52)) +
        header('Date', common.date.toUTCString().replace('GMT', '+0000')) +
        'Message-ID: <',
    ),
    'messageId',
    Buffer.from(
      `>${CRLF}${header('List-Id', common.listId)}${common.feedbackId ? header('Feedback-ID', common.feedbackId) : ''}List-Unsubscribe: <`,
    ),
    'unsubscribeUrl',
    Buffer.from('>,\r\n <mailto:'),
    'unsubscribeMailto',
    Buffer.from(
      `>${CRLF}List-Unsubscribe-Post: List-Unsubscribe=One-Click${CRLF}MIME-Version: 1.0${CRLF}` +
        `Content-Type: multipart/alternative; boundary="${boundary}"${CRLF}${CRLF}` +
        `--${boundary}${CRLF}Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
    ),
    ...bodySegments(body.text, { recipient: 'toText', unsubscribeUrl: 'unsubscribeText', preferencesUrl: 'preferencesText' }),
    Buffer.from(
      `--${boundary}${CRLF}Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
    ),
    ...bodySegments(body.html, { recipient: 'toHtml', unsubscribeUrl: 'unsubscribeHtml', preferencesUrl: 'preferencesHtml' }),
    Buffer.from(`--${boundary}--${CRLF}`),
  ];
  return { segments };
}

/**
 * The message for one subscriber, as its parts in order: the template's own buffers (shared by
 * every copy, never copied) with this subscriber's values between them.
 */
export function personalize(template: MessageTemplate, personal: Personal): Buffer[] {
  const values: Record<Slot, string> = {
    to: personal.to,
    messageId: personal.messageId,
    unsubscribeUrl: personal.unsubscribeUrl,
    unsubscribeMailto: personal.unsubscribeMailto,
    preferencesUrl: personal.preferencesUrl,
    toText: qp(personal.to),
    toHtml: qp(escapeHtml(personal.to)),
    unsubscribeText: qp(personal.unsubscribeUrl),
    unsubscribeHtml: qp(escapeHtml(personal.unsubscribeUrl)),
    preferencesText: qp(personal.preferencesUrl),
    preferencesHtml: qp(escapeHtml(personal.preferencesUrl)),
  };
  return template.segments.map((s) => (typeof s === 'string' ? Buffer.from(values[s]) : s));
}
