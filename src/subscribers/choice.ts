import type { Cadence } from './store.ts';

// Names in a sentence: "A", "A and B", "A, B and C".
function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** What a subscriber chose, in words: how often (`every day`), and on what (`every topic`, `Robotics and Audio`). */
export function describeChoice(choice: { topics: readonly string[]; cadence: Cadence }): {
  cadence: string;
  topics: string;
  sentence: string;
} {
  const cadence = choice.cadence === 'weekly' ? 'once a week' : 'every day';
  const topics = choice.topics.length === 0 ? 'every topic' : listed(choice.topics);
  return { cadence, topics, sentence: `${cadence}, with papers on ${topics}` };
}
