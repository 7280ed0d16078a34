import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { findDigests, readDigestFile, type Digest, type DigestFile, type DigestReading } from '../digest/index.ts';
import { DigestError, PaperboyError } from '../errors.ts';
import { renderArchiveIndex, renderArchiveIssue } from '../render/archive.ts';
import { renderEmail } from '../render/email.ts';
import { renderFeeds } from '../render/feeds.ts';
import { renderIndexPage, renderIssuePage, renderIssueText, type IssueListing } from '../render/page.ts';
import { loadTemplates, type Templates } from '../render/_templates.ts';
import { issueView, siteUrls, type IssueRef, type IssueView, type Site, type TagView } from '../render/_view.ts';
import { keyOf, readManifest, writeManifest } from './_manifest.ts';
import { createThreadedWriter, createWriter, type Writer } from './_write.ts';

/** Where a build reads and writes, and what the site is. */
export interface BuildSettings {
  digestsDir: string;
  outDir: string;
  templatesDir: string;
  site: Site;
  hub?: string | undefined;
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

/** A builder keeps parsed digests and compiled templates between builds, for a warm rebuild. */
export interface Builder {
  build(options?: BuildOptions): Promise<BuildReport>;
}

interface Cached {
  mtimeMs: number;
  size: number;
  reading: DigestReading;
}

const ISSUE_FILES = ['email/%.html', 'email/%.txt', 'issues/%.html', 'issues/%.txt', 'archive/%.md'];

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function issueFilesExist(outDir: string, date: string): Promise<boolean> {
  const found = await Promise.all(ISSUE_FILES.map((f) => exists(join(outDir, f.replace('%', date)))));
  return found.every(Boolean);
}

/** The web page, text and Markdown files of one issue, by path under `out/`. */
function renderIssuePages(view: IssueView, templates: Templates, out: Writer): void {
  out.put(`issues/${view.date}.html`, renderIssuePage(view, templates));
  out.put(`issues/${view.date}.txt`, renderIssueText(view, templates));
  out.put(`archive/${view.date}.md`, renderArchiveIssue(view, templates));
}

function renderSite(views: IssueView[], settings: BuildSettings, templates: Templates, out: Writer): void {
  const { site } = settings;
  const urls = siteUrls(site);
  const newestFirst = [...views].reverse();
  const listing: IssueListing[] = newestFirst.map((v) => ({
    date: v.date,
    displayDate: v.displayDate,
    count: v.count,
    countText: v.countText,
    webUrl: v.webUrl,
    lead: v.papers[0]?.titleText ?? '',
  }));
  const tags = new Map<string, TagView>();
  for (const view of views) for (const paper of view.papers) for (const tag of paper.tags) if (!tags.has(tag.slug)) tags.set(tag.slug, tag);
  const sortedTags = [...tags.values()].sort((a, b) => a.name.localeCompare(b.name));
  const latest = newestFirst[0];
  out.put('index.html', renderIndexPage(site, urls.feeds, listing, latest && { webUrl: latest.webUrl, displayDate: latest.displayDate, papers: latest.papers }, sortedTags, templates));
  out.put('archive/README.md', renderArchiveIndex(site, urls.feeds, listing, templates));
  out.put('assets/site.css', templates.css);
  for (const [path, content] of renderFeeds(views, site, templates, settings.hub)) out.put(path, content);
}

// From this many issues on, files are written on a thread of their own while rendering goes on.
const THREADED_WRITES = 24;

/** Creates a builder for `out/`: parse every digest, render what changed, write each file atomically. */
export function createBuilder(settings: BuildSettings): Builder {
  const cache = new Map<string, Cached>();

  async function read(file: DigestFile): Promise<DigestReading> {
    const info = await stat(file.path);
    const hit = cache.get(file.path);
    if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit.reading;
    const reading = await readDigestFile(file.path);
    cache.set(file.path, { mtimeMs: info.mtimeMs, size: info.size, reading });
    return reading;
  }

  async function readAll(): Promise<Digest[]> {
    const files = await findDigests(settings.digestsDir);
    const digests: Digest[] = [];
    const failures: string[] = [];
    for (const file of files) {
      const { digest, errors } = await read(file);
      if (errors.length > 0) failures.push(new DigestError(file.path, errors).message);
      else digests.push(digest);
    }
    if (failures.length > 0) throw new PaperboyError(`${failures.join('\n')}\nnothing was built; out/ is unchanged`);
    return digests;
  }

  return {
    async build(options = {}) {
      const templates = await loadTemplates(settings.templatesDir);
      const digests = await readAll();
      const dates = digests.map((d) => d.date);
      let selected: number[];
      if (options.all) selected = digests.map((_, i) => i);
      else if (options.date !== undefined) {
        const index = dates.indexOf(options.date);
        if (index === -1) throw new PaperboyError(`no digest for ${options.date} in ${settings.digestsDir}`);
        selected = [index];
      } else selected = digests.length > 0 ? [digests.length - 1] : [];

      const siteKey = keyOf(JSON.stringify(settings.site), settings.hub ?? '', templates.hash);
      const ref = (i: number): IssueRef | undefined => {
        const d = digests[i];
        return d && { date: d.date, count: d.papers.length };
      };
      const keys = digests.map((d, i) => keyOf(JSON.stringify(d), dates[i - 1] ?? '', dates[i + 1] ?? '', siteKey));
      const views: IssueView[] = [];
      const viewOf = (i: number) => (views[i] ??= issueView(digests[i] as Digest, settings.site, { previous: ref(i - 1), next: ref(i + 1) }));

      const manifest = await readManifest(settings.outDir);
      const reports: IssueReport[] = [];
      // The issues asked for, and their neighbours, whose previous / next links may have changed.
      const candidates = new Set(selected.flatMap((i) => (options.all ? [i] : [i - 1, i, i + 1])).filter((i) => i >= 0 && i < digests.length));
      const stale: number[] = [];
      for (const i of [...candidates].sort((a, b) => a - b)) {
        const date = dates[i] as string;
        if (options.force || manifest.issues[date] !== keys[i] || !(await issueFilesExist(settings.outDir, date))) stale.push(i);
        else if (selected.includes(i)) reports.push({ date, papers: digests[i]?.papers.length ?? 0, rendered: false });
      }
      const out = stale.length >= THREADED_WRITES ? createThreadedWriter(settings.outDir) : createWriter(settings.outDir);
      for (const i of stale) {
        const view = viewOf(i);
        renderIssuePages(view, templates, out);
        const email = await renderEmail(view, templates);
        out.put(`email/${view.date}.html`, email.html);
        out.put(`email/${view.date}.txt`, email.text);
        reports.push({ date: view.date, papers: view.count, rendered: true, emailBytes: email.htmlBytes, fullPapers: email.fullPapers });
      }
      for (const i of stale) manifest.issues[dates[i] as string] = keys[i] as string;
      const globalKey = keyOf(siteKey, ...keys);
      if (manifest.site !== globalKey || options.force || !(await exists(join(settings.outDir, 'index.html')))) {
        renderSite(digests.map((_, i) => viewOf(i)), settings, templates, out);
        manifest.site = globalKey;
      }

      const { written, unchanged } = await out.done();
      writeManifest(settings.outDir, manifest);
      return { issues: reports, written, unchanged, newest: dates.at(-1) };
    },
  };
}
