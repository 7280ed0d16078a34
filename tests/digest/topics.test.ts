import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLibrary, keywordTags, readDigest, taggerFor, type Digest, type Paper } from '../../src/digest/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { corpusDir, hasCorpus } from '../helpers/paths.ts';

const paper = (title: string, summary: string, tags: string[] = [], arxivId = '3101.00001'): Paper => ({
  arxivId,
  url: `https://arxiv.org/abs/${arxivId}`,
  title,
  authors: [],
  summary,
  points: [summary],
  tags,
  links: { github: [], huggingface: [] },
});

const threeColumnRow = ([title, id, summary]: [string, string, string]) =>
  `| ${title} (Read more on [arXiv](https://arxiv.org/abs/${id})) | Ann Lee | ${summary} |`;
const threeColumns = (date: string, rows: [string, string, string][]) =>
  `## Papers for ${date}\n\n| Title | Authors | Summary |\n|---|---|---|\n${rows.map(threeColumnRow).join('\n')}\n`;

describe('topics from the built-in list', () => {
  it('names topics only on clear phrases, and says nothing about a paper with none', () => {
    expect(
      keywordTags(
        paper('Scaling Reinforcement Learning for Reasoning in Large Language Models', 'We train an LLM with GRPO on math problems.'),
      ),
    ).toEqual(expect.arrayContaining(['Natural Language Processing', 'Reinforcement Learning', 'Question Answering']));
    expect(keywordTags(paper('A Vision-Language Model for Chart Question Answering', 'A multimodal benchmark of charts.'))).toEqual(
      expect.arrayContaining(['Multimodal']),
    );
    expect(keywordTags(paper('A Vision-Language Model for Chart Question Answering', 'A multimodal benchmark of charts.'))).not.toContain(
      'Natural Language Processing',
    );
    expect(keywordTags(paper('On the Shape of Kites', 'Kites fly when the wind blows.'))).toEqual([]);
  });

  it('spells a topic as the folder does, and is used while the folder has few tagged papers', () => {
    const tagged: Digest = {
      date: '2031-01-01',
      warnings: [],
      papers: [paper('Anything', 'At all', ['natural language processing'], '3101.00009')],
    };
    const tagger = taggerFor([tagged]);
    expect(tagger.mode).toBe('built-in');
    const tags = tagger.tag(paper('Efficient Inference for Large Language Models', 'Faster LLM serving.'));
    expect(tags).toContain('natural language processing');
    expect(tags).not.toContain('Natural Language Processing');
  });

  it('brings the broader topic along, and reads a single summary phrase only for a paper nothing else fits', () => {
    const vqa = keywordTags(paper('A Benchmark for Visual Question Answering', 'Questions about photos.'));
    expect(vqa).toEqual(expect.arrayContaining(['Visual Question Answering', 'Multimodal']));
    const faint = paper('On Kites and Wind', 'Kites fly; we also ask a language model about them.');
    expect(keywordTags(faint)).toEqual(['Natural Language Processing']);
    expect(keywordTags(faint, false)).toEqual([]);
    // A less sure phrase counts only in the wide reading, used when there is nothing to learn from.
    const pruned = paper('Pruning Large Language Models', 'We prune an LLM by half.');
    expect(keywordTags(pruned)).toEqual(expect.arrayContaining(['Text Generation', 'Natural Language Processing']));
    expect(keywordTags(pruned, false)).toEqual(['Natural Language Processing']);
  });

  it('gives a paper the tags it carries in another digest of the folder', () => {
    const tagged: Digest = { date: '2031-01-01', warnings: [], papers: [paper('Kites', 'Kites.', ['Robotics'], '3101.00042')] };
    expect(taggerFor([tagged]).tag(paper('Kites', 'Kites.', [], '3101.00042'))).toEqual(['Robotics']);
  });
});

describe('topics inferred in a folder', () => {
  it('come from earlier months only: a later digest never changes the topics an issue was published with', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-topics-'));
    const tagged = (date: string, tag: string) =>
      `## Papers for ${date}\n\n| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n|---|---|---|---|---|---|\n` +
      `| [On the Shape of Kites](https://arxiv.org/abs/3102.00001) | Ann Lee | - Kites fly when the wind blows. | ['${tag}'] | N/A | N/A |\n`;
    await writeFile(
      join(dir, '2031-02-10.md'),
      threeColumns('2031-02-10', [['On the Shape of Kites', '3102.00001', 'Kites fly when the wind blows.']]),
    );
    const library = createLibrary(dir);
    const topicsOf = async () =>
      (await library.readAll()).find((e) => e.reading.digest.date === '2031-02-10')?.reading.digest.papers[0]?.tags ?? [];
    expect(await topicsOf()).toEqual([]);
    // The same paper tagged in a later digest, of the same month or the next: the issue keeps its topics.
    await writeFile(join(dir, '2031-02-20.md'), tagged('2031-02-20', 'Robotics'));
    await writeFile(join(dir, '2031-03-02.md'), tagged('2031-03-02', 'Robotics'));
    expect(await topicsOf()).toEqual([]);
    // Tagged in an earlier month, it is the same paper: those tags.
    await writeFile(join(dir, '2031-01-15.md'), tagged('2031-01-15', 'Aerodynamics'));
    expect(await topicsOf()).toEqual(['Aerodynamics']);
    const checked = JSON.parse((await paperboy(['check', dir, '--json'])).stdout) as Digest[];
    expect(checked.find((d) => d.date === '2031-02-10')?.papers[0]?.tags).toEqual(['Aerodynamics']);
    const parsed = JSON.parse((await paperboy(['parse', join(dir, '2031-02-10.md'), '--json'])).stdout) as Digest;
    expect(parsed.papers[0]?.tags).toEqual(['Aerodynamics']);
  });
});

