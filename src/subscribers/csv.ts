/** One parsed CSV record and the line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Parses CSV (RFC 4180: commas, double-quoted fields with "" for a quote, CRLF or LF line ends,
 * line breaks inside quotes). Blank lines are skipped. An unclosed quote is reported, not guessed.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problem?: { line: number; message: string } } {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let touched = false;
  const body = text.replace(/^\uFEFF/, '');
  const endRecord = () => {
    fields.push(field);
    if (touched || fields.length > 1 || field !== '') records.push({ line: start, fields });
    fields = [];
    field = '';
    touched = false;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      touched = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      touched = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (quoted) return { records, problem: { line: start, message: 'a quoted field is never closed' } };
  if (field !== '' || fields.length > 0 || touched) endRecord();
  return { records };
}

// Spreadsheet programs run a cell that starts with one of these as a formula.
const FORMULA = /^[=+\-@\t\r]/;

/**
 * A CSV field, quoted when it must be. A value a spreadsheet would run as a formula (an address can
 * be `=cmd|'/C calc'!A0@example.com`) gets a leading `'`, which spreadsheets read as "this is text";
 * `fromCsvField` takes it off again on import.
 */
export function csvField(value: string): string {
  const safe = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || /^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A field as `csvField` wrote it: the `'` put before a formula-like value is taken off. */
export function fromCsvField(value: string): string {
  return value.startsWith("'") && FORMULA.test(value.slice(1)) ? value.slice(1) : value;
}

/** Text safe to print on a terminal: control characters (escape sequences) shown as \u{…}. */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}
