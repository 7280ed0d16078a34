import { runBenches, type BenchResult } from '../bench/index.ts';
import type { Output } from './_output.ts';

function describe(result: BenchResult): string {
  const figures = Object.entries(result.figures).map(([k, v]) => `  ${k}: ${v}`);
  return [`${result.pass ? 'PASS' : 'MISS'} ${result.name}: ${result.target}`, ...figures].join('\n');
}

/** `paperboy bench [--json]`: runs the benchmarks; exit 1 when one misses its target. */
export async function benchCommand(root: string, options: { json?: boolean; only?: string }, output: Output): Promise<number> {
  const results = await runBenches(root, (r) => {
    if (!options.json) output.out(describe(r));
  }, options.only);
  if (options.json) output.out(JSON.stringify(results, null, 2));
  return results.every((r) => r.pass) ? 0 : 1;
}
