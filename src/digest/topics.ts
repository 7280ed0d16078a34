import { dirname } from 'node:path';
import type { Digest, Paper, TaughtDigest, TaughtPaper } from './model.ts';
import type { DigestReading } from './parse.ts';
import { KEYWORD_RULES, type KeywordRule } from './_keywords.ts';
import { NeighbourTagger } from './_learned.ts';
import { inferOnThread } from './_infer-thread.ts';

/** From this many distinct tagged papers on, topics are learned from them rather than taken from the built-in list. */
export const LEARN_FROM = 60;
// Learning from the newest this many is as good as from more, and keeps a large folder quick.
const LEARN_AT_MOST = 3000;

/** How topics are inferred for papers without any: learned from the folder's tagged papers, or from the built-in list. */
export interface Tagger {
  mode: 'learned' | 'built-in';
  /** How many distinct tagged papers it learned from. */
  examples: number;
  tag(paper: PaperText): string[];
}

/** What a tagger reads of a paper. */
export type PaperText = Pick<Paper, 'title' | 'summary'> & { arxivId?: string };

function score(rules: readonly RegExp[], title: string, summary: string): number {
  let total = 0;
  for (const rule of rules) total += rule.test(title) ? 2 : rule.test(summary) ? 1 : 0;
  return total;
}

const WIDE = new Map(KEYWORD_RULES.map((rule) => [rule, [...rule.any, ...(rule.wide ?? [])]]));
// One case-blind pattern per rule that matches wherever any of its phrases could: most rules are
// ruled out by it in one test instead of one per phrase.
const ROUGH = new Map(KEYWORD_RULES.map((rule) => [rule, new RegExp((WIDE.get(rule) ?? []).map((r) => r.source).join('|'), 'i')]));

function matches(rule: KeywordRule, paper: PaperText, text: string, wide: boolean, least: number): boolean {
  const { title, summary } = paper;
  if (!ROUGH.get(rule)?.test(text)) return false;
  const phrases = wide ? (WIDE.get(rule) ?? rule.any) : rule.any;
  if (score(phrases, title, summary) < Math.min(wide ? (rule.min ?? 2) : 2, least)) return false;
  if (rule.also && score(rule.also, title, summary) === 0) return false;
  return !rule.unless || score(rule.unless, title, summary) < 2;
}

const WITHIN = new Map(KEYWORD_RULES.flatMap((rule) => (rule.within ? [[rule.tag, rule.within] as const] : [])));

/**
 * The built-in topics whose phrases a paper's title and summary carry, each with the broader topics
 * it lies within. Read `wide`, the less sure phrases count too, and a paper no topic clearly fits
 * gets those a single phrase points to; read narrow, only the sure phrases count.
 */
export function keywordTags(paper: PaperText, wide = true): string[] {
  // A folder has a tagger a month, made again when a digest of an earlier month changes, and each
  // asks about its month's untagged papers: the phrases a paper carries are looked for once.
  let known = keywordMemo.get(paper);
  if (known?.title !== paper.title || known.summary !== paper.summary) {
    known = { title: paper.title, summary: paper.summary };
    keywordMemo.set(paper, known);
  }
  const side = wide ? 'wide' : 'narrow';
  return [...(known[side] ??= phraseTags(paper, wide))];
}

const keywordMemo = new WeakMap<PaperText, { title: string; summary: string; wide?: string[]; narrow?: string[] }>();

function phraseTags(paper: PaperText, wide: boolean): string[] {
  const text = `${paper.title}\n${paper.summary}`;
  const tags = new Set<string>();
  for (const least of wide ? [2, 1] : [2]) {
    for (const rule of KEYWORD_RULES) {
      if (!matches(rule, paper, text, wide, least)) continue;
      for (let tag: string | undefined = rule.tag; tag !== undefined && !tags.has(tag); tag = WITHIN.get(tag)) tags.add(tag);
    }
    if (tags.size > 0) break;
  }
  return [...tags];
}

/** The distinct papers that carry topics, each once (by arXiv id, its first tagging kept). */
function taggedPapers(digests: readonly TaughtDigest[]): TaughtPaper[] {
  const seen = new Map<string, TaughtPaper>();
  for (const digest of digests)
    for (const paper of digest.papers)
      if (paper.tags.length > 0 && !paper.tagsInferred && !seen.has(paper.arxivId)) seen.set(paper.arxivId, paper);
  return [...seen.values()];
}

/**
 * A tagger for a folder's digests: learned from their tagged papers when there are enough, from the
 * built-in list otherwise, its topics spelled as the folder spells them.
 */
