import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptCommand } from '../workers.ts';
import { addDays, benchBuilder, sourceDigests, writeDigestFolder } from './_digests.ts';
import type { BenchResult } from './result.ts';

const TICKS_PER_SECOND = 100;

// User and system CPU seconds in a /proc stat line: after the name, state is field 3, so utime and
// stime (fields 14 and 15) are at 11 and 12, and cutime and cstime (16 and 17) at 13 and 14.
function statFields(stat: string | undefined): string[] | undefined {
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields && fields.length >= 15 ? fields : undefined;
}

// CPU seconds (user and system) spent by the finished child processes of this one, where Linux says.
async function childrenCpu(): Promise<number | undefined> {
  const fields = statFields(await readFile('/proc/self/stat', 'utf8').catch(() => undefined));
  return fields && (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

// CPU seconds of the child processes still running (the search indexer, which stays up between builds).
async function liveChildrenCpu(): Promise<number> {
  let total = 0;
  for (const task of await readdir('/proc/self/task').catch(() => [])) {
    const children = await readFile(`/proc/self/task/${task}/children`, 'utf8').catch(() => '');
    for (const pid of children.split(' ').filter(Boolean)) {
      const fields = statFields(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined));
      if (fields) total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    }
  }
  return total;
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

// CPU seconds of this process (its threads included) and of its children, finished or not (the search indexer).
async function cpuNow(): Promise<number | undefined> {
  const children = await childrenCpu();
  const own = process.cpuUsage();
  return children === undefined ? undefined : children + (await liveChildrenCpu()) + (own.user + own.system) / 1e6;
}

const SITE = 600;

/** A site of 600 issues whose newest is `newest`, and the days that arrive after it, one a build. */
interface Arrivals {
  newest: string;
  days: number;
}

interface WarmDays {
  dir: string;
  days: (Timing & { date: string; written: number; indexed: string[] })[];
  /** CPU seconds of the work each build leaves for after it (indexes a coming quarter folds), in all. */
  aheadCpu: number | undefined;
  held: { date: string; path: string; held: string }[];
}

const cpuSince = async (before: number | undefined) => {
  const after = await cpuNow();
  return before === undefined || after === undefined ? undefined : after - before;
};

// A warm builder, as `start` keeps up, over a site of 600 issues; then the days arrive one after
// another, each published by `build --all` through it once the last one's work ahead is done (a
// real day comes a day later).
async function warmDays(root: string, { newest, days }: Arrivals, keepDir = false): Promise<WarmDays> {
  const { dir } = await writeDigestFolder(await sourceDigests(root), SITE + days, true, addDays(newest, 1 - SITE));
  const held = Array.from({ length: days }, (_, i) => {
    const date = addDays(newest, i + 1);
    return { date, path: `${join(dir, ...date.split('-'))}.md`, held: join(dir, `arriving-${date}.txt`) };
  });
  for (const a of held) await rename(a.path, a.held);
  const out = await mkdtemp(join(tmpdir(), 'paperboy-bench-out-'));
  const builder = benchBuilder(root, dir, out, undefined, true, true);
  await builder.build({ all: true });
  const result: WarmDays['days'] = [];
  let aheadCpu: number | undefined = 0;
  for (const a of held) {
    const waiting = await cpuNow();
    await builder.settled();
    const spent = await cpuSince(waiting);
    aheadCpu = aheadCpu === undefined || spent === undefined ? undefined : aheadCpu + spent;
    await rename(a.held, a.path);
    const cpu = await cpuNow();
    const started = performance.now();
    const report = await builder.build({ all: true });
    const ms = performance.now() - started;
    result.push({ date: a.date, ms, cpu: await cpuSince(cpu), written: report.written.length, indexed: report.indexed });
    if (!report.issues.some((issue) => issue.rendered && issue.date === a.date)) throw new Error(`${a.date} was not published`);
  }
  await builder.settled();
  await builder.close();
  await rm(out, { recursive: true, force: true });
  if (!keepDir) await rm(dir, { recursive: true, force: true });
  return { dir, days: result, aheadCpu, held };
}

// Ordinary days (late in a month: its index is large), and the worst ones: a quarter's first day,
// which folds the last quarter's months into one index, and a year's, which folds its quarters.
const ORDINARY: Arrivals = { newest: '2024-08-22', days: 5 };
const QUARTER: Arrivals = { newest: '2024-09-29', days: 2 };
const YEAR: Arrivals = { newest: '2024-12-30', days: 2 };

const dayText = (day: WarmDays['days'][number]) =>
  `${day.date} ${seconds(day.ms)} s (CPU ${day.cpu === undefined ? '?' : day.cpu.toFixed(2)}, ${day.written} files, indexed ${day.indexed.join(' ') || 'nothing'})`;

/**
 * The daily path at archive scale: a site of 600 issues (papers distinct, as in a real archive) is
 * built once; then a new day's digest arrives and is published: by `paperboy build` in a process of
 * its own (three times, each from the 600-issue site), and in a builder that stays up, as `start`
 * does it (`build --all` through the warm builder), five days arriving one after another; and the
 * worst days, a quarter's and a year's first, in sites of 600 issues of their own.
 */
export async function benchPublishNew(root: string): Promise<BenchResult> {
  const ordinary = await warmDays(root, ORDINARY, true);
  const { dir } = ordinary;
  for (const a of ordinary.held) await rename(a.path, a.held);
  const first = ordinary.held[0] as (typeof ordinary.held)[number];
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
  // A 600-issue site with its index is tens of megabytes: none is left behind.
  for (const folder of [dir, site, data]) await rm(folder, { recursive: true, force: true });

  const quarter = await warmDays(root, QUARTER);
  const year = await warmDays(root, YEAR);
  const worst = [quarter.days.at(-1), year.days.at(-1)].filter((day) => day !== undefined);
  const wall = median(ordinary.days.map((r) => r.ms));
  const worstWall = Math.max(...worst.map((day) => day.ms));
  const ahead = [ordinary, quarter, year].map((run) => run.aheadCpu);
  return {
    name: 'publish new',
    target: 'a new digest in a site of 600 issues published in at most 1 s by the builder `start` keeps up, on any day',
    figures: {
      'build --all of 600, s': seconds(all.ms),
      'build --all of 600, CPU s': all.cpu ?? 'unknown',
      'paperboy build of the new digest (a process of its own), median s of 3': seconds(median(runs.map((r) => r.ms))),
      'its CPU s (user + system, median)': cpuText(runs),
      [`in the builder start keeps up, median s of ${ORDINARY.days} days`]: seconds(wall),
      'its CPU s (user + system, indexer included, median)': cpuText(ordinary.days),
      'in the builder start keeps up, each day': ordinary.days.map(dayText).join('; '),
      'files each day changed (mean)': Math.round(ordinary.days.reduce((sum, day) => sum + day.written, 0) / ordinary.days.length),
      'a quarter and a year: the day before, and the first day': [...quarter.days, ...year.days].map(dayText).join('; '),
      'worst day (first of a quarter, of a year), s': seconds(worstWall),
      'CPU s spent after the builds, ahead of the next (ordinary, quarter, year runs)': ahead
        .map((cpu) => (cpu === undefined ? '?' : cpu.toFixed(2)))
        .join(' '),
    },
    pass: wall <= 1000 && worstWall <= 1000,
  };
}
