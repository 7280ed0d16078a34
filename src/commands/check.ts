import { relative } from 'node:path';
import { checkDigests, type CheckedDigest } from '../digest/index.ts';
import { plural } from '../output.ts';
import type { CommandContext } from './context.ts';

function report(checked: readonly CheckedDigest[]): string {
  const lines: string[] = [];
  for (const item of checked) {
    const status = item.errors.length > 0 ? plural(item.errors.length, 'error') : plural(item.papers.length, 'paper');
    const notes = item.warnings.length > 0 ? `, ${plural(item.warnings.length, 'warning')}` : '';
    lines.push(`${(item.date || '??????????').padEnd(10)}  ${item.path}: ${status}${notes}`);
    for (const e of item.errors) lines.push(`  ${item.path}:${e.line}: error: ${e.message}`);
    for (const w of item.warnings) lines.push(`  ${item.path}:${w.line}: warning: ${w.message}`);
  }
  const count = (pick: (c: CheckedDigest) => number) => checked.reduce((sum, c) => sum + pick(c), 0);
  const failed = checked.filter((c) => c.errors.length > 0).length;
  lines.push(
    `${plural(checked.length, 'digest')}, ${plural(
      count((c) => c.papers.length),
      'paper',
    )}, ` +
      `${plural(
        count((c) => c.warnings.length),
        'warning',
      )}, ${plural(
        count((c) => c.errors.length),
        'error',
      )}` +
      (failed > 0 ? ` in ${plural(failed, 'file')}` : ''),
  );
  return lines.join('\n');
}

/** `paperboy check [DIR] [--json]`: exit 1 when any digest has an error. */
export async function checkCommand(ctx: CommandContext, dir: string | undefined, flags: { json?: unknown }): Promise<number> {
  const folder = dir ?? (relative(ctx.cwd, ctx.config().digestsDir) || '.');
  const checked = await checkDigests(folder, ctx.cwd);
  ctx.output.out(flags.json ? JSON.stringify(checked, null, 2) : report(checked));
  return checked.some((c) => c.errors.length > 0) ? 1 : 0;
}
