import { tidy } from './_cells.ts';

// A bullet marker counts only at the start or after the end of a sentence, so that a dash used
// as punctuation inside prose ("Jan 2024 - Apr 2025") never splits it. Each marker is tried only
// when its cheap `hint` is in the text.
const BREAK = '\u0000';
const AFTER_SENTENCE = String.raw`(^|[.!?:;]|[.!?][)"”’])\s*`;
interface Bullet {
  hint: string;
  split: (text: string) => string[];
}
const bySeparator = (pattern: RegExp) => (text: string) => text.split(pattern);
const afterSentence = (marker: string) => {
  const pattern = new RegExp(AFTER_SENTENCE + marker + String.raw`\s+(?=\S)`, 'g');
  return (text: string) => text.replace(pattern, `$1${BREAK}`).split(BREAK);
};
const STRONG: Bullet[] = [
  { hint: '**-**', split: bySeparator(/\s*\*\*-\*\*\s*/) },
  { hint: '•', split: bySeparator(/\s*•\s*/) },
];
const WEAK: Bullet[] = [
  { hint: '- ', split: afterSentence('-') },
  { hint: '* ', split: afterSentence(String.raw`\*`) },
];

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');
const ROMANS = ['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x', 'xi', 'xii'];

const WORDY = /[\p{L}\p{N}]/u;

function clean(parts: string[]): string[] {
  return parts.map((p) => p.trim()).filter((p) => WORDY.test(p));
}

interface Marker {
  label: string;
  start: number;
  end: number;
}

// Lettered (`a) b) c)`) or roman (`i) ii) iii)`) items: taken only as a run of three or more
// labels in order, so a lone "(a)" in prose is left alone.
function enumerated(text: string): string[] | undefined {
  const found: Marker[] = [];
  for (const m of text.matchAll(/(?:^|\s)\(?([a-z]|[ivx]{1,4})\)\s/g)) {
    const start = m.index + (m[0].length - m[0].trimStart().length);
    found.push({ label: m[1] ?? '', start, end: m.index + m[0].length });
  }
  for (const sequence of [ROMANS, LETTERS]) {
    const run: Marker[] = [];
    for (const marker of found) {
      if (marker.label === sequence[run.length]) run.push(marker);
    }
    if (run.length >= 3) {
      const parts = [text.slice(0, run[0]?.start ?? 0)];
      run.forEach((marker, k) => parts.push(text.slice(marker.end, run[k + 1]?.start ?? text.length)));
      return clean(parts);
    }
  }
  return undefined;
}

function firstSplit(text: string, bullets: readonly Bullet[]): string[] | undefined {
  for (const bullet of bullets) {
    if (!text.includes(bullet.hint)) continue;
    const parts = clean(bullet.split(text.replaceAll(BREAK, '')));
    if (parts.length >= 2) return parts;
  }
  return undefined;
}

/** Splits a summary into its bullets; prose stays a single point. */
export function splitPoints(summary: string): string[] {
  const text = tidy(summary);
  if (text === '') return [];
  return firstSplit(text, STRONG) ?? (text.includes(') ') ? enumerated(text) : undefined) ?? firstSplit(text, WEAK) ?? clean([text]);
}
