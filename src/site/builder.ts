import { existsSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sameDay, sameDayMessage, type Digest, type DigestLibrary, type SkippedPath } from '../digest/index.ts';
import { DigestError, PaperboyError } from '../errors.ts';
import { removeLeftovers } from '../files.ts';
import {
  issueView,
  loadEmailCompiler,
  renderEmail,
  type IssueRef,
  type IssueView,
  type RenderedEmail,
  type Site,
  type TemplateSource,
  type Templates,
  type ViewContext,
} from '../render/index.ts';
import { earlierIssues, emailDigest, issueToSend, type IssueToSend } from './issue.ts';
import { renderIssuePages } from './_pages.ts';
import { breathe, foreseeFolds, renderSiteWide, startSearchIndex, type Ahead, type SiteWide } from './_site-wide.ts';
import { closeIndexer, warmIndexer } from './_search.ts';
import { keyOf, readManifest, writeManifest, type Manifest } from './_manifest.ts';
import { createThreadedWriter, createWriter, type Writer } from './_write.ts';
import { startIssueThread, type IssueThread } from './_render-thread.ts';
import { shareIssues, type SharedJob } from './_shared-issues.ts';

/** Where a build reads and writes, and what the site is. */
export interface BuildSettings {
  library: DigestLibrary;
  outDir: string;
  templates: TemplateSource;
  site: Site;
  hub?: string | undefined;
  /** What the email does with papers an earlier issue carried: mark them (default) or leave them out. */
  repeats?: 'mark' | 'omit' | undefined;
  /** Whether the build makes the search index (default true); benchmarks turn it off to compare. */
  search?: boolean | undefined;
  /**
   * A builder that stays up (`start`): it makes ahead, after a build, what a coming day's build
   * needs (the indexes a quarter's first day folds), and removes folded indexes after a build.
   */
  foresee?: boolean | undefined;
  /** From how many issues to render a build's issues on a thread of their own (default 100): starting one costs about as much as 50 issues. */
  issueThreadFrom?: number | undefined;
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
  /** Set when its email was rendered (an issue whose email did not change has only its pages rendered). */
  emailBytes?: number;
  fullPapers?: number;
  /** Of the rest, how many the email lists by title (the others are only on the web). */
  listedPapers?: number;
}

/** What a build did. */
export interface BuildReport {
  issues: IssueReport[];
  written: string[];
  unchanged: number;
  newest: string | undefined;
  /** The periods (`YYYY-MM`, `YYYY-qN`, `YYYY`) whose search index was made again. */
  indexed: string[];
  /** Whether the issues were rendered on a thread of their own (a build of many). */
  threaded: boolean;
}

/**
 * Renders the digests into `out/` and hands out issues to mail. It keeps parsed digests, compiled
 * templates, issue views and rendered emails between calls, so a warm rebuild renders only what
 * changed, and mailing an issue the build just rendered renders nothing again.
 */
export interface Builder {
  /** Renders what changed; a build asked for while another runs waits for it to end. */
  build(options?: BuildOptions): Promise<BuildReport>;
  /** Every digest, oldest first; a broken one stops with the reader's `file:line:` messages. */
  digests(): Promise<Digest[]>;
  /** The issue of a day, ready to mail: the email the build renders, and its topic variants. */
  issue(date: string): Promise<IssueToSend>;
  /** The paths named like digests that the last reading skipped (links, folders), and why. */
  skipped(): readonly SkippedPath[];
  /** An email gathered from several issues (the weekly), ready to mail. */
  compose(digest: Digest, context: ViewContext, id: string, label: string): Promise<IssueToSend>;
  /** Resolves once what the builds left for after them (indexes made ahead, folders removed) is done. */
  settled(): Promise<void>;
  /** Stops the search indexer's process, which stays up between builds. */
  close(): Promise<void>;
}

const PAGE_FILES = ['issues/%.html', 'issues/%.txt', 'archive/%.md'];
const EMAIL_FILES = ['email/%.html', 'email/%.txt'];
const ISSUE_FOLDERS = ['issues', 'email', 'archive'];

// From this many issues on, files are written on a thread of their own while rendering goes on.
const THREADED_WRITES = 24;
// From this many, the issues are rendered on a thread of their own, while this one renders the rest.
const THREADED_ISSUES = 100;

// The files in some folders of out/, as paths under it: one listing each, where a build of every
// issue would otherwise ask after thousands of files one by one.
async function existingFiles(outDir: string, folders: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const folder of folders) {
    const names = await readdir(join(outDir, folder)).catch(() => []);
    for (const name of names) found.add(`${folder}/${name}`);
  }
  return found;
}

