import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDigest } from '../digest/index.ts';
import { EMAIL_HTML_LIMIT, issueView, loadTemplates, renderEmail } from '../render/index.ts';
import type { BenchResult } from './result.ts';

/** The email's size for the largest real digests, against Gmail's clipping. */
export async function benchEmailSize(root: string): Promise<BenchResult> {
  const corpus = resolve(root, '..', 'shared', 'corpus', 'digests');
  const names = existsSync(corpus) ? ['2025-09-30.md', '2025-05-27.md', '2024-10-10.md', '2025-03-11.md'] : [];
  const files = names.length > 0 ? names.map((n) => join(corpus, n)) : [join(root, 'digests', '2024-10-04.md')];
  const templates = await loadTemplates(join(root, 'templates'));
  const figures: Record<string, string> = {};
  let pass = true;
  for (const file of files) {
    const digest = parseDigest(await readFile(file, 'utf8'), file);
    const email = await renderEmail(issueView(digest, { url: 'https://papers.example.org', title: 'Daily Papers', language: 'en' }), templates);
    pass &&= email.htmlBytes < EMAIL_HTML_LIMIT && email.styleBytes < 16_000;
    figures[digest.date] = `${digest.papers.length} papers, ${(email.htmlBytes / 1000).toFixed(1)} kB HTML, ${(email.styleBytes / 1000).toFixed(1)} kB style, ${email.fullPapers} in full`;
  }
  return { name: 'email size', target: 'email HTML under 90 kB, style under 16 kB', figures, pass };
}
