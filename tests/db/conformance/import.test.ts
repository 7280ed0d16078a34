import { expect, it } from 'vitest';
import { IMPORT_BATCH, importCsv, LISTED_PROBLEMS } from '../../../src/subscribers/import-export.ts';
import { onEachStore } from './stores.ts';

// 3 batches and a bit: every fifth row a bad address, every seventh the address of an earlier row (in
// its batch, or in the third and fourth, one of two batches before), every eleventh weekly.
const ROWS = IMPORT_BATCH * 3 + 500;
function bigCsv(): string {
  const lines = ['\uFEFFemail,name,topics,cadence'];
  for (let n = 1; n <= ROWS; n++) {
    if (n % 5 === 0) lines.push(`not-an-address-${n},,,`);
    else if (n % 7 === 0) lines.push(`Reader${n > IMPORT_BATCH * 2 ? n - IMPORT_BATCH * 2 + 1 : n - 6}@Example.org,Again,,`);
    else lines.push(`reader${n}@example.org,"Reader ${n}, ""the ${n}th""",a;b,${n % 11 === 0 ? 'weekly' : ''}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

// The text in pieces of `size` characters, as a file is read; `failAfter` pieces, then a failure.
async function* pieces(text: string, size: number, failAfter = Number.POSITIVE_INFINITY): AsyncGenerator<string> {
  for (let at = 0, n = 0; at < text.length; at += size, n++) {
    if (n === failAfter) throw new Error('the disk went away');
    yield text.slice(at, at + size);
  }
}

onEachStore('an import', (owners, seen) => {
  it('reads a file in pieces and imports it a batch at a time, each row as one at a time would, problems listed up to a bound', async () => {
    const { store, suppressions } = owners();
    await suppressions.add('reader2@example.org', 'complaint');
    await store.add({ email: 'READER3@example.org', source: 'form' });
    const text = bigCsv();
    const report = await importCsv(store, pieces(text, 997), { confirmed: true, source: 'import', suppressions });
    const bad = Math.floor(ROWS / 5);
    expect(report.refused).toBe(bad + 1);
    expect(report.problems).toHaveLength(LISTED_PROBLEMS);
    expect(report.problems.slice(0, 3)).toEqual([
      { line: 3, message: expect.stringMatching(/^reader2@example\.org: this address asked not to be mailed/) },
      { line: 6, message: 'not-an-address-5: the address is not of the form name@domain' },
      { line: 11, message: 'not-an-address-10: the address is not of the form name@domain' },
    ]);
    expect(report.confirmed).toBe(1);
    expect(report.added + report.existing + report.refused).toBe(ROWS);
    seen('report', report);
    const counts = seen('counts', await store.counts());
    expect(counts.pending).toBe(0);
    expect(counts.confirmed).toBe(report.added + 1);
    const noKey = <T extends { tokenKey: string }>(s: T) => ({ ...s, tokenKey: '' });
    seen('first', (await store.page(0, 3)).map(noKey));
    const last = seen('last', (await store.page(report.added - 2, 10)).map(noKey));
    expect(last.map((s) => s.id)).toEqual([report.added - 1, report.added, report.added + 1]);
    // The same as a whole string read at once; and again, nothing changes.
    const again = await importCsv(store, text, { confirmed: true, source: 'import', suppressions });
    expect(again).toMatchObject({ added: 0, existing: report.added + report.existing, confirmed: 0, refused: report.refused });
    expect(await store.count()).toBe(report.added + 1);
    const history = seen('history', await store.history(4));
    expect(history).toEqual([{ at: '2031-03-02T08:00:00.000Z', kind: 'added', detail: 'confirmed via import' }]);
    const weekly = await store.find('reader11@example.org');
    expect(seen('weekly', weekly && noKey(weekly))).toMatchObject({ cadence: 'weekly', name: 'Reader 11, "the 11th"', topics: ['a', 'b'] });
  });

  it('keeps the batches before a failure, and completes the import when run again', async () => {
    const { store } = owners();
    const text = bigCsv();
    // Pieces of 1,000 characters: the failure comes after two batches were read, before the third.
    const failure = await importCsv(store, pieces(text, 1000, 130), { confirmed: false, source: 'import' }).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('the disk went away');
    const kept = seen('kept', await store.count());
    expect(kept).toBeGreaterThan(0);
    // What was kept is the first batch, whole: importing its rows again adds nothing.
    const firstBatch = `${text
      .split('\r\n')
      .slice(0, IMPORT_BATCH + 1)
      .join('\r\n')}\r\n`;
    expect((await importCsv(store, firstBatch, { confirmed: false, source: 'import' })).added).toBe(0);
    expect(await store.count()).toBe(kept);
    const report = await importCsv(store, pieces(text, 1000), { confirmed: false, source: 'import' });
    expect(report.existing).toBeGreaterThanOrEqual(kept);
    expect(seen('after', await store.count())).toBe(report.added + kept);
    const whole = await importCsv(store, text, { confirmed: false, source: 'import' });
    expect(whole.added).toBe(0);
  });

  it('says so when the file has no email column, and reads no further', async () => {
    const { store } = owners();
    const read: string[] = [];
    async function* tracked() {
      for await (const piece of pieces(`name,topics\nAnn,a\n${'x@example.org,b\n'.repeat(500)}`, 64)) {
        read.push(piece);
        yield piece;
      }
    }
    expect(seen('report', await importCsv(store, tracked(), { confirmed: false, source: 'import' }))).toEqual({
      added: 0,
      existing: 0,
      confirmed: 0,
      refused: 1,
      problems: [{ line: 1, message: 'the header has no "email" column (it has: name, topics)' }],
    });
    expect(read).toHaveLength(1);
    expect(await importCsv(store, '', { confirmed: false, source: 'import' })).toMatchObject({
      refused: 1,
      problems: [{ line: 1, message: 'the file is empty; it needs a header row with an email column' }],
    });
  });
});
