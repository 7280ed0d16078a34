import type { Paper } from './model.ts';
import { wordsOf } from './_words.ts';

/** A paper as the learner sees it: weighted words, unit length. */
type Vector = Map<string, number>;

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

// A paper's words are counted once: a folder's tagger is trained again whenever its tagged digests
// change, over papers most of which it saw before, and asks again about the same untagged papers.
const counted = new WeakMap<Pick<Paper, 'title' | 'summary'>, { title: string; summary: string; terms: Map<string, number> }>();

function termsOf(paper: Pick<Paper, 'title' | 'summary'>): Map<string, number> {
  const known = counted.get(paper);
  if (known?.title === paper.title && known.summary === paper.summary) return known.terms;
  const terms = countTerms(paper);
  counted.set(paper, { title: paper.title, summary: paper.summary, terms });
  return terms;
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
  readonly #idf = new Map<string, number>();
  readonly #postings = new Map<string, { docs: Int32Array; weights: Float64Array }>();
  readonly #longest: number;
  // Reused between queries: one similarity per tagged paper, zeroed again after each.
  #scores: Float64Array | undefined;

  readonly #share: number;

  constructor(tagged: readonly Paper[], share = SHARE) {
    this.#share = share;
    const documents = tagged.map(termsOf);
    const df = new Map<string, number>();
    for (const terms of documents) for (const term of terms.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    for (const [term, count] of df) this.#idf.set(term, Math.log((documents.length + 1) / count));
    const lists = new Map<string, { docs: number[]; weights: number[] }>();
    documents.forEach((terms, doc) => {
      this.#tags.push(tagged[doc]?.tags ?? []);
      for (const [term, weight] of this.#vector(terms)) {
        let list = lists.get(term);
        if (!list) lists.set(term, (list = { docs: [], weights: [] }));
        list.docs.push(doc);
        list.weights.push(weight);
      }
    });
    for (const [term, list] of lists)
      this.#postings.set(term, { docs: Int32Array.from(list.docs), weights: Float64Array.from(list.weights) });
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

  #vector(terms: Map<string, number>): Vector {
    const vector: Vector = new Map();
    let norm = 0;
    for (const [term, count] of terms) {
      const idf = this.#idf.get(term);
      if (idf === undefined || idf <= 0) continue;
      const weight = (1 + Math.log(count)) * idf;
      vector.set(term, weight);
      norm += weight * weight;
    }
    const length = Math.sqrt(norm) || 1;
    for (const [term, weight] of vector) vector.set(term, weight / length);
    return vector;
  }

  /** The topics the neighbours agree on, most agreed first; none when nothing is similar enough. */
  tag(paper: Pick<Paper, 'title' | 'summary'>): string[] {
    const scores = (this.#scores ??= new Float64Array(this.#tags.length));
    const touched: number[] = [];
    const query = [...this.#vector(termsOf(paper))].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, QUERY_WORDS);
    for (const [term, weight] of query) {
      const list = this.#postings.get(term);
      if (!list || list.docs.length > this.#longest) continue;
      for (let i = 0; i < list.docs.length; i++) {
        const doc = list.docs[i] as number;
        if (scores[doc] === 0) touched.push(doc);
        scores[doc] = (scores[doc] ?? 0) + weight * (list.weights[i] as number);
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
