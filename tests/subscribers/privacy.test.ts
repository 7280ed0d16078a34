import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeMessagesTo } from '../../src/deliver/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import { eraseSubscriber, Suppressions, type PrivacyContext } from '../../src/subscribers/index.ts';
import { SECRET, tempDatabase } from '../helpers/dispatch.ts';

describe('erasing a subscriber', () => {
  it('removes the address and suppresses it together, or does neither', async () => {
    const { sql, store, dataDir } = await tempDatabase();
    const suppressions = new Suppressions(sql, SECRET);
    const ledger = openLedger(sql);
    const ctx: PrivacyContext = {
      store,
      suppressions,
      deliveriesOf: (id) => ledger.rounds.deliveriesOf(id),
      forgetMail: (email) => removeMessagesTo(join(dataDir, 'outbox'), email),
    };
    const email = 'forget.me@example.org';
    const { subscriber } = await store.add({ email, status: 'confirmed', source: 'test' });
    await store.recordEvent(subscriber.id, 'preferences', 'daily; all topics');

    // The suppression cannot be written: the erasure fails as a whole.
    await sql.run("CREATE TEMP TRIGGER refuse_suppression BEFORE INSERT ON suppressions BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    await expect(eraseSubscriber(ctx, email)).rejects.toThrow('disk full');
    expect(await store.find(email)).toMatchObject({ id: subscriber.id, status: 'confirmed' });
    expect((await store.history(subscriber.id)).map((e) => e.kind)).toEqual(['added', 'preferences']);
    expect(await suppressions.reason(email)).toBeUndefined();

    await sql.run('DROP TRIGGER refuse_suppression');
    expect(await eraseSubscriber(ctx, email)).toEqual({ listed: true, messages: 0 });
    expect(await store.find(email)).toBeUndefined();
    expect(await store.history(subscriber.id)).toEqual([]);
    expect(await suppressions.reason(email)).toBe('erased');
    // The log is emptied and deleted rows are overwritten: the address is nowhere on disk.
    const path = join(dataDir, 'paperboy.db');
    expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
    expect(readFileSync(path).toString('latin1').includes(email)).toBe(false);
    expect(await eraseSubscriber(ctx, email)).toEqual({ listed: false, messages: 0 });
  });
});
