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

function closesRow(text: string, columns: number): boolean {
  const trimmed = text.trimEnd();
  return trimmed.endsWith('|') && !trimmed.endsWith('\\|') && splitCells(trimmed).length >= columns;
}

// True while the text stops inside a link target, as when a URL was broken by a newline.
function insideLinkTarget(text: string): boolean {
  const open = text.lastIndexOf('](');
  return open !== -1 && !/[)\s]/.test(text.slice(open + 2));
}

/** Finds the heading, the header and the rows of a digest, noting what it had to guess. */
export function readRawDigest(text: string, warnings: Note[], errors: Note[]): RawDigest {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const raw: RawDigest = { rows: [] };
  let state: 'heading' | 'header' | 'separator' | 'rows' = 'heading';
  let current: (LogicalRow & { last: number }) | undefined;
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
      current = { line: n, last: n, text: line.trim() };
    } else if (isBlank) {
      finish();
      gap = true;
    } else if (current && !closesRow(current.text, columns)) {
      const joinedUrl = insideLinkTarget(current.text);
      if (joinedUrl) warnings.push({ line: n, message: `a URL broken across lines ${current.last}-${n}; joined` });
      current.text += (joinedUrl ? '' : ' ') + line.trim();
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
