import { describe, expect, it } from 'vitest';
import { GarbageBudget } from '../../src/deliver/garbage.ts';

const MB = 1024 * 1024;

describe('a sender’s garbage budget', () => {
  it('collects once what its messages left behind passes the budget, and not before', () => {
    const budget = new GarbageBudget();
    const buffersNow = () => process.memoryUsage().arrayBuffers;
    const before = buffersNow();
    // 48 MB of buffers left behind by "messages" (V8 alone waits for 64 MB outside the heap).
    let left: Buffer[] = Array.from({ length: 48 }, () => Buffer.alloc(MB, 1));
    left = [];
    expect(left).toHaveLength(0);
    for (let message = 1; message < 256; message++) budget.tick();
    expect(buffersNow() - before).toBeGreaterThan(40 * MB);
    budget.tick();
    expect(buffersNow() - before).toBeLessThan(24 * MB);
  });
});
