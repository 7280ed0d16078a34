import { createHash } from 'node:crypto';

// DKIM's "relaxed" canonicalisation (RFC 6376, section 3.4), of header fields and of a body
// given as the parts a message is streamed in.

const CRLF = Buffer.from('\r\n');

// Most fields are the same in every copy (From, Subject, Date, List-Id…): their relaxed form is kept.
const recentFields = new Map<string, string>();

/** A header field in relaxed form, without its line end: `name:value`. */
export function relaxedHeader(field: string): string {
  const known = recentFields.get(field);
  if (known !== undefined) return known;
  const relaxed = relax(field);
  if (recentFields.size >= 256) recentFields.clear();
  recentFields.set(field, relaxed);
  return relaxed;
}

function relax(field: string): string {
  const colon = field.indexOf(':');
  const name = field
    .slice(0, colon)
    .replace(/[ \t]+$/, '')
    .toLowerCase();
  // Only SP and HTAB count as white space: other bytes (parts of UTF-8 characters) stay.
  const value = field
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
  return `${name}:${value}`;
}

/** A run of body lines in relaxed form: its bytes up to its trailing empty lines, and how many those are. */
interface CanonicalRun {
  content: Buffer;
  emptyLines: number;
}

// Whether relaxed form leaves a run as it is: no tab, no run of spaces, no space at a line's end,
// no empty line at its end. Most of what differs between copies (addresses, links) is like that.
function alreadyRelaxed(part: Buffer): boolean {
  const n = part.length;
  if (n === 0 || part[n - 1] === 0x20 || (n >= 2 && part[0] === 0x0d && part[1] === 0x0a)) return false;
  if (n >= 4 && part[n - 3] === 0x0a && part[n - 4] === 0x0d && part[n - 1] === 0x0a) return false;
  return part.indexOf(0x09) === -1 && part.indexOf('  ') === -1 && part.indexOf(' \r\n') === -1;
}

// `text` starts at the start of a line; its trailing empty lines are held back, since they count
// only when something other than empty lines follows them.
function canonicalRun(part: Buffer): CanonicalRun {
  if (alreadyRelaxed(part)) return { content: part, emptyLines: 0 };
  // Only the last run can end without a line end: its last line loses its trailing space too.
  const text = part
    .toString('latin1')
    .replace(/[ \t]+/g, ' ')
    .replace(/ \r\n/g, '\r\n')
    .replace(/ $/, '');
  let end = text.length;
  let emptyLines = 0;
  while (end >= 4 && text.startsWith('\r\n\r\n', end - 4)) {
    emptyLines++;
    end -= 2;
  }
  if (end === 2 && text.startsWith('\r\n')) {
    emptyLines++;
    end = 0;
  }
  const content = end === text.length ? text : text.slice(0, end);
  return { content: Buffer.from(content, 'latin1'), emptyLines };
}

// Large parts are the ones every copy of a message shares: their relaxed form is made once.
const CACHE_FROM_BYTES = 512;
const cache = new WeakMap<Buffer, CanonicalRun>();

function canonicalOf(part: Buffer): CanonicalRun {
  if (part.length < CACHE_FROM_BYTES) return canonicalRun(part);
  let run = cache.get(part);
  if (!run) {
    run = canonicalRun(part);
    cache.set(part, run);
  }
  return run;
}

// Parts joined so that each run ends at the end of a line: relaxed canonicalisation works line by
// line, so a run can be put in relaxed form on its own. A part that ends in the middle of a line
// is joined to the next (never the case for the parts paperboy builds, which end on CRLF).
function* lineRuns(parts: readonly Buffer[]): Generator<Buffer> {
  let pending: Buffer[] = [];
  for (const part of parts) {
    if (part.length === 0) continue;
    const endsLine = part.length >= 2 && part[part.length - 2] === 0x0d && part[part.length - 1] === 0x0a;
    if (pending.length === 0 && endsLine) {
      yield part;
      continue;
    }
    pending.push(part);
    if (endsLine) {
      yield Buffer.concat(pending);
      pending = [];
    }
  }
  if (pending.length > 0) yield Buffer.concat(pending);
}

/**
 * The SHA-256 of a body in relaxed form, base64 (`bh=`), from the parts it is sent in: runs of
 * white space become one space, white space at the end of a line and empty lines at the end of
 * the body go, and a body that does not end with a line end gets one. The parts every copy
 * shares are put in relaxed form once; each copy hashes its own bytes in full.
 */
export function relaxedBodyHash(parts: readonly Buffer[]): string {
  const hash = createHash('sha256');
  let heldEmptyLines = 0;
  let last: Buffer | undefined;
  for (const run of lineRuns(parts)) {
    const { content, emptyLines } = canonicalOf(run);
    if (content.length === 0) {
      heldEmptyLines += emptyLines;
      continue;
    }
    for (; heldEmptyLines > 0; heldEmptyLines--) hash.update(CRLF);
    hash.update(content);
    heldEmptyLines = emptyLines;
    last = content;
  }
  if (last !== undefined && !(last.length >= 2 && last[last.length - 2] === 0x0d && last[last.length - 1] === 0x0a)) hash.update(CRLF);
  return hash.digest('base64');
}
