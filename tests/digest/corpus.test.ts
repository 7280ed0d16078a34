import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDigest, type Digest } from '../../src/digest/index.ts';
import { corpusDir, hasCorpus } from '../helpers/paths.ts';

// The paper counts the corpus documents for each file, read from its own SOURCES.md table.
function documentedCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(corpusDir, 'SOURCES.md'), 'utf8').split('\n')) {
    const m = /^\|\s*(\d{4}-\d{2}-\d{2}\.md)\s*\|[^|]*\|[^|]*\|\s*(\d+)\s*\|/.exec(line);
    if (m?.[1] && m[2]) counts.set(m[1], Number(m[2]));
  }
  return counts;
}

// Without ../shared beside the project (a user's clone), the suite is skipped: nothing is read
// while the tests are collected.
describe.skipIf(!hasCorpus)('the real archives in shared/corpus', () => {
  const dir = join(corpusDir, 'digests');
  const files: string[] = [];
  const digests = new Map<string, Digest>();
  beforeAll(async () => {
    files.push(
      ...readdirSync(dir)
        .filter((f) => f.endsWith('.md'))
        .sort(),
    );
    for (const file of files) digests.set(file, await loadDigest(join(dir, file)));
  });
  const get = (file: string): Digest => {
    const digest = digests.get(file);
    if (!digest) throw new Error(`${file} is not in the corpus`);
    return digest;
  };
  const paper = (file: string, id: string) => {
    const found = get(file).papers.find((p) => p.arxivId === id);
    if (!found) throw new Error(`${file} has no paper ${id}`);
    return found;
  };

  it('parses every file with the paper count SOURCES.md gives', () => {
    const counts = documentedCounts();
    expect(counts.size).toBe(files.length);
    for (const file of files) expect([file, get(file).papers.length]).toEqual([file, counts.get(file)]);
  });

  it('finds every arXiv id of every file, in file order, with the date of the heading', () => {
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      const ids = [...new Set([...text.matchAll(/arxiv\.org\/abs\/(\d{4}\.\d{4,5})/g)].map((m) => m[1]))];
      const digest = get(file);
      expect(digest.papers.map((p) => p.arxivId)).toEqual(ids);
      expect(digest.date).toBe(file.slice(0, 10));
      for (const p of digest.papers) {
        expect(p.title).not.toMatch(/^\s|\s$|\]\(|Read more|\n/);
        expect(p.url).toBe(`https://arxiv.org/abs/${p.arxivId}`);
        expect(p.points.length).toBeGreaterThan(0);
        for (const url of [...p.links.github, ...p.links.huggingface]) expect(url).toMatch(/^https?:\/\/[^\s/]+\.[^\s]+$/);
      }
    }
  });

  it('reads the 6-column example with its HTML, bullets and links', () => {
    const p = paper('2024-10-04.md', '2410.02713');
    expect(p.title).toBe('Video Instruction Tuning With Synthetic Data');
    expect(p.authors).toEqual(['Wei Li', 'Chunyuan24', 'liuziwei7', 'kimingng', 'ZhangYuanhan']);
    expect(p.tags).toEqual(['Multimodal', 'Video-Text-to-Text', 'Visual Question Answering']);
    expect(p.points).toHaveLength(5);
    expect(p.points[0]).toMatch(/^This paper introduces LLaVA-Video/);
    expect(p.links).toEqual({ github: [], huggingface: ['https://huggingface.co/datasets/lmms-lab/VideoDetailCaption'] });
    expect(paper('2024-10-04.md', '2410.02712').points[0]).toMatch(/^LLaVA-Critic is the first/);
    expect(get('2024-10-04.md').papers.some((x) => x.summary.includes('<sup>*K*</sup>') || x.title.includes('<sup>'))).toBe(true);
  });

  it('reads the 4- and 3-column upstream variants', () => {
    expect(get('2024-09-05.md').papers[0]?.title).toBe(
      'LongLLaVA: Scaling Multi-modal LLMs to 1000 Images Efficiently via Hybrid Architecture',
    );
    expect(get('2024-09-05.md').papers[0]?.arxivId).toBe('2409.02889');
    const first = get('2024-09-09.md').papers[0];
    expect(first?.title).toBe('How Do Your Code LLMs Perform? Empowering Code Instruction Tuning with High-Quality Data');
    expect(first?.links.huggingface).toEqual(['https://huggingface.co/papers/2409.03810']);
    const sla = paper('2025-09-30.md', '2509.24006');
    expect(sla.title).toBe('SLA: Beyond Sparsity in Diffusion Transformers via Fine-Tunable Sparse-Linear Attention');
    expect(sla.authors).toEqual([]);
    expect(paper('2025-09-30.md', '2509.23143').summary).toContain('mean |G-1| of 0.051');
  });

  it('reads wrapped titles, broken URLs, odd targets and brackets in titles', () => {
    expect(paper('2025-02-04.md', '2502.01081').title).toContain('GPT-[n] and o-[n] Models');
    expect(paper('2025-09-11.md', '2509.08358').title).toBe(
      "<think> So let's replace this phrase with insult... </think> Lessons learned from generation of toxic texts with LLMs",
    );
    expect(paper('2025-03-11.md', '2503.03601').links.huggingface).toEqual(['https://mgtsaevis.github.io/mgt-sae-visualization/']);
    expect(paper('2025-06-18.md', '2506.13901').title).toBe(
      'Alignment Quality Index (AQI) : Beyond Refusals: AQI as an Intrinsic Alignment Diagnostic via Latent Geometry, ' +
        'Cluster Divergence, and Layer wise Pooled Representations',
    );
    expect(get('2024-10-10.md').papers.flatMap((x) => x.links.github)).toContain('https://mssbench.github.io');
    expect(get('2025-05-06.md').papers.flatMap((x) => x.links.github)).toContain('https://github.com/maitrix-org/Voila');
    const placeholders = get('2025-06-18.md').warnings.filter((w) => /placeholder link "(None|null)"/.test(w.message));
    expect(placeholders.length).toBeGreaterThanOrEqual(3);
  });

  it('reads the empty digest as zero papers with a warning', () => {
    expect(get('2025-01-21.md').papers).toEqual([]);
    expect(get('2025-01-21.md').warnings.map((w) => w.message)).toEqual(['the digest has no papers']);
  });
});
