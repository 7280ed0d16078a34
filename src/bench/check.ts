import { execFileSync } from 'node:child_process';
import { scriptCommand } from '../workers.ts';
import { checkDigests } from '../digest/index.ts';
import { sourceDigests, writeDigestFolder } from './_digests.ts';
import type { BenchResult } from './result.ts';

/** `paperboy check` over 600 digests: a whole process, start-up included, and the reading alone. */
export async function benchCheck(root: string): Promise<BenchResult> {
  const { dir } = await writeDigestFolder(await sourceDigests(root), 600);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    try {
      execFileSync(process.execPath, [...scriptCommand(import.meta.url, '../cli'), 'check', dir], { stdio: 'ignore' });
    } catch {
      // check exits 1 when a digest has an error; the timing still counts.
    }
    runs.push(performance.now() - started);
  }
  const started = performance.now();
  const checked = await checkDigests(dir);
  const inProcess = performance.now() - started;
  const papers = checked.reduce((sum, c) => sum + c.papers.length, 0);
  return {
    name: 'check',
    target: 'paperboy check over 600 digests in under 3 s',
    figures: {
      digests: checked.length,
      papers,
      'process ms (best of 3)': Math.round(Math.min(...runs)),
      'reading ms (in process)': Math.round(inProcess),
      'papers per second': Math.round(papers / (inProcess / 1000)),
    },
    pass: Math.min(...runs) < 3000,
  };
}
