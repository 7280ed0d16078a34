import { relative, resolve, sep } from 'node:path';
import { createLibrary, digestsFolderOf, inferTags, loadDigest, monthOf, taggerFor, teachersBefore, type Digest } from '../digest/index.ts';
import { plural } from '../output.ts';
import type { CommandContext } from './context.ts';

function describe(digest: Digest, path: string): string {
  const lines = [`${path}: ${digest.date}, ${plural(digest.papers.length, 'paper')}, ${plural(digest.warnings.length, 'warning')}`];
  digest.papers.forEach((paper, i) => {
    lines.push(`${String(i + 1).padStart(3)}. ${paper.arxivId.padEnd(10)} ${paper.title}`);
    const facts = [
      paper.authors.length > 0 ? paper.authors.join(', ') : 'no authors',
      plural(paper.points.length, 'point'),
      ...(paper.tags.length > 0 ? [`${paper.tags.join(', ')}${paper.tagsInferred ? ' (topics inferred)' : ''}`] : []),
      ...(paper.links.github.length > 0 ? [plural(paper.links.github.length, 'code link')] : []),
      ...(paper.links.huggingface.length > 0 ? [plural(paper.links.huggingface.length, 'Hugging Face link')] : []),
    ];
    lines.push(`               ${facts.join(' · ')}`);
  });
  for (const w of digest.warnings) lines.push(`${path}:${w.line}: warning: ${w.message}`);
  return lines.join('\n');
}

/** `paperboy parse FILE [--json]`: reads one digest and prints it. */
export async function parseCommand(ctx: CommandContext, file: string, flags: { json?: boolean | string | undefined }): Promise<number> {
  const path = resolve(ctx.cwd, file);
  const read = await loadDigest(path, file);
  // Topics of untagged papers are learned from the folder the file sits in, as a build would.
  const folder = await createLibrary(digestsFolderOf(path))
    .readAll()
    .catch(() => []);
  const others = folder.filter((e) => e.reading.errors.length === 0 && e.path !== path).map((e) => e.reading.digest);
  const tagger = taggerFor(teachersBefore(others, monthOf(read)));
  const [digest = read] = inferTags([read], tagger);
  // A file a sync brought carries where it came from: the upstream commit, or the URL and its ETag.
  const inDigests = relative(ctx.config().digestsDir, path);
  const origin = inDigests.startsWith('..')
    ? undefined
    : await ctx.app({ readOnly: true }).sourceRecords.get(inDigests.split(sep).join('/'));
  const source = origin && { origin: origin.origin, etag: origin.etag || undefined, changedAt: origin.changedAt, seenAt: origin.seenAt };
  ctx.output.out(flags.json ? JSON.stringify(source ? { ...digest, source } : digest, null, 2) : describe(digest, file));
  return 0;
}
