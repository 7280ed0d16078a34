import { BENCH_NAMES, runBenches, type BenchResult } from '../bench/index.ts';
import { UsageError } from '../errors.ts';
import { projectRoot } from '../app.ts';
import type { CommandContext } from './context.ts';

function describe(result: BenchResult): string {
  const figures = Object.entries(result.figures).map(([k, v]) => `  ${k}: ${v}`);
  return [`${result.pass ? 'PASS' : 'MISS'} ${result.name}: ${result.target}`, ...figures].join('\n');
}

/** `paperboy bench [--json] [--only NAME]`: runs the benchmarks; exit 1 when one misses its target. */
export async function benchCommand(ctx: CommandContext, flags: { json?: unknown; only?: unknown }): Promise<number> {
  const only = typeof flags.only === 'string' ? flags.only : undefined;
  if (only !== undefined && !BENCH_NAMES.some((name) => name.toLowerCase().includes(only.toLowerCase()))) {
    throw new UsageError(
      `--only ${only}: no benchmark is named like that (there are ${BENCH_NAMES.map((n) => n.replace(/^bench/, '').toLowerCase()).join(', ')})`,
    );
  }
  const results = await runBenches(
    projectRoot,
    (r) => {
      if (!flags.json) ctx.output.out(describe(r));
    },
    only,
  );
  if (flags.json) ctx.output.out(JSON.stringify(results, null, 2));
  return results.every((r) => r.pass) ? 0 : 1;
}
