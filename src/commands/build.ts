import { UsageError } from '../errors.ts';
import { plural } from '../output.ts';
import type { BuildReport } from '../site/index.ts';
import type { CommandContext } from './context.ts';

// What of an issue the email carries, when it is not every paper in full.
function emailShare(issue: BuildReport['issues'][number]): string {
  const full = issue.fullPapers ?? issue.papers;
  if (full >= issue.papers) return '';
  const listed = issue.listedPapers ?? issue.papers - full;
  const online = issue.papers - full - listed;
  return ` (${full} in full, ${listed} as titles${online > 0 ? `, ${online} on the web only` : ''})`;
}

function describe(report: BuildReport, seconds: number): string {
  const lines = report.issues.map((issue) =>
    !issue.rendered
      ? `${issue.date} is up to date`
      : issue.emailBytes === undefined
        ? `built ${issue.date}: ${plural(issue.papers, 'paper')}, its email unchanged`
        : `built ${issue.date}: ${plural(issue.papers, 'paper')}, email ${(issue.emailBytes / 1000).toFixed(1)} kB${emailShare(issue)}`,
  );
  if (report.newest === undefined) lines.push('no digests yet: the site is empty');
  lines.push(`${plural(report.written.length, 'file')} written, ${report.unchanged} unchanged, in ${seconds.toFixed(2)} s`);
  return lines.join('\n');
}

/** `paperboy build [--date D | --all] [--force]`: renders digests into `out/`. */
export async function buildCommand(ctx: CommandContext, flags: { date?: unknown; all?: unknown; force?: unknown }): Promise<number> {
  const date = typeof flags.date === 'string' ? flags.date : undefined;
  if (date !== undefined && flags.all) throw new UsageError('--date and --all cannot go together');
  const started = performance.now();
  const app = ctx.app();
  const report = await app.builder.build({ date, all: flags.all === true, force: flags.force === true });
  for (const skipped of app.library.skipped()) ctx.log().warn('digest skipped', { path: skipped.path, why: skipped.why });
  ctx.output.out(describe(report, (performance.now() - started) / 1000));
  return 0;
}