export function taggerFor(digests: readonly TaughtDigest[], learnFrom = LEARN_FROM): Tagger {
  const tagged = taggedPapers(digests);
  const byId = new Map(tagged.map((p) => [p.arxivId, p.tags]));
  const spelling = new Map<string, string>();
  for (const paper of tagged) for (const tag of paper.tags) if (!spelling.has(tag.toLowerCase())) spelling.set(tag.toLowerCase(), tag);
  // The same paper tagged in another digest of the folder: its own tags are the best guess.
  const known = (paper: PaperText) => (paper.arxivId === undefined ? undefined : byId.get(paper.arxivId));
  if (tagged.length < learnFrom) {
    const spell = (tag: string) => spelling.get(tag.toLowerCase()) ?? tag;
    return { mode: 'built-in', examples: tagged.length, tag: remembered((paper) => known(paper) ?? keywordTags(paper).map(spell)) };
  }
  // Learned: the neighbours' topics, and those the built-in list's sure phrases give where the folder
  // uses the same topic (its less sure phrases would cost more precision than they add recall here).
  // Trained when first asked: a folder's tagger whose papers were inferred on another thread is
  // kept only to know, next time, that nothing changed.
  let learner: NeighbourTagger | undefined;
  const tag = (paper: PaperText) => {
    const listed = keywordTags(paper, false).flatMap((t) => spelling.get(t.toLowerCase()) ?? []);
    learner ??= new NeighbourTagger(tagged.slice(-LEARN_AT_MOST));
    return [...new Set([...learner.tag(paper), ...listed])];
  };
  return { mode: 'learned', examples: tagged.length, tag: remembered((paper) => known(paper) ?? tag(paper)) };
}

// Digests carry the same paper again on later days: each distinct paper is tagged once.
function remembered(tag: (paper: PaperText) => string[]): (paper: PaperText) => string[] {
  const seen = new Map<string, string[]>();
  return (paper) => {
    const key = `${paper.arxivId ?? ''}\u0000${paper.title}\u0000${paper.summary}`;
    let tags = seen.get(key);
    if (!tags) seen.set(key, (tags = tag(paper)));
    return tags;
  };
}

/** The topics a tagger infers for each paper of a digest: none for a paper that carries some. */
export function inferredTags(digest: TaughtDigest, tagger: Tagger): (string[] | undefined)[] {
  return digest.papers.map((paper) => (paper.tags.length > 0 ? undefined : tagger.tag(paper)));
}

/** A digest with inferred topics given to its papers (see `inferredTags`); the same object when none were. */
export function withInferredTags<T extends Digest>(digest: T, inferred: readonly (string[] | undefined)[]): T {
  const papers = digest.papers.map((paper, i): Paper => {
    const tags = inferred[i];
    if (!tags || tags.length === 0) return paper;
    const { links, ...rest } = paper;
    return { ...rest, tags: [...tags], tagsInferred: true, links };
  });
  return papers.every((p, i) => p === digest.papers[i]) ? digest : { ...digest, papers };
}

/** The digests with topics inferred for their untagged papers; a digest with nothing to infer is returned as it is. */
export function inferTags<T extends Digest>(digests: readonly T[], tagger: Tagger = taggerFor(digests)): T[] {
  return digests.map((digest) => withInferredTags(digest, inferredTags(digest, tagger)));
}

/** The month (`YYYY-MM`) of a digest: its untagged papers learn from the tagged digests of the months before it. */
export function monthOf(digest: Pick<Digest, 'date'>): string {
  return digest.date.slice(0, 7);
}

const carriesTags = (digest: TaughtDigest) => digest.papers.some((p) => p.tags.length > 0 && !p.tagsInferred);
const byDate = <T extends Pick<Digest, 'date'>>(a: T, b: T) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0);

/**
 * The tagged digests that the untagged papers of a digest of `month` learn from: those of the months
 * before it, oldest first. Never a later one, so that an issue's inferred topics do not change as
 * later digests arrive (what was published, on the web and in the feeds, stays as it was), and a new
 * day trains no tagger but on the first day of a month.
 */
export function teachersBefore<T extends TaughtDigest>(digests: readonly T[], month: string): T[] {
  return digests.filter((d) => monthOf(d) < month && carriesTags(d)).sort(byDate);
}

/** The digests with topics inferred for their untagged papers, each learning from the tagged digests of `teaching` in earlier months. */
export function inferByMonth<T extends Digest>(digests: readonly T[], teaching: readonly Digest[] = digests): T[] {
  const taggers = new Map<string, Tagger>();
  return digests.map((digest) => {
    if (digest.papers.every((p) => p.tags.length > 0)) return digest;
    const month = monthOf(digest);
    let tagger = taggers.get(month);
    if (!tagger) taggers.set(month, (tagger = taggerFor(teachersBefore(teaching, month))));
    return inferTags([digest], tagger)[0] ?? digest;
  });
}

