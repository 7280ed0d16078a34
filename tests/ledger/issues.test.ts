import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { openLedger } from '../../src/ledger/index.ts';

describe('the issues, as the ledger lists them', () => {
  it('come newest day first, a weekly issue right after the daily one of its last day, page after page', async () => {
    const sql = sqliteSql(openDatabase(await mkdtemp(join(tmpdir(), 'paperboy-issues-'))));
    const ledger = openLedger(sql, () => new Date('2031-03-01T00:00:00Z'));
    const days = Array.from({ length: 14 }, (_, i) => `2031-02-${String(i + 1).padStart(2, '0')}`);
    for (const day of days) await ledger.publications.record(day, true, 'mailed');
    await ledger.publications.record('week-2031-02-07', true, 'mailed');
    await ledger.publications.record('week-2031-02-14', true, 'mailed');

    const order: string[] = [];
    for (let before = ''; ; ) {
      const page = await ledger.issues(4, before);
      order.push(...page.map((issue) => issue.issue));
      if (page.length < 4) break;
      before = page.at(-1)?.issue ?? '';
    }
    const expected = [...days].reverse().flatMap((day) => (day.endsWith('-07') || day.endsWith('-14') ? [`week-${day}`, day] : [day]));
    expect(order).toEqual(expected);
    await sql.close();
  });
});
