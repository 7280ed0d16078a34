import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GarbageBudget } from '../../src/deliver/garbage.ts';

const MB = 1024 * 1024;

describe('a sender’s garbage budget', () => {
  it('collects once what its messages left behind passes the budget, and not before', async () => {
    // When V8 ran a full collection: the budget's is told from one V8 runs on its own by its time.
    const full: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full.push(entry.startTime);
    });
    observer.observe({ entryTypes: ['gc'] });
    const budget = new GarbageBudget();
    const buffersNow = () => process.memoryUsage().arrayBuffers;
    const before = buffersNow();
    // 48 MB of buffers left behind by "messages" (V8 alone waits for 64 MB outside the heap).
    let left: Buffer[] = Array.from({ length: 48 }, () => Buffer.alloc(MB, 1));
    left = [];
    expect(left).toHaveLength(0);
    const start = performance.now();
    for (let message = 1; message < 256; message++) budget.tick();
    const looked = performance.now();
    expect(buffersNow() - before).toBeGreaterThan(40 * MB);
    budget.tick();
    const collected = performance.now();
    // V8 frees the buffers' memory on a thread of its own once the collection has returned.
    for (let waited = 0; waited < 1000 && buffersNow() - before >= 24 * MB; waited += 10) await sleep(10);
    // The observer hears of collections a little later.
    await sleep(100);
    observer.disconnect();
    expect(full.filter((at) => at >= start && at < looked)).toEqual([]);
    expect(full.filter((at) => at >= looked && at <= collected).length).toBeGreaterThan(0);
    expect(buffersNow() - before).toBeLessThan(24 * MB);
  });
});
