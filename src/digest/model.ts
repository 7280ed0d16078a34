/** A warning or error the reader attaches to a line of a digest. */
export interface Note {
  line: number;
  message: string;
}

/** Links found for a paper, absolute URLs only. */
export interface PaperLinks {
  github: string[];
  huggingface: string[];
}

/** One paper of a digest, in the order of the file. */
export interface Paper {
  arxivId: string;
  url: string;
  title: string;
  authors: string[];
  summary: string;
  points: string[];
  tags: string[];
  /** Set when the digest gave no Classification and the tags were inferred from the title and summary. */
  tagsInferred?: true;
  links: PaperLinks;
}

/** One day's digest: the model every renderer takes. */
export interface Digest {
  date: string;
  papers: Paper[];
  warnings: Note[];
}

/** What a topic tagger learns from: papers with their topics, and whether those were inferred. */
export type TaughtPaper = Pick<Paper, 'arxivId' | 'title' | 'summary' | 'tags'> & { tagsInferred?: true };

/** A digest as a topic tagger reads it. */
export interface TaughtDigest {
  date: string;
  papers: readonly TaughtPaper[];
}
