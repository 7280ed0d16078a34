import type { Note } from './model.ts';

/** A table row as the author meant it: physical lines wrapped back together. */
export interface LogicalRow {
  line: number;
  text: string;
}

/** The pieces of a digest file before any cell is interpreted. */
export interface RawDigest {
  heading?: { line: number; date: string };
  header?: { line: number; cells: string[] };
  rows: LogicalRow[];
}

const HEADING = /^\s{0,3}#{1,6}\s*Papers\s+for\b(.*)$/i;
const SEPARATOR = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;

// The text after "Papers for", without the closing #s an ATX heading may carry.
function headingDate(rest: string): string {
  let end = rest.trimEnd().length;
  while (end > 0 && rest[end - 1] === '#') end--;
  return rest.slice(0, end).trim();
}

/** Splits a table line into cells on unescaped `|`; `\|` becomes a literal pipe. */
export function splitCells(row: string): string[] {
  let body = row.trim();
  if (body.startsWith('|')) body = body.slice(1);
  if (body.endsWith('|') && !body.endsWith('\\|')) body = body.slice(0, -1);
  return body.split(/(?<!\\)\|/).map((cell) => cell.replaceAll('\\|', '|'));
}

// The unescaped pipes of a piece of a row.
function pipesIn(text: string): number {
  return text.match(/(?<!\\)\|/g)?.length ?? 0;
}

// Whether a row (which starts with "|") is complete: it ends with an unescaped pipe and has the
// header's cells. Counted as the row grows, so a row wrapped over many lines stays linear.
function closesRow(row: GrowingRow, columns: number): boolean {
  const trimmed = row.tail.trimEnd();
  return trimmed.endsWith('|') && !trimmed.endsWith('\\|') && row.pipes - 1 >= columns;
}

// Whether the text, after `appended`, stops inside a link target (a URL broken by a newline).
function targetOpenAfter(wasOpen: boolean, appended: string): boolean {
  const open = appended.lastIndexOf('](');
  if (open !== -1) return !/[)\s]/.test(appended.slice(open + 2));
  return wasOpen && !/[)\s]/.test(appended);
}

/** A row being read: its text, and what is known of it so far. */
interface GrowingRow extends LogicalRow {
  last: number;
  /** The last physical line added, and the unescaped pipes so far. */
  tail: string;
  pipes: number;
  /** Whether the text stops inside a link target. */
  inTarget: boolean;
}

/** Finds the heading, the header and the rows of a digest, noting what it had to guess. */
export function readRawDigest(text: string, warnings: Note[], errors: Note[]): RawDigest {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const raw: RawDigest = { rows: [] };
  let state: 'heading' | 'header' | 'separator' | 'rows' = 'heading';
  let current: GrowingRow | undefined;
  let gap = false;
  let ignoring = false;

  const finish = () => {
    if (current) raw.rows.push({ line: current.line, text: current.text });
    current = undefined;
  };

  lines.forEach((line, index) => {
    const n = index + 1;
    const heading = HEADING.exec(line);
    if (heading) {
      if (raw.heading) {
        errors.push({ line: n, message: `a second "Papers for" heading (the first is at line ${raw.heading.line}): one digest per file` });
      } else {
        raw.heading = { line: n, date: headingDate(heading[1] ?? '') };
      }
      finish();
      state = 'header';
      return;
    }
    const isTableLine = line.trimStart().startsWith('|');
    const isBlank = line.trim() === '';
    if (state === 'heading') return;
    if (state === 'header') {
      if (isTableLine) {
        raw.header = { line: n, cells: splitCells(line).map((c) => c.trim()) };
        state = 'separator';
      } else if (!isBlank) {
        warnings.push({ line: n, message: 'text between the heading and the table ignored' });
      }
      return;
    }
    if (state === 'separator') {
      state = 'rows';
      if (SEPARATOR.test(line)) return;
      warnings.push({ line: n, message: 'no separator line under the table header' });
    }
    const columns = raw.header?.cells.length ?? 0;
    if (isTableLine) {
      finish();
      if (gap) warnings.push({ line: n, message: 'the table goes on after a break; row read as part of it' });
      gap = ignoring = false;
      const text = line.trim();
      current = { line: n, last: n, text, tail: text, pipes: pipesIn(text), inTarget: targetOpenAfter(false, text) };
    } else if (isBlank) {
      finish();
      gap = true;
    } else if (current && !closesRow(current, columns)) {
      const joinedUrl = current.inTarget;
      if (joinedUrl) warnings.push({ line: n, message: `a URL broken across lines ${current.last}-${n}; joined` });
      const appended = (joinedUrl ? '' : ' ') + line.trim();
      current.text += appended;
      current.tail = appended;
      current.pipes += pipesIn(appended);
      current.inTarget = targetOpenAfter(current.inTarget, appended);
      current.last = n;
    } else {
      finish();
      if (!ignoring) warnings.push({ line: n, message: 'text outside the table ignored' });
      gap = ignoring = true;
    }
  });
  finish();
  return raw;
}
