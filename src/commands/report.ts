import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { writeAtomically } from '../files.ts';
import { plural } from '../output.ts';
import { renderReport } from '../report/index.ts';
import type { CommandContext } from './context.ts';

/** Where the report goes when `--out` is not given: the working folder (out/ is published on the web). */
export const DEFAULT_REPORT = 'report.html';

/** `paperboy report [--days N] [--out FILE]`: one HTML page of charts; `--out -` writes it to standard output. */
export async function reportCommand(ctx: CommandContext, flags: { days?: unknown; out?: unknown }): Promise<number> {
  const days = flags.days === undefined ? 30 : Number(flags.days);
  if (typeof flags.days === 'string' && (!/^\d+$/.test(flags.days.trim()) || days < 1 || days > 3660)) {
    throw new UsageError(`--days takes a whole number of days from 1 to 3660, not "${flags.days}"`);
  }
  const out = typeof flags.out === 'string' ? flags.out : DEFAULT_REPORT;
  const app = ctx.app({ readOnly: true });
  const data = await app.report(days);
  const html = renderReport(data);
  if (out === '-') {
    ctx.output.out(html);
    return 0;
  }
  // Atomically: a browser showing the old report never reads half of the new one.
  await writeAtomically(resolve(ctx.cwd, out), html, { shownAs: out });
  const dispatches = `${data.issues.length} ${data.issues.length === 1 ? 'dispatch' : 'dispatches'}`;
  ctx.output.out(`${out}: ${plural(days, 'day')}, ${dispatches} (${Math.round(html.length / 1024)} kB)`);
  return 0;
}