describe('topics inferred in a large folder', () => {
  // Six months of digests, half their papers tagged: each paper speaks of one topic's words.
  const TOPICS: Record<string, string[]> = {
    Robotics: ['robot', 'grasping', 'manipulator', 'locomotion', 'gripper'],
    Vision: ['image', 'segmentation', 'pixel', 'camera', 'detection'],
    Speech: ['speech', 'audio', 'speaker', 'acoustic', 'phoneme'],
    Agents: ['agent', 'planning', 'tool', 'environment', 'reward'],
  };
  const names = Object.keys(TOPICS);
  async function folder(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-topics-'));
    let n = 0;
    for (let month = 1; month <= 6; month++) {
      for (const day of [3, 13, 23]) {
        const date = `2031-0${month}-${day}`;
        const rows = Array.from({ length: 8 }, (_, k) => {
          n++;
          const topic = names[(n * 7 + k) % names.length] as string;
          const words = TOPICS[topic] as string[];
          const title = `A ${words[n % 5]} study of ${words[(n + 2) % 5]} number ${n}`;
          const summary = `- We study ${words.join(' and ')} with ${words[(n + 1) % 5]} ${n}.`;
          const id = `31${String(month).padStart(2, '0')}.${String(n).padStart(5, '0')}`;
          return `| [${title}](https://arxiv.org/abs/${id}) | Ann Lee | ${summary} | ${k % 2 === 0 ? `['${topic}']` : '-'} | N/A | N/A |`;
        });
        const head = `## Papers for ${date}\n\n| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n|---|---|---|---|---|---|\n`;
        await writeFile(join(dir, `${date}.md`), `${head}${rows.join('\n')}\n`);
      }
    }
    return dir;
  }

  it('are the same whether the oldest months are inferred on a thread of their own or not', async () => {
    const dir = await folder();
    const here = await createLibrary(dir, Number.POSITIVE_INFINITY).readAll();
    const shared = await createLibrary(dir, 1).readAll();
    const digests = (entries: typeof here) => entries.map((e) => e.reading.digest);
    expect(digests(shared)).toEqual(digests(here));
    const inferred = digests(here).flatMap((d) => d.papers.filter((p) => p.tagsInferred));
    // Papers of the oldest months (inferred on the thread) and of the newest got topics.
    const months = digests(here)
      .filter((d) => d.papers.some((p) => p.tagsInferred))
      .map((d) => d.date.slice(0, 7));
    expect(new Set(months)).toEqual(new Set(['2031-01', '2031-02', '2031-03', '2031-04', '2031-05', '2031-06']));
    expect(inferred.length).toBeGreaterThan(24);
  });
});

describe('paperboy parse and check with untagged papers', () => {
  it('marks inferred topics in --json and in the summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-topics-'));
    await writeFile(
      join(dir, '2031-03-01.md'),
      threeColumns('2031-03-01', [
        [
          'Reinforcement Learning from Human Feedback for Large Language Models',
          '3103.00001',
          'We align an LLM with PPO and a reward model.',
        ],
        ['On the Shape of Kites', '3103.00002', 'Kites fly when the wind blows.'],
      ]),
    );
    const run = await paperboy(['parse', join(dir, '2031-03-01.md'), '--json']);
    expect(run.status).toBe(0);
    const [rl, kites] = JSON.parse(run.stdout).papers;
    expect(rl.tags).toContain('Reinforcement Learning');
    expect(rl.tagsInferred).toBe(true);
    expect(Object.keys(rl)).toEqual(['arxivId', 'url', 'title', 'authors', 'summary', 'points', 'tags', 'tagsInferred', 'links']);
    expect(kites.tags).toEqual([]);
    expect(kites.tagsInferred).toBeUndefined();
    expect((await paperboy(['parse', join(dir, '2031-03-01.md')])).stdout).toContain('Reinforcement Learning (topics inferred)');
    const checked = JSON.parse((await paperboy(['check', dir, '--json'])).stdout);
    expect(checked[0].papers[0].tagsInferred).toBe(true);
  });
});

