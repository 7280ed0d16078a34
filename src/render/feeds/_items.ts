import type { Entry } from './channel.ts';

/**
 * How the feed package writes one format: a document of some entries. An entry's element is the
 * same text in every document it is in (the package indents by depth alone), so it is written once
 * and kept, keyed by the entry; the channel's head and tail are taken from a document of one small
 * entry that has content when any of them has (RSS declares its content namespace only then).
 */
export interface ItemFormat {
  /** The whole document of these entries, as the package writes it. */
  write(entries: readonly Entry[]): string;
  /** An entry's element as it opens on its own line (`\n        <item>`), and as it closes. */
  open: string;
  close: string;
  /** Each entry's element, by entry: entries are kept by the views they come from, between builds too. */
  kept: WeakMap<Entry, string>;
}

// The element of a document's one entry, from the line break before it to its closing tag; the
// closing tag looked for from the end, since the entry's own text may hold one in its CDATA.
function cut(document: string, format: ItemFormat): { start: number; end: number } {
  const start = document.indexOf(format.open);
  const end = document.lastIndexOf(format.close);
  if (start < 0 || end < start) throw new Error(`feed: no ${format.open.trim()} element in a document of one entry`);
  return { start, end: end + format.close.length };
}

// Entries whose elements are written together, in one document of the package's: a document
// costs about as much as an entry, and a feed holds hundreds.
const BATCH = 100;

// Each entry's element, as the package writes it, kept: those not kept yet are written in
// documents of many entries and cut apart at their opening lines. A document whose entries' text
// holds such a line is cut into more parts than it has entries: its entries are written one by one.
function keepElements(entries: readonly Entry[], format: ItemFormat): void {
  const missing = [...new Set(entries.filter((entry) => !format.kept.has(entry)))];
  for (let from = 0; from < missing.length; from += BATCH) {
    const some = missing.slice(from, from + BATCH);
    const elements = some.length > 1 ? cutApart(format.write(some), format, some.length) : undefined;
    some.forEach((entry, i) => format.kept.set(entry, elements?.[i] ?? elementOf(entry, format)));
  }
}

// The elements of a document of `count` entries, or undefined when it does not cut into as many.
function cutApart(document: string, format: ItemFormat, count: number): string[] | undefined {
  const starts: number[] = [];
  for (let at = document.indexOf(format.open); at >= 0; at = document.indexOf(format.open, at + format.open.length)) starts.push(at);
  const end = document.lastIndexOf(format.close) + format.close.length;
  if (starts.length !== count || end < (starts[count - 1] ?? 0)) return undefined;
  const elements = starts.map((start, i) => document.slice(start, starts[i + 1] ?? end));
  return elements.every((element) => element.endsWith(format.close)) ? elements : undefined;
}

// One entry's element, from a document of it alone.
function elementOf(entry: Entry, format: ItemFormat): string {
  const document = format.write([entry]);
  const { start, end } = cut(document, format);
  return document.slice(start, end);
}

/** The document of `entries` in a format, byte for byte as the package writes it, each entry's element written once. */
export function writeItems(entries: readonly Entry[], format: ItemFormat): string {
  if (entries.length === 0) return format.write(entries);
  const stub: Entry = {
    id: STUB_URL,
    link: STUB_URL,
    title: 'stub',
    summary: 'stub',
    content: entries.some((entry) => entry.content !== '') ? 'stub' : '',
    date: new Date(0),
    authors: [],
    tags: [],
  };
  const document = format.write([stub]);
  const { start, end } = cut(document, format);
  keepElements(entries, format);
  return `${document.slice(0, start)}${entries.map((entry) => format.kept.get(entry)).join('')}${document.slice(end)}`;
}

const STUB_URL = 'https://stub.invalid/';
