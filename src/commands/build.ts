import { join } from 'node:path';
import { createBuilder, type BuildReport, type BuildSettings } from '../build/build.ts';
import type { Config } from '../config.ts';
import { isIsoDate } from '../digest/index.ts';
import { UsageError } from '../errors.ts';
import { plural, type Output } from './_output.ts';

/** The build settings a config gives, with templates from the project. */
export function buildSettings(config: Config, root: string): BuildSettings {
  return {
    digestsDir: config.digestsDir,
    outDir: config.outDir,
    templatesDir: join(root, 'templates'),
    site: { url: config.siteUrl, title: config.title, language: 'en' },
    hub: config.websubHub,
    repeats: config.repeats,
  };
}

function describe(report: BuildReport, seconds: number): string {
  const lines = report.issues.map((issue) =>
    issue.rendered
      ? `built ${issue.date}: ${plural(issue.papers, 'paper')}, email ${((issue.emailBytes ?? 0) / 1000).toFixed(1)} kB` +
        (issue.fullPapers !== undefined && issue.fullPapers < issue.papers ? ` (${issue.fullPapers} in full, the rest as titles)` : '')
      : `${issue.date} is up to date`,
  );
  if (report.newest === undefined) lines.push('no digests yet: the site is empty');
  lines.push(`${plural(report.written.length, 'file')} written, ${report.unchanged} unchanged, in ${seconds.toFixed(2)} s`);
  return lines.join('\n');
}

/** `paperboy build [--date D | --all] [--force]`: renders digests into `out/`. */
export async function buildCommand(config: Config, root: string, options: { date?: string; all?: boolean; force?: boolean }, output: Output): Promise<number> {
  if (options.date !== undefined && options.all) throw new UsageError('--date and --all cannot go together');
  if (options.date !== undefined && !isIsoDate(options.date)) throw new UsageError(`--date takes YYYY-MM-DD, not "${options.date}"`);
  const started = performance.now();
  const report = await createBuilder(buildSettings(config, root)).build(options);
  output.out(describe(report, (performance.now() - started) / 1000));
  return 0;
}
