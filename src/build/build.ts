import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listDigestFiles, readDigestFile, sameDay, sameDayMessage, type Digest, type DigestReading } from '../digest/index.ts';
import { DigestError, PaperboyError } from '../errors.ts';
import { renderEmail } from '../render/email.ts';
import { planFeeds, renderFeed } from '../render/feeds.ts';
import { loadTemplates, type Templates } from '../render/_templates.ts';
import { issueView, type IssueRef, type IssueView, type Site } from '../render/_view.ts';
import { renderIssuePages, renderSitePages, sitePagesInput } from './_pages.ts';
import { keyOf, readManifest, writeManifest } from './_manifest.ts';
import { createThreadedWriter, createWriter } from './_write.ts';

/** Where a build reads and writes, and what the site is. */
export interface BuildSettings {
  digestsDir: string;
  outDir: string;
  templatesDir: string;
  site: Site;
  hub?: string | undefined;
  /** What the email does with papers an earlier issue carried: mark them (default) or leave them out. */
  repeats?: 'mark' | 'omit' | undefined;
}

/** For each issue, oldest first, the earlier issue (date) that first carried each of its papers that is not new. */
export function earlierIssues(digests: readonly Digest[]): Map<string, string>[] {
  const first = new Map<string, string>();
  return digests.map((digest) => {
    const earlier = new Map<string, string>();
    for (const paper of digest.papers) {
      const seen = first.get(paper.arxivId);
      if (seen !== undefined && seen !== digest.date) earlier.set(paper.arxivId, seen);
      else first.set(paper.arxivId, digest.date);
    }
    return earlier;
  });
}

/** The digest an issue's email carries: without the papers an earlier issue carried, when the settings say so. */
export function emailDigest(digest: Digest, earlier: ReadonlyMap<string, string>, repeats: 'mark' | 'omit' | undefined): Digest {
  return repeats === 'omit' ? { ...digest, papers: digest.papers.filter((p) => !earlier.has(p.arxivId)) } : digest;
}

/** Which issues to render: the newest (default), one date, or every one. */
export interface BuildOptions {
  date?: string | undefined;
  all?: boolean | undefined;
  force?: boolean | undefined;
}

/** What one issue's rendering gave. */
export interface IssueReport {
  date: string;
  papers: number;
  rendered: boolean;
  emailBytes?: number;
  fullPapers?: number;
}

/** What a build did. */
export interface BuildReport {
  issues: IssueReport[];
  written: string[];
  unchanged: number;
  newest: string | undefined;
}

/** A builder keeps parsed digests, compiled templates and issue views between builds, for a warm rebuild. */
export interface Builder {
  build(options?: BuildOptions): Promise<BuildReport>;
}

interface Read {
  path: string;
  digest: Digest;
  /** A hash of the parsed digest: what every output of the issue depends on. */
  hash: string;
}

interface Cached {
  mtimeMs: number;
  size: number;
  reading: DigestReading;
  hash: string;
}

const ISSUE_FILES = ['email/%.html', 'email/%.txt', 'issues/%.html', 'issues/%.txt', 'archive/%.md'];

// From this many issues on, files are written on a thread of their own while rendering goes on.
const THREADED_WRITES = 24;

async function exists(outDir: string, path: string): Promise<boolean> {
  return access(join(outDir, path)).then(
    () => true,
    () => false,
  );
}

async function allExist(outDir: string, paths: readonly string[]): Promise<boolean> {
  return (await Promise.all(paths.map((p) => exists(outDir, p)))).every(Boolean);
}

