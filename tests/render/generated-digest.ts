import { sixColumnDigest } from '../helpers/digest-text.ts';

// Digests of any size for the email's budget tests, shaped like the real archives: six columns,
// a summary of about a thousand characters, two topics, a code and a Hugging Face link per paper.
const TOPICS = ['Natural Language Processing', 'Computer Vision', 'Multimodal', 'Robotics', 'Reinforcement Learning'];

const SENTENCE =
  'The method trains a compact model on curated data and reports gains on standard benchmarks at a fraction of the usual compute.';

/** Options for one generated paper: a title of the given length instead of the usual one. */
export interface GeneratedOptions {
  titleOf?: (n: number) => string;
}

function row(n: number, options: GeneratedOptions): string {
  const id = `2601.${String(n).padStart(5, '0')}`;
  const title = options.titleOf?.(n) ?? `Generated Paper ${n}: Scaling Small Models with Curated Data`;
  const summary = Array.from({ length: 8 }, () => SENTENCE).join(' ');
  const tags = [TOPICS[n % TOPICS.length], TOPICS[(n + 2) % TOPICS.length]].map((t) => `'${t}'`).join(', ');
  return (
    `| [${title}](https://arxiv.org/abs/${id}) | Author ${n}, Second Author, Third Author | ${summary} | [${tags}] | ` +
    `[Link](https://github.com/example/paper-${n}) | [Link](https://huggingface.co/papers/${id}) |`
  );
}

/** A digest of `count` generated papers for `date`. */
export function generatedDigest(date: string, count: number, options: GeneratedOptions = {}): string {
  return sixColumnDigest(
    date,
    Array.from({ length: count }, (_, i) => row(i + 1, options)),
  );
}
