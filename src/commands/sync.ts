import type { CommandContext } from './context.ts';

/** `paperboy sync`: fetches once from PAPERBOY_DIGESTS_SOURCE and says what was added and changed. */
export async function syncCommand(ctx: CommandContext, flags: { json?: unknown }): Promise<number> {
  const app = ctx.app();
  const source = app.source;
  if (source === undefined) {
    ctx.output.out(`no PAPERBOY_DIGESTS_SOURCE set: the digests folder (${app.config.digestsDir}) is the source; nothing to fetch`);
    return 0;
  }
  const report = await source.sync();
  if (flags.json) {
    ctx.output.out(JSON.stringify(report, null, 2));
    return 0;
  }
  const at = report.revision ? ` at ${report.revision}` : '';
  const lines = [
    report.added.length + report.changed.length === 0
      ? `${source.spec}: up to date${at}`
      : `${source.spec}${at}: ${report.added.length} added, ${report.changed.length} changed, ${report.unchanged} unchanged`,
    ...report.added.map((path) => `  added    ${path}`),
    ...report.changed.map((path) => `  changed  ${path}`),
  ];
  ctx.output.out(lines.join('\n'));
  for (const skipped of report.skipped) ctx.output.err(`${skipped} (skipped)`);
  return 0;
}