// The real archives: the tagged six-column files with their tags hidden, against the tags they carry.
describe.skipIf(!hasCorpus)('inference on the real archives, tags hidden', () => {
  const score = (predict: (file: number, p: Paper) => string[], digests: Digest[]) => {
    let right = 0;
    let said = 0;
    let truth = 0;
    digests.forEach((digest, file) => {
      for (const p of digest.papers.filter((x) => x.tags.length > 0)) {
        const guess = predict(file, { ...p, tags: [] });
        said += guess.length;
        truth += p.tags.length;
        right += guess.filter((t) => p.tags.includes(t)).length;
      }
    });
    return { precision: Number((right / said).toFixed(3)), recall: Number((right / truth).toFixed(3)) };
  };
  const hidden = (d: Digest): Digest => ({ ...d, papers: d.papers.map((p) => ({ ...p, tags: [] })) });

  it('beats guessing the two most frequent topics, learned and from the built-in list alone', () => {
    const dir = join(corpusDir, 'digests');
    const digests = readdirSync(dir)
      .sort()
      .map((name) => readDigest(readFileSync(join(dir, name), 'utf8')).digest);
    const counts = new Map<string, number>();
    for (const d of digests) for (const p of d.papers) for (const t of p.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    const frequent = [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([t]) => t);
    const baseline = score(() => frequent, digests);
    const builtIn = taggerFor(digests.map(hidden));
    expect(builtIn.mode).toBe('built-in');
    const listOnly = score((_, p) => builtIn.tag(p), digests);
    // Learned: each file's tags hidden in turn, learned from the other files.
    const taggers = digests.map((_, i) => taggerFor(digests.map((d, j) => (j === i ? hidden(d) : d))));
    expect(taggers.every((t) => t.mode === 'learned')).toBe(true);
    const learned = score((file, p) => taggers[file]?.tag(p) ?? [], digests);
    console.log(`topic inference on ${digests.length} corpus files:`, { baseline, learned, listOnly });
    for (const mode of [learned, listOnly]) {
      expect(mode.precision).toBeGreaterThan(baseline.precision + 0.2);
      expect(mode.recall).toBeGreaterThan(baseline.recall + 0.05);
    }
  });
});

// The built-in list and the learned mode were tuned on the first five tagged files and are judged on
// the other six, whose tags they never saw: the untagged half of an archive the tagger meets.
const TUNED_ON = ['2024-09-28.md', '2024-10-10.md', '2024-12-26.md', '2025-03-11.md', '2025-05-27.md'];
const HELD_OUT = ['2024-10-04.md', '2024-10-18.md', '2025-02-04.md', '2025-05-06.md', '2025-06-18.md', '2025-09-11.md'];
const BEFORE = { precision: 0.784, recall: 0.507 };

describe.skipIf(!hasCorpus)('inference on held-out real archives', () => {
  const read = (names: string[]) => names.map((name) => readDigest(readFileSync(join(corpusDir, 'digests', name), 'utf8')).digest);
  const hide = (d: Digest): Digest => ({ ...d, papers: d.papers.map((p) => ({ ...p, tags: [] })) });
  // Precision, recall and the share of papers given any topic, over the held-out papers.
  const judge = (digests: Digest[], tag: (p: Paper) => string[]) => {
    let right = 0;
    let said = 0;
    let truth = 0;
    let covered = 0;
    let papers = 0;
    for (const p of digests.flatMap((d) => d.papers)) {
      const guess = tag({ ...p, tags: [] });
      papers += 1;
      covered += guess.length > 0 ? 1 : 0;
      said += guess.length;
      truth += p.tags.length;
      right += guess.filter((t) => p.tags.includes(t)).length;
    }
    const round = (n: number) => Number(n.toFixed(3));
    return { precision: round(right / said), recall: round(right / truth), coverage: round(covered / papers), papers };
  };

  it('the built-in list alone names topics for nine papers in ten, precision at least 0.60 and recall at least 0.50', () => {
    const heldOut = read(HELD_OUT);
    expect(heldOut.flatMap((d) => d.papers).every((p) => p.tags.length > 0)).toBe(true);
    const tagger = taggerFor(heldOut.map(hide));
    expect(tagger.mode).toBe('built-in');
    const builtIn = judge(heldOut, (p) => tagger.tag(p));
    console.log(`built-in list on ${HELD_OUT.length} held-out files:`, builtIn);
    expect(builtIn.papers).toBe(80);
    expect(builtIn.precision).toBeGreaterThanOrEqual(0.6);
    expect(builtIn.recall).toBeGreaterThanOrEqual(0.5);
    expect(builtIn.coverage).toBeGreaterThanOrEqual(0.9);
  });

  it('learned from the tuning files, it does at least as well on the held-out ones as it did before', () => {
    const heldOut = read(HELD_OUT);
    const tagger = taggerFor([...read(TUNED_ON), ...heldOut.map(hide)]);
    expect(tagger.mode).toBe('learned');
    const learned = judge(heldOut, (p) => tagger.tag(p));
    console.log(`learned from ${TUNED_ON.length} files, on ${HELD_OUT.length} held-out files:`, learned);
    // Before the built-in list was widened, learned mode scored these on the same split.
    expect(learned.precision).toBeGreaterThanOrEqual(BEFORE.precision);
    expect(learned.recall).toBeGreaterThanOrEqual(BEFORE.recall);
    expect(learned.coverage).toBeGreaterThanOrEqual(0.9);
  });
});
