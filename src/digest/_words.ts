// Words that say nothing about a paper's topic.
const STOP = new Set(
  (
    'a an and are as at be been being by can do does for from has have how in into is it its of on or our over such ' +
    'than that the their them these they this those through to under up via was we were what when where which while ' +
    'who will with within without not no new novel paper propose proposes proposed introduce introduces introduced ' +
    'present presents presented show shows shown using use used uses based approach method methods model models ' +
    'results result demonstrate demonstrates significant significantly existing also both more most other each ' +
    'however further first two three one well across between among key while achieve achieves performance state art'
  ).split(' '),
);

/** The words of a text for topic matching: lower case, letters and digits, common words left out, plurals folded. */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  // Letters outside ASCII separate words here: topic words are English, and this is several times faster.
  for (const raw of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    if (raw.length < 2 || STOP.has(raw) || /^\d+$/.test(raw)) continue;
    words.push(raw.length > 4 && raw.endsWith('s') && !raw.endsWith('ss') ? raw.slice(0, -1) : raw);
  }
  return words;
}