/** A build's writer, and the thread that renders its issues when there are many; `abort` stops both. */
interface Helpers {
  out: Writer;
  thread: IssueThread | undefined;
  abort(): Promise<void>;
}

/** The state of the digests a build or a mailing works from. */
interface Prepared {
  templates: Templates;
  digests: Digest[];
  dates: string[];
  hashOf: Map<string, string>;
  siteKey: string;
  /** One key per issue: what its pages are made from. */
  keys: string[];
  /** One key per issue: what its email is made from (not the next issue: an email is mailed before there is one). */
  emailKeys: string[];
  contextAt(i: number): ViewContext;
  viewAt(i: number): IssueView;
  indexOf(date: string): number;
  /** The views used this time, kept for the next call. */
  used: Map<string, IssueView>;
}

// Folders being removed after a build are renamed to this, then a suffix, under out/.
const REMOVING = '.removing-';

// Rendered emails are kept for the newest issues only: those are the ones mailed.
const KEPT_EMAILS = 3;

/** Creates a builder for `out/`: parse every digest, render what changed, write each file atomically. */
export function createBuilder(settings: BuildSettings): Builder {
  const issueThreadFrom = settings.issueThreadFrom ?? THREADED_ISSUES;
  const hashes = new WeakMap<Digest, string>();
  let swept = false;
  let views = new Map<string, IssueView>();
  const emails = new Map<string, RenderedEmail>();
  const feedCuts = new Map<string, number>();
  // What the builds leave for after them: the work itself, and what it is doing.
  const after: Promise<unknown>[] = [];
  const ahead: Ahead | undefined = settings.foresee
    ? {
        foreseen: new Map(),
        removeLater(path) {
          // Out of the way at once (one rename), removed while the build answers.
          const away = join(settings.outDir, `${REMOVING}${basename(path)}-${randomBytes(4).toString('hex')}`);
          try {
            renameSync(join(settings.outDir, path), away);
          } catch {
            rmSync(join(settings.outDir, path), { recursive: true, force: true });
            return;
          }
          after.push(rm(away, { recursive: true, force: true }));
        },
      }
    : undefined;

  // Every digest, oldest first; any error in any of them stops before anything is written.
  async function readAll(): Promise<Digest[]> {
    const entries = await settings.library.readAll();
    const failures = entries.filter((e) => e.reading.errors.length > 0).map((e) => new DigestError(e.path, e.reading.errors).message);
    const dated = entries.map((e) => ({ path: e.path, date: e.reading.digest.date }));
    for (const [second, first] of sameDay(dated)) failures.push(`${second.path}:1: ${sameDayMessage(second.date, first.path)}`);
    if (failures.length > 0) throw new PaperboyError(`${failures.join('\n')}\nnothing was built; out/ is unchanged`);
    const digests = entries.map((e) => e.reading.digest).sort((a, b) => a.date.localeCompare(b.date));
    for (const d of digests) if (!hashes.has(d)) hashes.set(d, keyOf(JSON.stringify(d)));
    return digests;
  }

  async function prepare(loaded?: Templates): Promise<Prepared> {
    const templates = loaded ?? (await settings.templates());
    const digests = await readAll();
    const dates = digests.map((d) => d.date);
    const siteKey = keyOf(JSON.stringify(settings.site), settings.hub ?? '', templates.hash);
    const hashOf = new Map(digests.map((d) => [d.date, hashes.get(d) as string]));
    const earlier = earlierIssues(digests);
    const repeats = settings.repeats ?? 'mark';
    const earlierKeys = earlier.map((e) => JSON.stringify([...e]));
    const keys = digests.map((d, i) =>
      keyOf(hashOf.get(d.date) as string, dates[i - 1] ?? '', dates[i + 1] ?? '', siteKey, repeats, earlierKeys[i] as string),
    );
    const emailKeys = digests.map((d, i) =>
      keyOf('email', hashOf.get(d.date) as string, dates[i - 1] ?? '', siteKey, repeats, earlierKeys[i] as string),
    );
    const ref = (i: number): IssueRef | undefined => {
      const d = digests[i];
      return d && { date: d.date, count: d.papers.length };
    };
    const contextAt = (i: number): ViewContext => ({ previous: ref(i - 1), next: ref(i + 1), earlier: earlier[i] });
    const used = new Map<string, IssueView>();
    const viewAt = (i: number): IssueView => {
      const key = keys[i] as string;
      const view = used.get(key) ?? views.get(key) ?? issueView(digests[i] as Digest, settings.site, contextAt(i));
      used.set(key, view);
      return view;
    };
    const positions = new Map(dates.map((d, i) => [d, i]));
    const indexOf = (date: string) => {
      const i = positions.get(date);
      if (i === undefined) throw new PaperboyError(`no digest for ${date} in ${settings.library.dir}`);
      return i;
    };
    return { templates, digests, dates, hashOf, siteKey, keys, emailKeys, contextAt, viewAt, indexOf, used };
  }

  // The email of issue i: the view's papers, less repeats when the settings leave them out.
  function mailedAt(p: Prepared, i: number): { digest: Digest; view: IssueView } {
    const digest = p.digests[i] as Digest;
    const mailed = emailDigest(digest, p.contextAt(i).earlier ?? new Map(), settings.repeats);
    return { digest: mailed, view: mailed === digest ? p.viewAt(i) : issueView(mailed, settings.site, p.contextAt(i)) };
  }

  // How many issues a build of every one is likely to render: the digest files, less the issues
  // out/ has (all of them when forced). A listing, read before the digests are.
  async function likelyStale(manifest: Manifest, options: BuildOptions): Promise<number> {
    const files = await settings.library.count().catch(() => 0);
    return options.force ? files : files - Object.keys(manifest.issues).length;
  }

  // The build's writer and, for many issues, the thread that renders them and writes through it.
  function startHelpers(stale: number, templates: Templates): Helpers {
    const dir = templates.dir;
    const many = dir !== undefined && stale >= issueThreadFrom;
    // The issues' thread writes through the writer's thread.
    const threaded = many || stale >= THREADED_WRITES ? createThreadedWriter(settings.outDir) : undefined;
    const out = threaded ?? createWriter(settings.outDir);
    const thread = threaded && many ? startIssueThread(threaded.port(), dir, templates.hash) : undefined;
    return {
      out,
      thread,
      async abort() {
        await out.abort();
        await thread?.abort();
      },
    };
  }

  // One build at a time: they share out/, its manifest and the search indexer.
  async function buildOnce(options: BuildOptions): Promise<BuildReport> {
    const templates = await settings.templates();
    const manifest = await readManifest(settings.outDir);
    // A build of many issues (every one, into an out/ that has few of them) starts its writer, its
    // issue thread and the search indexer first: they load while the digests are read.
    const expected = options.all ? await likelyStale(manifest, options) : 0;
    let helpers = expected >= issueThreadFrom ? startHelpers(expected, templates) : undefined;
    if (helpers && settings.search !== false) warmIndexer();
    try {
      return await buildWith(options, await prepare(templates), manifest, (stale) => (helpers ??= startHelpers(stale, templates)));
    } finally {
      await helpers?.abort();
    }
  }

  async function buildWith(
    options: BuildOptions,
    p: Prepared,
    manifest: Manifest,
    helpersFor: (stale: number) => Helpers,
  ): Promise<BuildReport> {
    // Temporary files a killed build left behind are removed once, by the first build.
    if (!swept) {
      await removeLeftovers(settings.outDir);
      for (const name of await readdir(settings.outDir).catch(() => [])) {
        if (name.startsWith(REMOVING)) await rm(join(settings.outDir, name), { recursive: true, force: true });
      }
      swept = true;
    }
    const selected = options.all
      ? p.dates.map((_, i) => i)
      : options.date !== undefined
        ? [p.indexOf(options.date)]
        : p.dates.length > 0
          ? [p.dates.length - 1]
          : [];
    const reports: IssueReport[] = [];
    // The issues asked for, and their neighbours, whose previous / next links may have changed.
    const candidates = new Set(
      selected.flatMap((i) => (options.all ? [i] : [i - 1, i, i + 1])).filter((i) => i >= 0 && i < p.digests.length),
    );
    const existing = await existingFiles(settings.outDir, ISSUE_FOLDERS);
    const has = (files: readonly string[], date: string) => files.every((f) => existing.has(f.replace('%', date)));
    // An issue's pages and its email are rendered again each only when what it is made from changed.
    const stale: { i: number; pages: boolean; email: boolean }[] = [];
    for (const i of [...candidates].sort((a, b) => a - b)) {
      const date = p.dates[i] as string;
      const pages = options.force || manifest.issues[date] !== p.keys[i] || !has(PAGE_FILES, date);
      const email = options.force || manifest.emails[date] !== p.emailKeys[i] || !has(EMAIL_FILES, date);
      if (pages || email) stale.push({ i, pages, email });
      else if (selected.includes(i)) reports.push({ date, papers: p.digests[i]?.papers.length ?? 0, rendered: false });
    }

    const fresh = async (name: string, key: string, paths: string[]) =>
      !options.force && manifest.outputs[name] === key && paths.every((path) => existsSync(join(settings.outDir, path)));
    const viewOf = (date: string) => p.viewAt(p.indexOf(date));

    const removals: string[] = [];
    // Many issues are rendered on a thread of their own, while this one renders the rest. A failed
    // build stops the writer and the thread too (the caller's `abort`): they would otherwise keep
    // the program alive.
    const { out, thread } = helpersFor(stale.length);
    const siteWide: SiteWide = {
      digests: p.digests,
      hashOf: p.hashOf,
      siteKey: p.siteKey,
      templates: p.templates,
      site: settings.site,
      hub: settings.hub,
      viewOf,
      manifest,
      out,
      outDir: settings.outDir,
      feedCuts,
      removeAfter: (path) => removals.push(path),
      fresh,
      ahead,
    };
    // The search index is built by another process while this one renders the issues and the rest.
    const search = await startSearchIndex(siteWide, settings.search !== false, settings.outDir);
    const shared: SharedJob[] = [];
    try {
      for (const { i, pages, email: emailStale } of stale) {
        const view = p.viewAt(i);
        manifest.issues[view.date] = p.keys[i] as string;
        const report: IssueReport = { date: view.date, papers: view.count, rendered: true };
        reports.push(report);
        if (thread) {
          shared.push({
            date: view.date,
            pages: pages ? view : undefined,
            email: emailStale ? mailedAt(p, i).view : undefined,
            keep: i >= p.digests.length - KEPT_EMAILS,
            answered({ email, kept }) {
              if (email)
                Object.assign(report, { emailBytes: email.htmlBytes, fullPapers: email.fullPapers, listedPapers: email.listedPapers });
              if (kept) emails.set(p.emailKeys[i] as string, kept);
            },
          });
          if (emailStale) manifest.emails[view.date] = p.emailKeys[i] as string;
          continue;
        }
        if (pages) renderIssuePages(view, p.templates, out);
        await breathe();
        if (!emailStale) continue;
        const email = await renderEmail(mailedAt(p, i).view, p.templates);
        if (i >= p.digests.length - KEPT_EMAILS) emails.set(p.emailKeys[i] as string, email);
        out.put(`email/${view.date}.html`, email.html);
        out.put(`email/${view.date}.txt`, email.text);
        Object.assign(report, { emailBytes: email.htmlBytes, fullPapers: email.fullPapers, listedPapers: email.listedPapers });
        manifest.emails[view.date] = p.emailKeys[i] as string;
      }
      // The thread renders the issues while this one renders the site-wide outputs (only those
      // whose content changed), then helps with the issues the thread has not reached.
      const sharing = thread ? shareIssues(thread, shared, (view) => renderIssuePages(view, p.templates, out)) : undefined;
      await renderSiteWide(siteWide);
      await sharing?.help();
      await search.finish();
      await sharing?.finished;
    } finally {
      await search.stop();
    }

    // The thread hands its last files to the writer before it says it is done.
    await thread?.done();
    const { written, unchanged } = await out.done();
    // Index files a new index no longer names, indexes of periods no longer made, and pages no
    // longer made go once the rest is in place.
    search.prune();
    for (const path of removals) rmSync(join(settings.outDir, path), { force: true });
    writeManifest(settings.outDir, manifest);
    views = p.used;
    const current = new Set(p.emailKeys.slice(-KEPT_EMAILS));
    for (const key of emails.keys()) if (!current.has(key)) emails.delete(key);
    // Once the build has answered: the indexes a coming quarter's first day folds.
    if (ahead && settings.search !== false) after.push(breathe().then(() => foreseeFolds(siteWide, ahead)));
    // A build whose emails a thread rendered loaded no MJML here: the next day's email would wait for it.
    if (ahead && thread) after.push(breathe().then(loadEmailCompiler));
    return { issues: reports, written, unchanged, newest: p.dates.at(-1), indexed: search.periods, threaded: thread !== undefined };
  }

  let building: Promise<unknown> = Promise.resolve();

  return {
    build(options = {}) {
      // A build asked for while another runs starts when that one ends, whether it failed or not.
      const run = building.then(() => buildOnce(options));
      building = run.catch(() => undefined);
      return run;
    },

    digests: readAll,

    skipped: () => settings.library.skipped(),

    async issue(date) {
      const p = await prepare();
      const i = p.indexOf(date);
      const { digest } = mailedAt(p, i);
      const email = emails.get(p.emailKeys[i] as string);
      return issueToSend({ digest, context: p.contextAt(i), site: settings.site, templates: p.templates, email });
    },

    async settled() {
      while (after.length > 0) await Promise.allSettled(after.splice(0));
    },

    close: closeIndexer,

    async compose(digest, context, id, label) {
      return issueToSend({ digest, context, site: settings.site, templates: await settings.templates(), id, label });
    },
  };
}
