import { describe, expect, it } from 'vitest';
import { CsvReader, parseCsv } from '../../src/subscribers/csv.ts';

// Every rule at once: a BOM, CRLF and LF, blank lines, quoted commas, doubled quotes, line breaks
// inside quotes (counted), a quote right at the end of a field, a trailing record without a line end.
const TEXT =
  '\uFEFFemail,name\r\n\r\n"a@example.org","Lee, ""Ann"""\r\nb@example.org,"two\r\nlines"\n\n"",x\nc@example.org,""""\r\nlast@example.org,end';

function readInPieces(text: string, cuts: number[]) {
  const reader = new CsvReader();
  const records = [];
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    records.push(...reader.push(text.slice(at, cut)));
    at = cut;
  }
  const end = reader.end();
  records.push(...end.records);
  return end.problem === undefined ? { records } : { records, problem: end.problem };
}

// The rules, a character at a time, as plainly as they can be written: what the reader must agree with.
function byTheRules(text: string) {
  const records: { line: number; fields: string[] }[] = [];
  let [fields, field, quoted, line, start, touched] = [[] as string[], '', false, 1, 1, false];
  const body = text.replace(/^\uFEFF/, '');
  const endRecord = () => {
    fields.push(field);
    if (touched || fields.length > 1 || field !== '') records.push({ line: start, fields });
    [fields, field, touched] = [[], '', false];
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
    } else if (c === '"' && field === '') [quoted, touched] = [true, true];
    else if (c === ',') {
      fields.push(field);
      [field, touched] = ['', true];
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      endRecord();
      start = ++line;
    } else field += c;
  }
  if (quoted) return { records, problem: { line: start, message: 'a quoted field is never closed' } };
  if (field !== '' || fields.length > 0 || touched) endRecord();
  return { records };
}

describe('the CSV reader', () => {
  it('agrees with the rules read a character at a time, on random texts cut into random pieces', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'b', ',', '"', '""', '\r', '\n', '\r\n', ' ', 'é', '\uFEFF'];
    for (let round = 0; round < 2000; round++) {
      const text = Array.from({ length: random(40) }, () => alphabet[random(alphabet.length)]).join('');
      const cuts = Array.from({ length: random(6) }, () => random(text.length + 1)).sort((a, b) => a - b);
      expect(readInPieces(text, cuts), JSON.stringify({ text, cuts })).toEqual(byTheRules(text));
    }
  });

  it('reads records and their lines as the whole text gives them', () => {
    expect(parseCsv(TEXT)).toEqual({
      records: [
        { line: 1, fields: ['email', 'name'] },
        { line: 3, fields: ['a@example.org', 'Lee, "Ann"'] },
        { line: 4, fields: ['b@example.org', 'two\r\nlines'] },
        { line: 7, fields: ['', 'x'] },
        { line: 8, fields: ['c@example.org', '"'] },
        { line: 9, fields: ['last@example.org', 'end'] },
      ],
    });
  });

  it('reads the same records cut into pieces anywhere: between a CR and its LF, inside a doubled quote, after the BOM', () => {
    const whole = parseCsv(TEXT);
    for (let cut = 0; cut <= TEXT.length; cut++) expect(readInPieces(TEXT, [cut])).toEqual(whole);
    for (let size = 1; size <= 4; size++) {
      const cuts = Array.from({ length: Math.ceil(TEXT.length / size) }, (_, i) => i * size);
      expect(readInPieces(TEXT, cuts)).toEqual(whole);
    }
  });

  it('says where a quote that never closes started, read whole or in pieces', () => {
    const text = 'email\nok@example.org\n"open@example.org\nmore,x\n';
    const expected = {
      records: [
        { line: 1, fields: ['email'] },
        { line: 2, fields: ['ok@example.org'] },
      ],
      problem: { line: 3, message: 'a quoted field is never closed' },
    };
    expect(parseCsv(text)).toEqual(expected);
    for (let cut = 0; cut <= text.length; cut++) expect(readInPieces(text, [cut])).toEqual(expected);
  });
});
