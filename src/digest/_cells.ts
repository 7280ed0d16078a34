import { arxivIdOf, hfPaperIdOf, normalizeLink, scanLinks, type LinkKind } from './_links.ts';

/** Collapses runs of white space, as a wrapped cell leaves them. */
export function tidy(text: string): string {
  // Single spaces are left alone: rewriting each of them costs more than the rest of the parse.
  return text.replace(/\s{2,}|[^\S ]/g, ' ').trim();
}

const EMPTY = /^(?:n\/?a|none|null|-|—)?$/i;

/** Whether a cell says "nothing here". */
export function isEmptyCell(text: string): boolean {
  return EMPTY.test(text.trim());
}

/** The title of a title cell and the links it carries. */
export interface TitleCell {
  title: string;
  links: string[];
}

const READ_MORE = /[\s(\-–—:,]*(?:(?:read|see)\s+more(?:\s+(?:on|at))?|more\s+on)?[\s(\-–—:,]*$/i;

/** Reads `[Title](url)`, `Title (Read more on [arXiv](…) …)` or plain text. */
export function readTitleCell(cell: string): TitleCell {
  const text = cell.trim();
  const links = scanLinks(text);
  const first = links[0];
  if (!first) return { title: tidy(text), links: [] };
  const before = text.slice(0, first.start);
  // Only the end of the text can hold "(Read more on"; looking at a short tail keeps the match linear.
  const cut = Math.max(0, before.length - 64);
  const title = before.trim() === '' ? first.label : before.slice(0, cut) + before.slice(cut).replace(READ_MORE, '');
  return { title: tidy(title), links: links.map((l) => l.target.trim()) };
}

/** Finds the arXiv id among a row's links, in order of trust; `viaHf` when only a Hugging Face page gave it. */
export function findArxivId(candidates: readonly string[]): { id: string; viaHf: boolean } | undefined {
  for (const url of candidates) {
    const id = arxivIdOf(url);
    if (id) return { id, viaHf: false };
  }
  for (const url of candidates) {
    const id = hfPaperIdOf(url);
    if (id) return { id, viaHf: true };
  }
  return undefined;
}

/** Every link target in a cell: Markdown links first, then bare URLs outside them. */
export function linkTargets(cell: string): string[] {
  const links = scanLinks(cell);
  const rest: string[] = [];
  let from = 0;
  for (const link of links) {
    rest.push(cell.slice(from, link.start));
    from = link.end;
  }
  rest.push(cell.slice(from));
  const bare = rest.join(' ').match(/\bhttps?:\/\/[^\s<>()[\]]+/gi) ?? [];
  return [...links.map((l) => l.target), ...bare];
}

/** The most links a GitHub or Hugging Face cell keeps (real cells hold up to a dozen). */
export const MAX_LINKS_PER_CELL = 20;

/** Reads a GitHub or Hugging Face cell into absolute URLs, reporting each guess and drop. */
export function readLinkCell(cell: string, kind: LinkKind, note: (message: string) => void): string[] {
  if (isEmptyCell(cell)) return [];
  const urls = new Set<string>();
  const targets = linkTargets(cell);
  if (targets.length === 0) note(`${kind} cell "${shortened(tidy(cell))}" holds no link; ignored`);
  for (const target of targets) {
    const outcome = normalizeLink(target, kind);
    if ('dropped' in outcome) {
      note(outcome.dropped);
      continue;
    }
    if (outcome.note) note(outcome.note);
    if (urls.size < MAX_LINKS_PER_CELL) urls.add(outcome.url);
    else if (!urls.has(outcome.url)) {
      note(`${kind} cell holds more than ${MAX_LINKS_PER_CELL} links; the first ${MAX_LINKS_PER_CELL} are kept`);
      break;
    }
  }
  return [...urls];
}

/** Text cut to a length that a message can quote. */
export function shortened(text: string, length = 80): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** The most topics a paper keeps, and the longest topic name (real papers have up to 13, of a few words). */
const MAX_TAGS = 16;
const MAX_TAG_LENGTH = 80;

/** Reads `['A', "B's"]` (or, with a note, a bare comma list) into distinct tags. */
export function readTags(cell: string, note: (message: string) => void): string[] {
  const text = cell.trim();
  if (isEmptyCell(text) || /^\[\s*\]$/.test(text)) return [];
  let tags: string[];
  const quoted = [...text.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)];
  if (text.startsWith('[') && quoted.length > 0) {
    tags = quoted.map((m) => (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'));
  } else {
    note(`classification "${tidy(text)}" is not a list; read as comma-separated`);
    tags = text
      .replace(/^\[|\]$/g, '')
      .split(',')
      .map((t) => t.replace(/^\s*['"]|['"]\s*$/g, ''));
  }
  const distinct = [...new Set(tags.map(tidy).filter((t) => t !== ''))];
  if (distinct.some((t) => t.length > MAX_TAG_LENGTH)) note(`a topic is longer than ${MAX_TAG_LENGTH} characters; cut`);
  const cut = [...new Set(distinct.map((t) => (t.length > MAX_TAG_LENGTH ? t.slice(0, MAX_TAG_LENGTH).trim() : t)))];
  if (cut.length > MAX_TAGS) note(`${cut.length} topics; the first ${MAX_TAGS} are kept`);
  return cut.slice(0, MAX_TAGS);
}

/** The most authors a paper lists by name. */
const MAX_AUTHORS = 100;

/** Splits an authors cell on commas and semicolons; past the limit, the rest are counted. */
export function readAuthors(cell: string, note: (message: string) => void): string[] {
  const authors = cell
    .split(/[,;]/)
    .map(tidy)
    .filter((a) => a !== '');
  if (authors.length <= MAX_AUTHORS) return authors;
  note(`${authors.length} authors; the first ${MAX_AUTHORS} are named`);
  return [...authors.slice(0, MAX_AUTHORS), `and ${authors.length - MAX_AUTHORS} more`];
}