/** Creates a builder for `out/`: parse every digest, render what changed, write each file atomically. */
export function createBuilder(settings: BuildSettings): Builder {
  const cache = new Map<string, Cached>();
  let compiled: Templates | undefined;
  let views = new Map<string, IssueView>();

  async function read(path: string): Promise<Cached> {
    const info = await stat(path);
    const hit = cache.get(path);
    if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit;
    const reading = await readDigestFile(path);
    const entry = { mtimeMs: info.mtimeMs, size: info.size, reading, hash: keyOf(JSON.stringify(reading.digest)) };
    cache.set(path, entry);
    return entry;
  }

  // Every digest, oldest first; any error in any of them stops the build before it writes anything.
  async function readAll(): Promise<Read[]> {
    const paths = await listDigestFiles(settings.digestsDir);
    const readings = await Promise.all(paths.map(async (path) => ({ path, ...(await read(path)) })));
    const failures = readings.filter((r) => r.reading.errors.length > 0).map((r) => new DigestError(r.path, r.reading.errors).message);
    const dated = readings.map((r) => ({ path: r.path, date: r.reading.digest.date }));
    for (const [second, first] of sameDay(dated)) failures.push(`${second.path}:1: ${sameDayMessage(second.date, first.path)}`);
    if (failures.length > 0) throw new PaperboyError(`${failures.join('\n')}\nnothing was built; out/ is unchanged`);
    return readings.map((r) => ({ path: r.path, digest: r.reading.digest, hash: r.hash })).sort((a, b) => a.digest.date.localeCompare(b.digest.date));
  }

  function select(dates: readonly string[], options: BuildOptions): number[] {
    if (options.all) return dates.map((_, i) => i);
    if (options.date === undefined) return dates.length > 0 ? [dates.length - 1] : [];
    const index = dates.indexOf(options.date);
    if (index === -1) throw new PaperboyError(`no digest for ${options.date} in ${settings.digestsDir}`);
    return [index];
  }

  return {
    async build(options = {}) {
      const templates = (compiled = await loadTemplates(settings.templatesDir, compiled));
      const issues = await readAll();
      const digests = issues.map((r) => r.digest);
      const dates = digests.map((d) => d.date);
      const selected = select(dates, options);
      const siteKey = keyOf(JSON.stringify(settings.site), settings.hub ?? '', templates.hash);
      const hashOf = new Map(issues.map((r) => [r.digest.date, r.hash]));
      const earlier = earlierIssues(digests);
      const repeatsKey = settings.repeats ?? 'mark';
      const keys = issues.map((r, i) => keyOf(r.hash, dates[i - 1] ?? '', dates[i + 1] ?? '', siteKey, repeatsKey, JSON.stringify([...(earlier[i] ?? [])])));
      const ref = (i: number): IssueRef | undefined => {
        const d = digests[i];
        return d && { date: d.date, count: d.papers.length };
      };
      const used = new Map<string, IssueView>();
      const viewAt = (i: number): IssueView => {
        const key = keys[i] as string;
        const view = used.get(key) ?? views.get(key) ?? issueView(digests[i] as Digest, settings.site, { previous: ref(i - 1), next: ref(i + 1), earlier: earlier[i] });
        used.set(key, view);
        return view;
      };
      const indexOf = new Map(dates.map((d, i) => [d, i]));
      const viewOf = (date: string) => viewAt(indexOf.get(date) as number);

      const manifest = await readManifest(settings.outDir);
      const reports: IssueReport[] = [];
      // The issues asked for, and their neighbours, whose previous / next links may have changed.
      const candidates = new Set(selected.flatMap((i) => (options.all ? [i] : [i - 1, i, i + 1])).filter((i) => i >= 0 && i < digests.length));
      const stale: number[] = [];
      for (const i of [...candidates].sort((a, b) => a - b)) {
        const date = dates[i] as string;
        const fresh = !options.force && manifest.issues[date] === keys[i] && (await allExist(settings.outDir, ISSUE_FILES.map((f) => f.replace('%', date))));
        if (!fresh) stale.push(i);
        else if (selected.includes(i)) reports.push({ date, papers: digests[i]?.papers.length ?? 0, rendered: false });
      }

      const out = stale.length >= THREADED_WRITES ? createThreadedWriter(settings.outDir) : createWriter(settings.outDir);
      for (const i of stale) {
        const view = viewAt(i);
        renderIssuePages(view, templates, out);
        const mailed = emailDigest(digests[i] as Digest, earlier[i] ?? new Map(), settings.repeats);
        const emailView = mailed === digests[i] ? view : issueView(mailed, settings.site, { previous: ref(i - 1), next: ref(i + 1) });
        const email = await renderEmail(emailView, templates);
        out.put(`email/${view.date}.html`, email.html);
        out.put(`email/${view.date}.txt`, email.text);
        reports.push({ date: view.date, papers: view.count, rendered: true, emailBytes: email.htmlBytes, fullPapers: email.fullPapers });
        manifest.issues[view.date] = keys[i] as string;
      }

      // Site-wide outputs are rendered only when what they show changed.
      const fresh = async (name: string, key: string, paths: string[]) =>
        !options.force && manifest.outputs[name] === key && (await allExist(settings.outDir, paths));
      const pages = sitePagesInput(digests, viewOf, settings.site);
      const pagesKey = keyOf(siteKey, JSON.stringify(pages.summary), pages.latest ? (hashOf.get(pages.latest) ?? '') : '');
      if (!(await fresh('pages', pagesKey, ['index.html', 'archive/README.md', 'assets/site.css']))) {
        renderSitePages(pages, settings.site, templates, out);
        manifest.outputs.pages = pagesKey;
      }
      for (const plan of planFeeds(digests)) {
        const key = keyOf(siteKey, JSON.stringify(plan), ...plan.dates.map((d) => hashOf.get(d) ?? ''));
        const paths = plan.base === 'feeds' ? ['feeds/rss.xml', 'feeds/atom.xml', 'feeds/feed.json'] : [`${plan.base}.rss.xml`, `${plan.base}.atom.xml`, `${plan.base}.json`];
        if (await fresh(plan.base, key, paths)) continue;
        for (const [path, content] of renderFeed(plan, viewOf, settings.site, templates, settings.hub)) out.put(path, content);
        manifest.outputs[plan.base] = key;
      }

      const { written, unchanged } = await out.done();
      writeManifest(settings.outDir, manifest);
      views = used;
      return { issues: reports, written, unchanged, newest: dates.at(-1) };
    },
  };
}
