import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLibrary } from '../digest/index.ts';
import { templateSource } from '../render/index.ts';
import { createBuilder, type Builder } from '../site/index.ts';

/** Real digests to build a benchmark from: the shared corpus when it is beside the project, else `digests/`. */
export async function sourceDigests(root: string): Promise<string[]> {
  const corpus = resolve(root, '..', 'shared', 'corpus', 'digests');
  const dir = existsSync(corpus) ? corpus : join(root, 'digests');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.md')).sort();
  return Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
}

/** The date `days` after `start`. */
export function addDays(start: string, days: number): string {
  return new Date(Date.parse(`${start}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Writes `count` digests, one a day from `start` (2023-01-01), in the nested `YYYY/MM/DD.md` layout.
 * With `distinct`, each day's arXiv ids are made its own, as in a real archive where papers rarely repeat.
 */
export async function writeDigestFolder(
  sources: readonly string[],
  count: number,
  distinct = false,
  start = '2023-01-01',
): Promise<{ dir: string; papers: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-bench-'));
  let papers = 0;
  for (let i = 0; i < count; i++) {
    const date = addDays(start, i);
    const source = sources[i % sources.length] ?? '';
    const dated = source.replace(/(#+\s*Papers\s+for\s+)\d{4}-\d{2}-\d{2}/i, `$1${date}`);
    const text = distinct
      ? dated.replace(
          /(arxiv\.org\/abs\/|huggingface\.co\/papers\/)\d{4}\.(\d{4,5})/g,
          (_, host: string, n: string) => `${host}${String(2300 + Math.floor(i / 10)).slice(-4)}.${String(i % 10)}${n.slice(-4)}`,
        )
      : dated;
    papers += (text.match(/^\|\s*\S/gm)?.length ?? 2) - 2;
    const [y, m, d] = date.split('-');
    await mkdir(join(dir, y ?? '', m ?? ''), { recursive: true });
    await writeFile(join(dir, y ?? '', m ?? '', `${d}.md`), text);
  }
  return { dir, papers };
}

/** A builder over a digests folder, with the project's templates; `foresee` as `start`'s builder does. */
export function benchBuilder(
  root: string,
  digestsDir: string,
  outDir: string,
  url = 'https://papers.example.org',
  search = true,
  foresee = false,
): Builder {
  const site = { url, title: 'Daily Papers', language: 'en' };
  const templates = templateSource(join(root, 'templates'));
  return createBuilder({ library: createLibrary(digestsDir), outDir, templates, site, search, foresee });
}