/** How many papers to infer, at least, before the oldest months are inferred on a thread of their own. */
const ELSEWHERE_FROM = 1000;

/**
 * The topic inference of a digests folder, kept between reads: the entries come back with topics
 * inferred, each month's from the folder's readable tagged digests of the months before it. A
 * month's tagger is trained again only when one of those changed, and a digest is inferred again
 * only when it or its month's tagger changed. Many papers to infer (a first reading of a large
 * folder) are shared with a thread: it infers the oldest months, about half the papers, while this
 * one infers the newest (whose taggers a new day uses again).
 */
export function folderInference<T extends { reading: DigestReading }>(
  elsewhereFrom = ELSEWHERE_FROM,
): (entries: readonly T[]) => Promise<T[]> {
  let taggers = new Map<string, { taught: DigestReading[]; tagger: Tagger }>();
  const inferred = new WeakMap<DigestReading, { tagger: Tagger; reading: DigestReading }>();
  return async (entries) => {
    const teaching = entries
      .map((e) => e.reading)
      .filter((r) => r.errors.length === 0 && carriesTags(r.digest))
      .sort((a, b) => byDate(a.digest, b.digest));
    const kept = new Map<string, { taught: DigestReading[]; tagger: Tagger }>();
    const taggerOf = (month: string): Tagger => {
      let known = kept.get(month);
      if (!known) {
        const taught = teaching.filter((r) => monthOf(r.digest) < month);
        const was = taggers.get(month);
        const same = was && was.taught.length === taught.length && was.taught.every((r, i) => r === taught[i]);
        known = same ? was : { taught, tagger: taggerFor(taught.map((r) => r.digest)) };
        kept.set(month, known);
      }
      return known.tagger;
    };
    // The digests to infer again, by month.
    const todo = new Map<string, DigestReading[]>();
    for (const { reading } of entries) {
      if (reading.digest.papers.every((p) => p.tags.length > 0)) continue;
      const month = monthOf(reading.digest);
      if (inferred.get(reading)?.tagger === taggerOf(month)) continue;
      const readings = todo.get(month);
      if (readings) readings.push(reading);
      else todo.set(month, [reading]);
    }
    const record = (reading: DigestReading, tags: (string[] | undefined)[]) => {
      const digest = withInferredTags(reading.digest, tags);
      const tagger = taggerOf(monthOf(reading.digest));
      inferred.set(reading, { tagger, reading: digest === reading.digest ? reading : { ...reading, digest } });
    };
    const away = oldestHalf(todo, elsewhereFrom);
    const answers =
      away.length > 0
        ? inferOnThread(
            teaching.map((r) => r.digest),
            away.map((m) => [m, todo.get(m) ?? []]),
          )
        : undefined;
    for (const [month, readings] of todo) {
      if (away.includes(month)) continue;
      for (const reading of readings) record(reading, inferredTags(reading.digest, taggerOf(month)));
    }
    if (answers) {
      const tags = await answers;
      away.flatMap((m) => todo.get(m) ?? []).forEach((reading, i) => record(reading, tags[i] ?? []));
    }
    taggers = kept;
    return entries.map((entry) => {
      const done = inferred.get(entry.reading);
      return !done || done.reading === entry.reading ? entry : { ...entry, reading: done.reading };
    });
  };
}

// The oldest months of `todo`, holding about half of its untagged papers, when it holds at least
// `least` of them; else none.
function oldestHalf(todo: ReadonlyMap<string, readonly DigestReading[]>, least: number): string[] {
  const untagged = [...todo]
    .map(([month, readings]): [string, number] => [
      month,
      readings.reduce((sum, r) => sum + r.digest.papers.filter((p) => p.tags.length === 0).length, 0),
    ])
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const total = untagged.reduce((sum, [, count]) => sum + count, 0);
  if (total < least || todo.size < 2) return [];
  const away: string[] = [];
  let counted = 0;
  for (const [month, count] of untagged.slice(0, -1)) {
    if (counted >= total / 2) break;
    away.push(month);
    counted += count;
  }
  return away;
}

/** The folder whose digests a file's topics are learned from: the file's own, or the top of a `YYYY/MM/DD.md` tree. */
export function digestsFolderOf(path: string): string {
  const nested = /[/\\]\d{4}[/\\]\d{2}[/\\]\d{2}\.md$/.exec(path);
  return nested ? path.slice(0, nested.index) : dirname(path);
}
