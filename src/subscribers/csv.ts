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

/** A CSV field, quoted when it must be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
