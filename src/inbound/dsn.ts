import type { ParsedMail } from 'mailparser';
import { firstFields } from '../header-fields.ts';

/** What a delivery status notification says about one recipient. */
export interface RecipientStatus {
  /** The addresses it names: Final-Recipient and Original-Recipient, in lower case. */
  addresses: string[];
  /** `failed`, `delayed`, `delivered`, `relayed` or `expanded`. */
  action: string;
  /** The status code, such as `5.1.1`. */
  status: string;
}

// The fields of the message/delivery-status part, one block per recipient (RFC 3464, section 2).
function recipientBlocks(text: string): RecipientStatus[] {
  const blocks: RecipientStatus[] = [];
  for (const block of text.replace(/\r\n/g, '\n').split(/\n\s*\n/)) {
    const fields = firstFields(block);
    const action = fields.get('action')?.toLowerCase().split(/\s/)[0];
    const status = /^([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(fields.get('status') ?? '');
    if (!action || !status) continue;
    const addresses = [fields.get('final-recipient'), fields.get('original-recipient')]
      .map((value) =>
        value
          ?.replace(/^[^;]*;\s*/, '')
          .replace(/^<|>$/g, '')
          .trim()
          .toLowerCase(),
      )
      .filter((value): value is string => value !== undefined && value !== '');
    blocks.push({ addresses, action, status: `${status[1]}.${status[2]}.${status[3]}` });
  }
  return blocks;
}

/**
 * Reads an RFC 3464 delivery status notification (`multipart/report; report-type=delivery-status`):
 * one entry per recipient it reports on. Anything that is not a well-formed report gives undefined.
 */
export function readDsn(message: ParsedMail): RecipientStatus[] | undefined {
  const type = message.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type?.value?.toLowerCase() !== 'multipart/report' || type.params?.['report-type']?.toLowerCase() !== 'delivery-status')
    return undefined;
  // mailparser gives the message/delivery-status part as an attachment or, as it does by default,
  // folds it into the text after the human-readable part: its fields are read from either.
  const part = message.attachments.find((a) => a.contentType.toLowerCase() === 'message/delivery-status');
  const blocks = recipientBlocks(part ? part.content.toString('utf8') : (message.text ?? ''));
  return blocks.length > 0 ? blocks : undefined;
}

/**
 * The subjects that auto-responders and help desks write, matched at the start (after any `Re:`):
 * the one list of them, by language, for the replies that come without RFC 3834 headers.
 */
const AUTOMATIC_SUBJECTS: readonly string[] = [
  'auto(?:matic)?[- ]?(?:reply|respon(?:se|der)|answer)',
  'autoreply',
  'auto:', // English
  'out[- ]of[- ](?:the[- ])?office',
  'ooo\\s*[:：-]',
  'away\\b',
  'vacation',
  'on leave',
  'absence',
  'automatische antwort',
  'auto-?antwort',
  'abwesenheit', // German (Abwesenheitsnotiz)
  'r[ée]ponse automatique',
  'absence du bureau', // French
  'respuesta autom[áa]tica',
  'fuera de la oficina', // Spanish
  'risposta automatica',
  'fuori sede', // Italian
  'resposta autom[áa]tica',
  'fora do escrit[óo]rio', // Portuguese
  'automatisch antwoord',
  'afwezig', // Dutch
  'automatisk(?:t)? svar',
  'autosvar',
  'automaattinen vastaus', // Danish, Norwegian, Swedish, Finnish
  'odpowied[źz] automatyczna',
  'automatyczna odpowied[źz]',
  'automatick[áa] odpov[ěe][ďd]', // Polish, Czech
  'automatikus v[áa]lasz',
  'r[ăa]spuns automat', // Hungarian, Romanian
  'otomatik yan[ıi]t',
  '[αά]υτόματη απάντηση',
  'автоматический ответ',
  'автовідповідь', // Turkish, Greek, Russian, Ukrainian
  '自动回复',
  '自动答复',
  '自動回覆',
  '自動返信',
  '自動応答',
  '자동 ?(?:회신|응답)', // Chinese, Japanese, Korean
  '\\[?(?:ticket|case|request|incident)\\s*(?:#|no\\.?|id)\\s*\\w+', // help desks
  'we (?:have )?received your',
  'thank you for (?:contacting|your (?:email|message))',
  'your (?:request|message|ticket) (?:has been|was) (?:received|created)',
];
// A program may put its words in brackets: `[Auto-Reply] Re: …`.
const AUTOMATIC_SUBJECT = new RegExp(`^\\[?\\s*(?:${AUTOMATIC_SUBJECTS.join('|')})`, 'iu');

// What mail programs put before a reply's subject, in the languages they most often write it in.
const REPLY_PREFIX = /^(?:(?:re|aw|sv|antwort|antw?|r|rif|odp|vs|ynt|atb|отв|回复|答复|返信)\s*[:：]\s*)+/iu;

/**
 * Whether a message was written by a program rather than a person: an out-of-office or vacation
 * reply, a help desk's acknowledgement, a list or bulk message (by their headers, RFC 3834, and
 * by the subjects such programs write).
 */
export function isAutoReply(message: ParsedMail, envelopeFrom: string): boolean {
  const header = (name: string) => String(message.headers.get(name) ?? '').toLowerCase();
  if (envelopeFrom === '') return true;
  const autoSubmitted = header('auto-submitted');
  if (autoSubmitted !== '' && autoSubmitted !== 'no') return true;
  for (const name of message.headers.keys()) {
    if (
      /^x-(?:auto-?reply|autorespond|autogenerated|auto-?response|mail-autoreply|autoreply-from|zendesk|freshdesk|helpscout|ticket|otrs|rt-|jira)/i.test(
        name,
      )
    )
      return true;
  }
  if (['auto_reply', 'bulk', 'junk', 'list'].includes(header('precedence'))) return true;
  if (message.headers.has('list-id') || message.headers.has('list-unsubscribe')) return true;
  return AUTOMATIC_SUBJECT.test((message.subject ?? '').normalize('NFC').trim().replace(REPLY_PREFIX, ''));
}
