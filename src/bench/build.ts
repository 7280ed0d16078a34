import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptCommand } from '../workers.ts';
import { benchBuilder, sourceDigests, writeDigestFolder } from './_digests.ts';
import type { BenchResult } from './result.ts';

function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** Builds every digest of `dir` into `out` in a process of its own (with or without the search index); its milliseconds. */
export function timedBuild(root: string, dir: string, out: string, search: boolean): number {
  return timed(() =>
    execFileSync(process.execPath, [...scriptCommand(import.meta.url, '_build-child'), root, dir, out, search ? 'search' : 'no-search'], {
      stdio: 'ignore',
    }),
  );
}

/** Bytes and files under a folder. */
export async function folderSize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { bytes, files };
}

/** `build --all` over 600 digests, cold, in its own process; and again without the search index, to compare. */
export async function benchBuildAll(root: string): Promise<BenchResult> {
  const { dir, papers } = await writeDigestFolder(await sourceDigests(root), 600);
  const out = await mkdtemp(join(tmpdir(), 'paperboy-bench-out-'));
  const env = { ...process.env, PAPERBOY_DIGESTS_DIR: dir, PAPERBOY_OUT_DIR: out };
  const ms = timed(() =>
    execFileSync(process.execPath, [...scriptCommand(import.meta.url, '../cli'), 'build', '--all'], { env, stdio: 'ignore' }),
  );
  const files = (await readdir(out, { recursive: true })).length;
  const index = await folderSize(join(out, 'pagefind'));
  const bare = await mkdtemp(join(tmpdir(), 'paperboy-bench-out-'));
  const bareMs = timedBuild(root, dir, bare, false);
  return {
    name: 'build --all',
    target: 'build --all over 600 digests, search index included, in under 10 s',
    figures: {
      digests: 600,
      papers,
      files,
      'seconds (cold process)': Number((ms / 1000).toFixed(2)),
      'seconds without the search index': Number((bareMs / 1000).toFixed(2)),
      'search index files': index.files,
      'search index kB': Math.round(index.bytes / 1000),
    },
    pass: ms < 10_000,
  };
}

/** A warm rebuild: one digest changes under a builder that has built everything once. */
export async function benchWarmRebuild(root: string): Promise<BenchResult> {
  const { dir } = await writeDigestFolder(await sourceDigests(root), 600);
  const out = await mkdtemp(join(tmpdir(), 'paperboy-bench-out-'));
  const builder = benchBuilder(root, dir, out, 'http://localhost:8080');
  await builder.build({ all: true });
  const path = join(dir, '2023', '02', '01.md');
  const original = await readFile(path, 'utf8');
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    // A real edit: the summary of the first paper gains a sentence.
    await writeFile(path, original.replace(/(\|-+\|[^\n]*\n\|[^|]*\|[^|]*\|)/, `$1 Revision ${i}.`));
    const started = performance.now();
    const report = await builder.build({ date: '2023-02-01' });
    runs.push(performance.now() - started);
    if (!report.issues.some((issue) => issue.rendered)) throw new Error('the warm rebuild rendered nothing');
  }
  const median = [...runs].sort((a, b) => a - b)[2] ?? 0;
  return {
    name: 'warm rebuild',
    target: 'a warm rebuild of one issue with its email in under 300 ms',
    figures: { 'median ms of 5': Math.round(median), 'best ms': Math.round(Math.min(...runs)) },
    pass: median < 300,
  };
}

/** `paperboy build` (the installed bin) from a cold start, on the project's own digests, into an empty out/. */
export async function benchColdBuild(root: string): Promise<BenchResult> {
  const out = await mkdtemp(join(tmpdir(), 'paperboy-bench-out-'));
  const env = { ...process.env, PAPERBOY_OUT_DIR: out };
  const ms = timed(() => execFileSync(process.execPath, [join(root, 'bin', 'paperboy.js'), 'build'], { cwd: root, env, stdio: 'ignore' }));
  return {
    name: 'cold build',
    target: '`paperboy build` cold in under 3 s',
    figures: { seconds: Number((ms / 1000).toFixed(2)) },
    pass: ms < 3_000,
  };
}
