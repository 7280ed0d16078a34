import { sign, createHash, type KeyObject } from 'node:crypto';
import { headerFields } from '../header-fields.ts';
import { relaxedBodyHash, relaxedHeader } from './_relaxed.ts';

/** What the signing needs of a key: the algorithm, the private key and the tags naming its record. */
export interface SigningKey {
  selector: string;
  domain: string;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
  privateKey: KeyObject;
}

// The fields signed. Each is named once more than it occurs (a field that is absent, once), so a
// copy of any of them added on the way, above or below, breaks the signature: oversigning. A
// forwarder that prepends its own List-Unsubscribe or Content-Type cannot pass it off as ours.
const SIGNED = new Set([
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-id',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'feedback-id',
  'auto-submitted',
]);
const OVERSIGNED = [...SIGNED];

const HEADER_END = Buffer.from('\r\n\r\n');

/** Where the header ends: the part holding the blank line, and the offset of the body in it. */
function splitAt(parts: readonly Buffer[]): { part: number; offset: number } {
  let tail: Buffer | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Buffer;
    // The blank line may straddle two parts, only ever after a part that ends in CR or LF.
    if (tail !== undefined) {
      const seam = Buffer.concat([tail, part.subarray(0, 3)]).indexOf(HEADER_END);
      if (seam !== -1) return { part: i, offset: seam + HEADER_END.length - tail.length };
    }
    const at = part.indexOf(HEADER_END);
    if (at !== -1) return { part: i, offset: at + HEADER_END.length };
    const last = part[part.length - 1];
    tail = last === 0x0d || last === 0x0a ? Buffer.concat([tail ?? Buffer.alloc(0), part]).subarray(-3) : undefined;
  }
  return { part: parts.length, offset: 0 };
}

// The names for h= (each signed field's, then every signable name once more: oversigned) and the data
// they stand for: each named field in relaxed form, a repeated name taking its fields bottom up.
function headerToSign(text: string): { names: string[]; data: string } {
  const byName = new Map<string, string[]>();
  const names: string[] = [];
  // Each field is signed as written, folded lines and all: relaxed canonicalization unfolds it.
  for (const { name, raw } of headerFields(text)) {
    if (!SIGNED.has(name)) continue;
    names.push(name);
    const same = byName.get(name);
    if (same) same.push(raw);
    else byName.set(name, [raw]);
  }
  names.push(...OVERSIGNED);
  let data = '';
  for (const name of names) {
    const field = byName.get(name)?.pop();
    if (field !== undefined) data += `${relaxedHeader(field)}\r\n`;
  }
  return { names, data };
}

// Tags joined with "; ", folded at 76 columns; the names in h= and the signature fold at their own
// boundaries, where DKIM allows folding white space.
function fold(words: { text: string; glue: string }[]): string {
  let out = 'DKIM-Signature:';
  let column = out.length;
  for (const { text, glue } of words) {
    if (column + glue.length + text.length > 76) {
      out += `\r\n ${text}`;
      column = 1 + text.length;
    } else {
      out += glue + text;
      column += glue.length + text.length;
    }
  }
  return out;
}

function signatureField(key: SigningKey, names: string[], bodyHash: string, time: number): string {
  const words: { text: string; glue: string }[] = [
    ...['v=1;', `a=${key.algorithm};`, 'c=relaxed/relaxed;', `d=${key.domain};`, `s=${key.selector};`, `t=${time};`].map((text) => ({
      text,
      glue: ' ',
    })),
    ...names.map((name, i) => ({ text: `${i === 0 ? 'h=' : ''}${name}${i === names.length - 1 ? ';' : ':'}`, glue: i === 0 ? ' ' : '' })),
    { text: `bh=${bodyHash};`, glue: ' ' },
    { text: 'b=', glue: ' ' },
  ];
  return fold(words);
}

// The signature's base64, folded in lines of 72 characters after the `b=` that ends the field.
function withSignature(field: string, signature: Buffer): string {
  const b64 = signature.toString('base64');
  const lastLine = field.length - field.lastIndexOf('\n');
  const first = Math.max(8, 76 - lastLine);
  const lines = [b64.slice(0, first)];
  for (let i = first; i < b64.length; i += 72) lines.push(b64.slice(i, i + 72));
  return `${field}${lines.join('\r\n ')}\r\n`;
}

function signatureOf(key: SigningKey, data: Buffer): Buffer {
  // RFC 8463: Ed25519 signs the SHA-256 of the data.
  if (key.algorithm === 'ed25519-sha256') return sign(null, createHash('sha256').update(data).digest(), key.privateKey);
  return sign('sha256', data, key.privateKey);
}

/**
 * The DKIM-Signature fields of a message given as its parts, one per key, in order, each ending
 * in CRLF: relaxed/relaxed, SHA-256, the list's fields signed and oversigned.
 * `time` is the `t=` tag, in seconds. Synchronous: it runs on the signing thread.
 */
export function signatureFields(keys: readonly SigningKey[], parts: readonly Buffer[], time: number): string {
  const { part, offset } = splitAt(parts);
  const head = parts.slice(0, part);
  const split = parts[part];
  if (split !== undefined) head.push(split.subarray(0, offset));
  const body = split === undefined ? [] : [split.subarray(offset), ...parts.slice(part + 1)];
  const header = headerToSign(Buffer.concat(head).toString('latin1'));
  const bodyHash = relaxedBodyHash(body);
  let fields = '';
  for (const key of keys) {
    const field = signatureField(key, header.names, bodyHash, time);
    fields += withSignature(field, signatureOf(key, Buffer.from(header.data + relaxedHeader(field), 'latin1')));
  }
  return fields;
}
