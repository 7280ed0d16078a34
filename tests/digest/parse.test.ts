import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDigest, readDigest } from '../../src/digest/index.ts';
import { DigestError } from '../../src/errors.ts';
import { fixture } from '../helpers/paths.ts';

const read = (name: string) => parseDigest(readFileSync(fixture('digests', name), 'utf8'), name);
const warningsOf = (name: string) => read(name).warnings.map((w) => `${w.line}: ${w.message}`);

describe('the six-column digest', () => {
  const digest = read('six-columns.md');
  const paper = (id: string) => {
    const found = digest.papers.find((p) => p.arxivId === id);
    if (!found) throw new Error(`no paper ${id}`);
    return found;
  };

  it('keeps every paper in file order with its arXiv id and URL', () => {
    expect(digest.date).toBe('2031-02-03');
    expect(digest.papers.map((p) => p.arxivId)).toEqual([
      '3102.00001',
      '3102.00002',
      '3102.00003',
      '3102.00004',
      '3102.00005',
      '3102.00006',
      '3102.00007',
      '3102.00008',
    ]);
    expect(paper('3102.00003').url).toBe('https://arxiv.org/abs/3102.00003');
  });

  it('reads titles wrapped over two and three lines, with HTML, LaTeX and brackets kept as written', () => {
    expect(paper('3102.00002').title).toBe('A Title Wrapped Over Two Lines');
    expect(paper('3102.00003').title).toBe('Alignment Over Three: A Title That Runs Across Three Physical Lines');
    expect(paper('3102.00006').title).toBe('Scaling O(*T*<sup>*K*</sup>) with $\\gamma$-Routing');
    expect(paper('3102.00007').title).toBe("<think> So let's see... </think> Lessons learned");
    expect(paper('3102.00008').title).toBe('Bracketed GPT-[n] and o-[n] Models');
  });

  it('splits authors, keeps non-ASCII names and reads an empty cell as no authors', () => {
    expect(paper('3102.00001').authors).toEqual(['Ana Núñez', 'Pål Ødegård', 'kiteflyer']);
    expect(paper('3102.00003').authors).toEqual(['Chi Wu', "Daniel D'souza"]);
    expect(paper('3102.00006').authors).toEqual([]);
  });

  it('splits each bullet style into points and leaves prose whole', () => {
    expect(paper('3102.00001').points).toEqual([
      'Tiny Kites studies small models.',
      'It trains them on kites.',
      'It wins on three benchmarks.',
    ]);
    expect(paper('3102.00002').points).toEqual(['First bold bullet.', 'Second bold bullet.']);
    expect(paper('3102.00003').points).toEqual(['One dot.', 'Two dot.', 'Three dot.']);
    expect(paper('3102.00004').points).toHaveLength(1);
    expect(paper('3102.00005').points).toEqual(['Star bullet one.', 'Star bullet two.']);
    expect(paper('3102.00006').points).toEqual([
      'Uses \\(\\beta\\) and <personal image, personal introduction> text.',
      'Bullet after prose.',
    ]);
    expect(paper('3102.00007').points).toEqual(['Starts with a bullet.', 'Ends with another.']);
    expect(paper('3102.00008').points).toEqual(['The paper says "it works."', 'Then a bullet.']);
  });

  it('reads classifications with either quote, without repeats', () => {
    expect(paper('3102.00001').tags).toEqual(['Natural Language Processing', 'Text Generation']);
    expect(paper('3102.00002').tags).toEqual(["Children's Books", 'Multimodal']);
  });

  it('reads several links per cell, joins a URL broken by a newline, drops placeholders and completes schemes', () => {
    expect(paper('3102.00001').links).toEqual({ github: ['https://github.com/example/kites'], huggingface: [] });
    expect(paper('3102.00002').links.huggingface).toEqual([
      'https://huggingface.co/example/model',
      'https://huggingface.co/datasets/example/data',
    ]);
    expect(paper('3102.00003').links.huggingface).toEqual(['https://example.github.io/very/long-page/']);
    expect(paper('3102.00004').links).toEqual({ github: [], huggingface: [] });
    expect(paper('3102.00005').links).toEqual({
      github: ['https://github.com/example/voila'],
      huggingface: ['https://hf.co/example/voila', 'https://huggingface.co/example/other-model', 'https://project.github.io'],
    });
    expect(paper('3102.00007').links.github).toEqual(['https://github.com/a/b']);
  });

  it('warns, with the line, about every guess and drop', () => {
    expect(warningsOf('six-columns.md')).toEqual([
      '13: a URL broken across lines 12-13; joined',
      '14: placeholder link "null" dropped',
      '14: placeholder link "None" dropped',
      '14: placeholder link "string" dropped',
      '14: placeholder link "[data]" dropped',
      '15: link "github.com/example/voila" has no scheme; read as https://github.com/example/voila',
      '15: link "hf.co/example/voila" has no scheme; read as https://hf.co/example/voila',
      '15: link "example/other-model" has no scheme; read as https://huggingface.co/example/other-model',
      '15: link "Huggingface" has no scheme and cannot be completed; dropped',
      '15: link "project.github.io" has no scheme; read as https://project.github.io',
    ]);
  });
});

