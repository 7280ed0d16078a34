import { describe, expect, it } from 'vitest';
import { perTurn } from '../../src/deliver/per-turn.ts';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('what is written per turn of the event loop', () => {
  it('is what was handed during that turn, together; what comes while it is written goes with the next', async () => {
    const writes: number[][] = [];
    let late: Promise<void> | undefined;
    const write = perTurn(async (items: number[]) => {
      writes.push([...items]);
      // Handed while this is written: not part of it.
      late ??= record(4);
      await turn();
    });
    const record = (n: number) => write(n);
    const first = [record(1), record(2)];
    await Promise.resolve();
    const third = record(3);
    expect(writes).toEqual([]);
    await Promise.all([...first, third]);
    expect(writes[0]).toEqual([1, 2, 3]);
    await late;
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every call of a write that failed, and writes the next turn’s anew', async () => {
    let fail = true;
    const written: string[] = [];
    const write = perTurn(async (items: string[]) => {
      if (fail) throw new Error('ledger: the database is busy');
      written.push(...items);
    });
    const failed = await Promise.allSettled([write('a'), write('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await write('c');
    expect(written).toEqual(['c']);
  });
});
