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

describe('the CSV reader', () => {
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
