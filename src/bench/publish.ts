import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptCommand } from '../workers.ts';
import { benchBuilder, sourceDigests, writeDigestFolder } from './_digests.ts';
import type { BenchResult } from './result.ts';

const TICKS_PER_SECOND = 100;

// CPU seconds (user and system) spent by the finished child processes of this one, where Linux says.
async function childrenCpu(): Promise<number | undefined> {
  const stat = await readFile('/proc/self/stat', 'utf8').catch(() => undefined);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so cutime and cstime (fields 16 and 17) are at 13 and 14.
  if (!fields || fields.length < 15) return undefined;
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

interface Timing {
  ms: number;
  cpu: number | undefined;
}

async function timedProcess(args: string[], env: NodeJS.ProcessEnv): Promise<Timing> {
  const before = await childrenCpu();
  const started = performance.now();
  execFileSync(process.execPath, args, { env, stdio: 'ignore' });
  const ms = performance.now() - started;
  const after = await childrenCpu();
  return { ms, cpu: before === undefined || after === undefined ? undefined : after - before };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const seconds = (ms: number) => Number((ms / 1000).toFixed(2));
const cpuText = (timings: Timing[]) =>
  timings.some((t) => t.cpu === undefined) ? 'unknown' : Number(median(timings.map((t) => t.cpu ?? 0)).toFixed(2));

// CPU seconds of this process (its threads included) and of its finished children (the search indexer).
async function cpuNow(): Promise<number | undefined> {
  const children = await childrenCpu();
  const own = process.cpuUsage();
  return children === undefined ? undefined : children + (own.user + own.system) / 1e6;
}

const ARRIVALS = 5;

/**
 * The daily path at archive scale: a site of 600 issues (papers distinct, as in a real archive) is
 * built once; then a new day's digest arrives and is published: by `paperboy build` in a process of
 * its own (three times, each from the 600-issue site), and in a builder that stays up, as `start`
 * does it (`build --all` through the warm builder), five days arriving one after another.
 */
export async function benchPublishNew(root: string): Promise<BenchResult> {
  const { dir } = await writeDigestFolder(await sourceDigests(root), 600 + ARRIVALS, true);
  // The days after the 600th arrive later, one a run.
  const arriving = Array.from({ length: ARRIVALS }, (_, i) => {
    const date = new Date(Date.UTC(2024, 7, 23 + i)).toISOString().slice(0, 10);
    return { date, path: `${join(dir, ...date.split('-'))}.md`, held: join(dir, `arriving-${date}.txt`) };
  });
  for (const a of arriving) await rename(a.path, a.held);
  const first = arriving[0] as (typeof arriving)[number];
  const site = await mkdtemp(join(tmpdir(), 'paperboy-bench-out-'));
  const data = await mkdtemp(join(tmpdir(), 'paperboy-bench-data-'));
  const cli = scriptCommand(import.meta.url, '../cli');
  const envFor = (out: string) => ({ ...process.env, PAPERBOY_DIGESTS_DIR: dir, PAPERBOY_OUT_DIR: out, PAPERBOY_DATA_DIR: data });
  const all = await timedProcess([...cli, 'build', '--all'], envFor(site));

  const runs: Timing[] = [];
  for (let i = 0; i < 3; i++) {
    const out = await mkdtemp(join(tmpdir(), 'paperboy-bench-out-'));
    await cp(site, out, { recursive: true, preserveTimestamps: true });
    await rename(first.held, first.path);
    runs.push(await timedProcess([...cli, 'build'], envFor(out)));
    await rename(first.path, first.held);
    await rm(out, { recursive: true, force: true });
  }

  const warmOut = await mkdtemp(join(tmpdir(), 'paperboy-bench-out-'));
  const builder = benchBuilder(root, dir, warmOut);
  await builder.build({ all: true });
  const warm: Timing[] = [];
  let written = 0;
  for (const a of arriving) {
    await rename(a.held, a.path);
    const cpu = await cpuNow();
    const started = performance.now();
    const report = await builder.build({ all: true });
    const ms = performance.now() - started;
    // The indexer's process has ended: its CPU time is counted once the system has reaped it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await cpuNow();
    warm.push({ ms, cpu: cpu === undefined || after === undefined ? undefined : after - cpu });
    if (!report.issues.some((issue) => issue.rendered && issue.date === a.date)) throw new Error(`${a.date} was not published`);
    written += report.written.length;
  }
  // A 600-issue site with its index is tens of megabytes: none is left behind.
  for (const folder of [dir, site, data, warmOut]) await rm(folder, { recursive: true, force: true });

  const wall = median(warm.map((r) => r.ms));
  return {
    name: 'publish new',
    target: 'a new digest in a site of 600 issues published in at most 1 s by the builder `start` keeps up',
    figures: {
      'build --all of 600, s': seconds(all.ms),
      'build --all of 600, CPU s': all.cpu ?? 'unknown',
      'paperboy build of the new digest (a process of its own), median s of 3': seconds(median(runs.map((r) => r.ms))),
      'its CPU s (user + system, median)': cpuText(runs),
      [`in the builder start keeps up, median s of ${ARRIVALS} days`]: seconds(wall),
      'its CPU s (user + system, indexer included, median)': cpuText(warm),
      'in the builder start keeps up, each day, s': warm.map((r) => seconds(r.ms)).join(' '),
      'files each day changed (mean)': Math.round(written / ARRIVALS),
    },
    pass: wall <= 1000,
  };
}
