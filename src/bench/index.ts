import { benchBuildAll, benchColdBuild, benchWarmRebuild } from './build.ts';
import { benchCheck } from './check.ts';
import { benchHelp } from './cli.ts';
import { benchMillion } from './million.ts';
import { benchPublishNew } from './publish.ts';
import { benchDispatch, benchImport } from './dispatch.ts';
import { benchEmailSize } from './email-size.ts';
import { benchConditionalFeeds } from './http.ts';
import { benchSearch } from './search.ts';
import { benchWorkers } from './workers.ts';
import type { BenchResult } from './result.ts';

export type { BenchResult } from './result.ts';

/** Every benchmark, in pipeline order. */
const BENCHES: ((root: string) => Promise<BenchResult>)[] = [
  benchHelp,
  benchCheck,
  benchBuildAll,
  benchSearch,
  benchWarmRebuild,
  benchPublishNew,
  benchColdBuild,
  benchEmailSize,
  benchImport,
  benchConditionalFeeds,
  benchDispatch,
  benchWorkers,
];

/** Benchmarks that take most of an hour: run only when `--only` names them. */
const ASKED_FOR: ((root: string) => Promise<BenchResult>)[] = [benchMillion];

/** The names of the benchmarks, as `--only` matches them. */
export const BENCH_NAMES: readonly string[] = [...BENCHES, ...ASKED_FOR].map((bench) => bench.name);

/** Runs the benchmarks one after another (those whose name contains `only`), reporting each as it ends. */
export async function runBenches(root: string, report: (result: BenchResult) => void, only?: string): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const bench of only === undefined ? BENCHES : [...BENCHES, ...ASKED_FOR]) {
    if (only !== undefined && !bench.name.toLowerCase().includes(only.toLowerCase())) continue;
    const result = await bench(root);
    report(result);
    results.push(result);
  }
  return results;
}
