import { DigestError } from '../errors.ts';
import { isIsoDate } from '../iso-date.ts';
import {
  findArxivId,
  isEmptyCell,
  MAX_LINKS_PER_CELL,
  readAuthors,
  readLinkCell,
  readTags,
  readTitleCell,
  shortened,
  tidy,
} from './_cells.ts';
import { bidiControls, withoutBidiControls } from './_bidi.ts';
import { fitCells, readHeader, type Column } from './_columns.ts';
import { splitPoints } from './_points.ts';
import { readRawDigest, splitCells, type LogicalRow } from './_table.ts';
import type { Digest, Note, Paper } from './model.ts';

/** What the reader made of a file: the digest as far as it could be read, and what stops it. */
export interface DigestReading {
  digest: Digest;
  errors: Note[];
}

/** The longest title and summary kept: real ones are far shorter; longer ones are cut, with a warning. */
const MAX_TITLE_LENGTH = 400;
const MAX_SUMMARY_LENGTH = 8_000;

function limited(text: string, length: number, what: string, warn: (message: string) => void): string {
  if (text.length <= length) return text;
  warn(`the ${what} is ${text.length} characters long; cut to ${length}`);
  return `${text.slice(0, length - 1).trimEnd()}…`;
}

// Links of the title and link cells that are not http(s) (javascript:, data:…) are dropped, said out loud.
function warnForeignLinks(links: readonly string[], warn: (message: string) => void): string[] {
  const kept: string[] = [];
  for (const link of links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link) && !/^https?:/i.test(link)) warn(`link "${shortened(link)}" is not an http(s) URL; dropped`);
    else kept.push(link);
  }
  return kept;
}

function readRow(
  row: LogicalRow,
  columns: readonly Column[],
  warn: (message: string) => void,
  fail: (message: string) => void,
): Paper | undefined {
  const raw = splitCells(row.text);
  const cells = fitCells(raw, columns);
  if (!cells) {
    fail(`row has ${raw.length} cells, expected ${columns.length}`);
    return undefined;
  }
  if (raw.length > columns.length) {
    warn(`row has ${raw.length} cells, expected ${columns.length}; the extra "|" taken as part of the summary`);
  }
  // Bidirectional controls could make a title or a topic show as something else. They are taken out
  // of every cell, said once for the row; a topic that had any is left out, as it would otherwise
  // pose as the topic it shows as (`\u202Eevil` is not `evil`, and never shares its page or feed).
  const text = (column: Column): string => cells[columns.indexOf(column)] ?? '';
  const cell = (column: Column): string => withoutBidiControls(text(column));
  const controls = bidiControls(
    columns
      .filter((c) => c !== 'tags')
      .map(text)
      .join(''),
  );
  if (controls.length > 0)
    warn(`bidirectional control characters (${controls.join(', ')}) taken out of the text: they could make it show as something else`);
  const tags = (): string[] =>
    readTags(text('tags'), warn).filter((tag) => {
      const found = bidiControls(tag);
      if (found.length > 0)
        warn(`topic "${withoutBidiControls(tag)}" holds bidirectional control characters (${found.join(', ')}); left out`);
      return found.length === 0;
    });
  const title = readTitleCell(cell('title'));
  title.links = warnForeignLinks(title.links, warn);
  const linkCell = columns.includes('link') ? warnForeignLinks(readTitleCell(cell('link')).links, warn) : [];
  const found = findArxivId([...title.links.slice(0, 1), ...linkCell, ...title.links.slice(1)]);
  if (!found) {
    fail(`row has no arXiv link (title "${shortened(title.title, 60)}")`);
    return undefined;
  }
  if (found.viaHf) warn(`no arXiv link; the id ${found.id} is taken from the Hugging Face paper link`);
  const github = readLinkCell(cell('github'), 'github', warn);
  const huggingface = readLinkCell(cell('huggingface'), 'huggingface', warn);
  for (const url of title.links.slice(0, MAX_LINKS_PER_CELL)) {
    if (/^https?:\/\/(?:www\.)?(?:huggingface\.co|hf\.co)\//i.test(url) && !huggingface.includes(url)) huggingface.push(url);
    if (/^https?:\/\/(?:www\.)?github\.com\//i.test(url) && !github.includes(url)) github.push(url);
  }
  let name = limited(title.title, MAX_TITLE_LENGTH, 'title', warn);
  if (name === '') {
    warn(`row has an empty title; arXiv:${found.id} used instead`);
    name = `arXiv:${found.id}`;
  }
  const summaryCell = cell('summary');
  const summary = isEmptyCell(summaryCell) ? '' : limited(tidy(summaryCell), MAX_SUMMARY_LENGTH, 'summary', warn);
  return {
    arxivId: found.id,
    url: `https://arxiv.org/abs/${found.id}`,
    title: name,
    authors: readAuthors(cell('authors'), warn),
    summary,
    points: splitPoints(summary),
    tags: columns.includes('tags') ? tags() : [],
    links: { github, huggingface },
  };
}

/** Reads a digest as far as it can; never throws. Errors say what makes it unusable. */
export function readDigest(text: string): DigestReading {
  const warnings: Note[] = [];
  const errors: Note[] = [];
  const digest: Digest = { date: '', papers: [], warnings };
  const raw = readRawDigest(text, warnings, errors);
  if (!raw.heading) {
    errors.push({ line: 1, message: 'no "## Papers for YYYY-MM-DD" heading' });
    return { digest, errors };
  }
  if (isIsoDate(raw.heading.date)) digest.date = raw.heading.date;
  else errors.push({ line: raw.heading.line, message: `"${raw.heading.date}" in the heading is not a date (expected YYYY-MM-DD)` });
  if (!raw.header) {
    errors.push({ line: raw.heading.line, message: 'no table after the heading' });
    return { digest, errors };
  }
  const columns = readHeader(raw.header.cells);
  if (typeof columns === 'string') {
    errors.push({ line: raw.header.line, message: columns });
    return { digest, errors };
  }
  for (const row of raw.rows) {
    const paper = readRow(
      row,
      columns,
      (message) => warnings.push({ line: row.line, message }),
      (message) => errors.push({ line: row.line, message }),
    );
    if (paper) digest.papers.push(paper);
  }
  if (raw.rows.length === 0) warnings.push({ line: raw.header.line, message: 'the digest has no papers' });
  warnings.sort((a, b) => a.line - b.line);
  errors.sort((a, b) => a.line - b.line);
  // Messages quote the file: what they quote cannot turn the rest of the line around on a terminal.
  for (const note of [...warnings, ...errors]) note.message = withoutBidiControls(note.message);
  return { digest, errors };
}

/** Reads one digest into the model, or throws a `DigestError` whose lines start with `path:line:`. */
export function parseDigest(text: string, path: string): Digest {
  const { digest, errors } = readDigest(text);
  if (errors.length > 0) throw new DigestError(path, errors);
  return digest;
}
