import type { Digest, Paper } from '../digest/index.ts';

/** The papers of a digest a subscriber gets: all of them, or those tagged with one of their topics. */
export function papersFor(digest: Digest, topics: readonly string[]): Paper[] {
  if (topics.length === 0) return digest.papers;
  const wanted = new Set(topics.map((t) => t.toLowerCase()));
  return digest.papers.filter((paper) => paper.tags.some((tag) => wanted.has(tag.toLowerCase())));
}

/** Names a set of papers of a digest: subscribers with the same key get the same message. */
export function variantKey(digest: Digest, papers: readonly Paper[]): string {
  if (papers.length === digest.papers.length) return 'all';
  const position = new Map(digest.papers.map((p, i) => [p, i]));
  return papers.map((p) => position.get(p)).join(',');
}