describe('the other column sets', () => {
  it('reads four columns, the arXiv link in the Link cell', () => {
    const digest = read('four-columns.md');
    expect(digest.papers.map((p) => [p.arxivId, p.title])).toEqual([
      ['3101.01001', 'Plain Title Without a Link'],
      ['3101.01002', 'Another Plain Title'],
    ]);
    expect(digest.papers[1]?.summary).toBe('Another prose summary. Two sentences here.');
    expect(digest.papers[1]?.tags).toEqual([]);
    expect(digest.warnings).toEqual([]);
  });

  it('reads three columns with links inside the title, lettered and roman points and raw pipes', () => {
    const digest = read('three-columns.md');
    const [sparse, roman, pipes] = digest.papers;
    expect(sparse?.title).toBe('Sparse Things: A Title That Wraps Onto a Second Line');
    expect(sparse?.authors).toEqual([]);
    expect(sparse?.links.huggingface).toEqual(['https://huggingface.co/papers/3101.30001']);
    expect(sparse?.points).toEqual(['Lettered one.', 'Lettered two.', 'Lettered three.', 'Lettered four.']);
    expect(roman?.points).toEqual(['Roman one.', 'Roman two.', 'Roman three.', 'Roman four.', 'Roman five.']);
    expect(pipes?.arxivId).toBe('3101.30003');
    expect(pipes?.summary).toBe('A mean |G-1| of 0.05 against a mean |G-1| of 8.4; the (a) case stays prose.');
    expect(pipes?.points).toHaveLength(1);
    expect(digest.warnings).toEqual([{ line: 8, message: 'row has 7 cells, expected 3; the extra "|" taken as part of the summary' }]);
  });

  it('reads the "- read more on" title cell', () => {
    const [paper] = read('three-columns-dash.md').papers;
    expect(paper?.title).toBe('How Do Models Read?');
    expect(paper?.arxivId).toBe('3101.09001');
  });

  it('accepts an empty digest, with a warning', () => {
    const digest = read('empty.md');
    expect(digest.papers).toEqual([]);
    expect(digest.warnings).toEqual([{ line: 5, message: 'the digest has no papers' }]);
  });
});

describe('what it refuses', () => {
  const header6 = '| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n|---|---|---|---|---|---|\n';
  const cases: [string, string, string][] = [
    ['no heading', 'just some text\n', 'x.md:1: no "## Papers for YYYY-MM-DD" heading'],
    [
      'a date that is not a date',
      '## Papers for 2024-02-30\n\n| Title |\n|---|\n',
      'x.md:1: "2024-02-30" in the heading is not a date (expected YYYY-MM-DD)',
    ],
    ['no table', '## Papers for 2024-02-03\n\nNothing today.\n', 'x.md:1: no table after the heading'],
    ['an unknown header', '## Papers for 2024-02-03\n\n| Title | Mood |\n|---|---|\n', 'x.md:3: unknown column "Mood" in the table header'],
    [
      'a row with no arXiv link',
      `## Papers for 2024-02-03\n\n${header6}| [T](https://example.org/x) | A | S | ['X'] | N/A | N/A |\n`,
      'x.md:5: row has no arXiv link (title "T")',
    ],
    [
      'a short row',
      `## Papers for 2024-02-03\n\n${header6}| [T](https://arxiv.org/abs/2402.00001) | A | S | ['X'] |\n`,
      'x.md:5: row has 4 cells, expected 6',
    ],
    [
      'two headings',
      '## Papers for 2024-02-03\n\n| Title |\n|---|\n\n## Papers for 2024-02-04\n',
      'x.md:6: a second "Papers for" heading (the first is at line 1): one digest per file',
    ],
  ];
  for (const [what, text, message] of cases) {
    it(`refuses ${what} with path:line`, () => {
      let caught: unknown;
      try {
        parseDigest(text, 'x.md');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DigestError);
      expect((caught as DigestError).message).toBe(message);
    });
  }

  it('lists every bad row, not only the first', () => {
    const text = `## Papers for 2024-02-03\n\n${header6}| a | b |\n| c | d |\n`;
    expect(readDigest(text).errors.map((e) => e.line)).toEqual([5, 6]);
  });
});
