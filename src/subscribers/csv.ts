/** One parsed CSV record and the line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** A problem with the text, at a line. */
export interface CsvProblem {
  line: number;
  message: string;
}

/**
 * Reads CSV a piece at a time (RFC 4180: commas, double-quoted fields with "" for a quote, CRLF or
 * LF line ends, line breaks inside quotes), so a file of any size is never held whole: `push` gives
 * back the records each piece completes, `end` the last one. Blank lines are skipped; an unclosed
 * quote is reported at the line its record starts on, not guessed.
 */
export class CsvReader {
  #fields: string[] = [];
  #field = '';
  #quoted = false;
  #line = 1;
  #start = 1;
  #touched = false;
  #begun = false;
  // A last character whose meaning depends on the next one (`""`, CRLF), kept for the next piece.
  #held = '';
  #records: CsvRecord[] = [];

  /** Reads the next piece of the text; gives back the records it completed. */
  push(piece: string): CsvRecord[] {
    let text = this.#held + piece;
    if (!this.#begun && text !== '') {
      text = text.replace(/^\uFEFF/, '');
      this.#begun = true;
    }
    this.#held = text.slice(this.#read(text, false));
    return this.#take();
  }

  /** Reads the end of the text: the last records, and the problem of a quote never closed. */
  end(): { records: CsvRecord[]; problem?: CsvProblem } {
    this.#read(this.#held, true);
    this.#held = '';
    if (this.#quoted) return { records: this.#take(), problem: { line: this.#start, message: 'a quoted field is never closed' } };
    if (this.#field !== '' || this.#fields.length > 0 || this.#touched) this.#endRecord();
    return { records: this.#take() };
  }

  #take(): CsvRecord[] {
    const records = this.#records;
    this.#records = [];
    return records;
  }

  #endRecord(): void {
    this.#fields.push(this.#field);
    if (this.#touched || this.#fields.length > 1 || this.#field !== '') this.#records.push({ line: this.#start, fields: this.#fields });
    this.#fields = [];
    this.#field = '';
    this.#touched = false;
  }

  // Reads what it can of `body`; says where it stopped: before a last character whose meaning
  // depends on the next one (a quote inside quotes, a CR), unless this is the end of the text. Runs
  // of plain characters are taken as slices, not a character at a time (a file of millions of lines).
  #read(body: string, final: boolean): number {
    let from = 0;
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if (c !== QUOTE && c !== COMMA && c !== LF && c !== CR) continue;
      if (!final && i === body.length - 1 && ((this.#quoted && c === QUOTE) || (!this.#quoted && c === CR))) {
        this.#field += body.slice(from, i);
        return i;
      }
      if (this.#quoted) {
        if (c === LF) this.#line++;
        if (c !== QUOTE) continue;
        this.#field += body.slice(from, i);
        // A doubled quote is a quote; a single one ends the quoted part.
        if (body.charCodeAt(i + 1) === QUOTE) {
          this.#field += '"';
          i++;
        } else this.#quoted = false;
        from = i + 1;
        continue;
      }
      const before = body.slice(from, i);
      from = i + 1;
      if (c === QUOTE) {
        // A quote opens a quoted field only at its start; elsewhere it is a character like any other.
        if (this.#field === '' && before === '') {
          this.#quoted = true;
          this.#touched = true;
        } else this.#field += `${before}"`;
      } else if (c === COMMA) {
        this.#fields.push(this.#field + before);
        this.#field = '';
        this.#touched = true;
      } else {
        this.#field += before;
        if (c === CR && body.charCodeAt(i + 1) === LF) from = ++i + 1;
        this.#endRecord();
        this.#line++;
        this.#start = this.#line;
      }
    }
    this.#field += body.slice(from);
    return body.length;
  }
}

/** Parses a whole CSV text at once, by the rules of `CsvReader`. */
export function parseCsv(text: string): { records: CsvRecord[]; problem?: CsvProblem } {
  const reader = new CsvReader();
  const records = reader.push(text);
  const { records: last, problem } = reader.end();
  records.push(...last);
  return problem === undefined ? { records } : { records, problem };
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
