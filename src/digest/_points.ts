// A bullet marker counts only at the start or after the end of a sentence, so that a dash used
// as punctuation inside prose ("Jan 2024 - Apr 2025") never splits it.
const AFTER_SENTENCE = String.raw`(?<=^|[.!?:;]|[.!?][)"”’])\s*`;
const MARKERS: RegExp[] = [
  /\s*\*\*-\*\*\s*/,
  /\s*•\s*/,
  new RegExp(AFTER_SENTENCE + String.raw`-\s+(?=\S)`),
  new RegExp(AFTER_SENTENCE + String.raw`\*\s+(?=\S)`),
];

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');
const ROMANS = ['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x', 'xi', 'xii'];

function clean(parts: string[]): string[] {
  return parts.map((p) => p.replace(/\s+/g, ' ').trim()).filter((p) => /[\p{L}\p{N}]/u.test(p));
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

/** Splits a summary into its bullets; prose stays a single point. */
export function splitPoints(summary: string): string[] {
  const text = summary.trim();
  if (text === '') return [];
  for (const marker of MARKERS.slice(0, 2)) {
    const parts = clean(text.split(marker));
    if (parts.length >= 2) return parts;
  }
  const listed = enumerated(text);
  if (listed && listed.length >= 2) return listed;
  for (const marker of MARKERS.slice(2)) {
    const parts = clean(text.split(marker));
    if (parts.length >= 2) return parts;
  }
  return clean([text]);
}
