import { listDigestFiles, readDigestFile, sameDay, sameDayMessage, type Digest, type Note } from '../digest/index.ts';
import { plural, type Output } from './_output.ts';

/** One checked file: the parse model with its path and errors. */
export interface CheckedDigest extends Digest {
  path: string;
  errors: Note[];
}

/** Reads every digest under `dir`; two files for one day are an error in both. */
export async function checkDigests(dir: string): Promise<CheckedDigest[]> {
  const checked: CheckedDigest[] = [];
  for (const file of await listDigestFiles(dir)) {
    const { digest, errors } = await readDigestFile(file);
    checked.push({ path: file, ...digest, errors });
  }
  for (const [second, first] of sameDay(checked)) {
    second.errors.push({ line: 1, message: sameDayMessage(second.date, first.path) });
    first.errors.push({ line: 1, message: sameDayMessage(first.date, second.path) });
  }
  return checked;
}

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
    `${plural(checked.length, 'digest')}, ${plural(count((c) => c.papers.length), 'paper')}, ` +
      `${plural(count((c) => c.warnings.length), 'warning')}, ${plural(count((c) => c.errors.length), 'error')}` +
      (failed > 0 ? ` in ${plural(failed, 'file')}` : ''),
  );
  return lines.join('\n');
}

/** `paperboy check [DIR] [--json]`: exit 1 when any digest has an error. */
export async function checkCommand(dir: string, options: { json?: boolean }, output: Output): Promise<number> {
  const checked = await checkDigests(dir);
  output.out(options.json ? JSON.stringify(checked, null, 2) : report(checked));
  return checked.some((c) => c.errors.length > 0) ? 1 : 0;
}
