import type { Paper } from './model.ts';
import { wordsOf } from './_words.ts';

// How many of the most similar tagged papers vote, how much of their weight a topic needs, and how
// similar the nearest must be before anything is said at all.
const NEIGHBOURS = 12;
const SHARE = 0.5;
const LEAST_SIMILARITY = 0.12;
// A paper this similar to a tagged one is taken to be the same paper (a digest carrying it again).
const SAME_PAPER = 0.9;
// Words in more than this share of many tagged papers weigh little and cost much: a query skips them,
// and looks only for its most telling words.
const COMMON = 0.1;
const FEW = 200;
const QUERY_WORDS = 40;

// Terms by number: the learner's tables are arrays indexed by them rather than maps keyed by text.
const numbers = new Map<string, number>();
const terms: string[] = [];
function numberOf(term: string): number {
  let n = numbers.get(term);
  if (n === undefined) {
    n = terms.length;
    numbers.set(term, n);
    terms.push(term);
  }
  return n;
}

/** A paper's terms (by number, in the order they first occur) and each one's 1 + log(count). */
interface Counted {
  ids: Int32Array;
  tf: Float64Array;
}

// A paper's words are counted once: a folder's tagger is trained once a month, over papers most of
// which it saw before, and asks about the untagged papers of the month.
const counted = new WeakMap<Pick<Paper, 'title' | 'summary'>, { title: string; summary: string; terms: Counted }>();

function termsOf(paper: Pick<Paper, 'title' | 'summary'>): Counted {
  const known = counted.get(paper);
  if (known?.title === paper.title && known.summary === paper.summary) return known.terms;
  const counts = countTerms(paper);
  const ids = new Int32Array(counts.size);
  const tf = new Float64Array(counts.size);
  let i = 0;
  for (const [term, count] of counts) {
    ids[i] = numberOf(term);
    tf[i++] = 1 + Math.log(count);
  }
  const result = { ids, tf };
  counted.set(paper, { title: paper.title, summary: paper.summary, terms: result });
  return result;
}

function countTerms(paper: Pick<Paper, 'title' | 'summary'>): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (word: string, weight: number) => counts.set(word, (counts.get(word) ?? 0) + weight);
  const title = wordsOf(paper.title);
  for (const word of title) add(word, 2);
  for (const word of wordsOf(paper.summary)) add(word, 1);
  for (let i = 1; i < title.length; i++) add(`${title[i - 1]} ${title[i]}`, 2);
  return counts;
}

/**
 * Topics by their nearest tagged neighbours: a paper gets a topic when the most similar tagged
 * papers (TF-IDF cosine over title and summary words) that carry it hold at least half of the
 * neighbours' similarity. Easy to explain: "papers like this one were filed under X".
 */
export class NeighbourTagger {
  readonly #tags: string[][] = [];
  // By term number; a term no tagged paper has has no weight (0).
  readonly #idf: Float64Array;
  readonly #postings: ({ docs: Int32Array; weights: Float64Array } | undefined)[] = [];
  readonly #longest: number;
  // Reused between queries: one similarity per tagged paper, zeroed again after each.
  #scores: Float64Array | undefined;

  readonly #share: number;

  constructor(tagged: readonly Pick<Paper, 'title' | 'summary' | 'tags'>[], share = SHARE) {
    this.#share = share;
    const documents = tagged.map(termsOf);
    const df = new Int32Array(terms.length);
    for (const { ids } of documents) for (const id of ids) df[id] = (df[id] ?? 0) + 1;
    this.#idf = new Float64Array(terms.length);
    for (let id = 0; id < df.length; id++) {
      const count = df[id] ?? 0;
      if (count > 0) this.#idf[id] = Math.log((documents.length + 1) / count);
    }
    const lists: ({ docs: number[]; weights: number[] } | undefined)[] = [];
    documents.forEach((counted, doc) => {
      this.#tags.push(tagged[doc]?.tags ?? []);
      const { ids, weights } = this.#vector(counted);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        let list = lists[id];
        if (!list) lists[id] = list = { docs: [], weights: [] };
        list.docs.push(doc);
        list.weights.push(weights[i] as number);
      }
    });
    lists.forEach((list, id) => {
      if (list) this.#postings[id] = { docs: Int32Array.from(list.docs), weights: Float64Array.from(list.weights) };
    });
    this.#longest = Math.max(FEW, documents.length * COMMON);
  }

  // The most similar tagged papers, most similar first, found in one pass.
  #nearest(scores: Float64Array, touched: readonly number[]): [number, number][] {
    const best: [number, number][] = [];
    for (const doc of touched) {
      const score = scores[doc] ?? 0;
      if (best.length === NEIGHBOURS && score <= (best.at(-1)?.[1] ?? 0)) continue;
      let at = best.length;
      while (at > 0 && ((best[at - 1]?.[1] ?? 0) < score || ((best[at - 1]?.[1] ?? 0) === score && (best[at - 1]?.[0] ?? 0) > doc))) at--;
      best.splice(at, 0, [doc, score]);
      if (best.length > NEIGHBOURS) best.pop();
    }
    return best;
  }

  // The paper's weighted terms, unit length: those no tagged paper has are left out.
  #vector({ ids, tf }: Counted): { ids: number[]; weights: number[] } {
    const kept: number[] = [];
    const weights: number[] = [];
    let norm = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const idf = this.#idf[id] ?? 0;
      if (!(idf > 0)) continue;
      const weight = (tf[i] as number) * idf;
      kept.push(id);
      weights.push(weight);
      norm += weight * weight;
    }
    const length = Math.sqrt(norm) || 1;
    for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) / length;
    return { ids: kept, weights };
  }

  /** The topics the neighbours agree on, most agreed first; none when nothing is similar enough. */
  tag(paper: Pick<Paper, 'title' | 'summary'>): string[] {
    const scores = (this.#scores ??= new Float64Array(this.#tags.length));
    const touched: number[] = [];
    const { ids, weights } = this.#vector(termsOf(paper));
    const order = ids.map((_, i) => i);
    order.sort(
      (a, b) =>
        (weights[b] as number) - (weights[a] as number) ||
        ((terms[ids[a] as number] as string) < (terms[ids[b] as number] as string) ? -1 : 1),
    );
    for (const i of order.slice(0, QUERY_WORDS)) {
      const list = this.#postings[ids[i] as number];
      if (!list || list.docs.length > this.#longest) continue;
      const weight = weights[i] as number;
      for (let j = 0; j < list.docs.length; j++) {
        const doc = list.docs[j] as number;
        if (scores[doc] === 0) touched.push(doc);
        scores[doc] = (scores[doc] ?? 0) + weight * (list.weights[j] as number);
      }
    }
    const nearest = this.#nearest(scores, touched);
    for (const doc of touched) scores[doc] = 0;
    const best = nearest[0];
    if (!best || best[1] < LEAST_SIMILARITY) return [];
    if (best[1] >= SAME_PAPER) return [...(this.#tags[best[0]] ?? [])];
    const votes = new Map<string, number>();
    let total = 0;
    for (const [doc, similarity] of nearest) {
      total += similarity;
      for (const tag of this.#tags[doc] ?? []) votes.set(tag, (votes.get(tag) ?? 0) + similarity);
    }
    return [...votes]
      .filter(([, weight]) => weight / total >= this.#share)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([tag]) => tag);
  }
}
