import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDigest } from '../../src/digest/index.ts';
import { paperboy } from '../helpers/cli.ts';

const HEADER =
  '## Papers for 2031-05-01\n\n' +
  '| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n|---|---|---|---|---|---|\n';
const row = (cells: { title?: string; tags?: string; github?: string }) =>
  `| [${cells.title ?? 'A Title'}](https://arxiv.org/abs/3105.00001) | Ann | A summary. | ` +
  `${cells.tags ?? "['Robotics']"} | ${cells.github ?? 'N/A'} | N/A |\n`;

// How long reading a digest takes, in milliseconds: the quickest of three readings, so that a
// pause of a loaded machine in one of them does not count.
// The processor time of this process (not the wall clock), so that other work on the machine does not count.
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function timed(text: string): { ms: number; reading: ReturnType<typeof readDigest> } {
  let ms = Infinity;
  let reading = readDigest(text);
  for (let i = 0; i < 3; i++) {
    const started = cpuMs();
    reading = readDigest(text);
    ms = Math.min(ms, cpuMs() - started);
  }
  return { ms, reading };
}

describe('limits on what one digest can make paperboy do', () => {
  it("cut a paper's topics, links and title to sane sizes, with warnings", () => {
    const tags = `[${Array.from({ length: 3000 }, (_, i) => `'Topic ${i}'`).join(', ')}]`;
    const links = Array.from({ length: 50_000 }, (_, i) => `[Link](https://github.com/owner/repo${i})`).join(', ');
    const { ms, reading } = timed(HEADER + row({ title: 'Long '.repeat(20_000), tags, github: links }));
    const paper = reading.digest.papers[0];
    expect(paper?.tags).toHaveLength(16);
    expect(paper?.links.github).toHaveLength(20);
    expect(paper?.title.length).toBeLessThanOrEqual(400);
    const said = reading.digest.warnings.map((w) => w.message).join('\n');
    expect(said).toMatch(/3000 topics; the first 16 are kept/);
    expect(said).toMatch(/more than 20 links; the first 20 are kept/);
    expect(said).toMatch(/title is \d+ characters long; cut to 400/);
    // Far more than it takes (a few hundred milliseconds), far less than a quadratic reading would.
    expect(ms).toBeLessThan(5000);
  });

  it('read a row wrapped over 100,000 lines in linear time', () => {
    const wrapped = (lines: number) =>
      `${HEADER}| [A\n${'  word\n'.repeat(lines)}](https://arxiv.org/abs/3105.00001) | Ann | S | ['X'] | N/A | N/A |\n`;
    // Taken in turns, so that a machine busy with other work slows both alike.
    let small = timed(wrapped(10_000));
    let large = timed(wrapped(100_000));
    for (let round = 0; round < 3; round++) {
      const [s, l] = [timed(wrapped(10_000)), timed(wrapped(100_000))];
      if (s.ms < small.ms) small = s;
      if (l.ms < large.ms) large = l;
    }
    expect(large.reading.errors).toEqual([]);
    expect(large.reading.digest.papers).toHaveLength(1);
    // Ten times the lines: about ten times the time (a quadratic reader takes a hundred times). The
    // floor keeps a clock's grain, or a collection of garbage, from deciding.
    expect(large.ms).toBeLessThan(Math.max(small.ms, 20) * 30);
  });

  it('say so when a link beside a good one is not http(s)', () => {
    const { reading } = timed(
      `${HEADER}| [T](https://arxiv.org/abs/3105.00001) [x](javascript:alert(1)) | Ann | S | ['X'] | ` +
        '[Link](data:text/html,hi), [Link](https://github.com/o/r) | N/A |\n',
    );
    const said = reading.digest.warnings.map((w) => w.message);
    expect(said).toContain('link "javascript:alert(1)" is not an http(s) URL; dropped');
    expect(said).toContain('link "data:text/html,hi" is not an http(s) URL; dropped');
    expect(reading.digest.papers[0]?.links.github).toEqual(['https://github.com/o/r']);
  });
});

describe('files that are not what they seem', () => {
  it('are named with a warning: broken UTF-8, a digest that is a symbolic link or a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-odd-'));
    await writeFile(
      join(dir, '2031-05-01.md'),
      Buffer.concat([
        Buffer.from(HEADER + row({})),
        Buffer.from('| [Bad \xff\xfe bytes](https://arxiv.org/abs/3105.00002) | A | S | [] | N/A | N/A |\n', 'latin1'),
      ]),
    );
    await symlink('/etc/passwd', join(dir, '2031-05-02.md'));
    await mkdir(join(dir, '2031-05-03.md'));
    const check = await paperboy(['check', dir]);
    expect(check.status).toBe(0);
    expect(check.stdout).toContain(`${dir}/2031-05-01.md:6: warning: the file is not valid UTF-8 here`);
    expect(check.stdout).toContain(`${dir}/2031-05-02.md:1: warning: a symbolic link, not a digest file: skipped`);
    expect(check.stdout).toContain(`${dir}/2031-05-03.md:1: warning: a folder, not a digest file: skipped`);
    expect(check.stdout).not.toContain('root:');
    const build = await paperboy(['build', '--all'], { env: { PAPERBOY_DIGESTS_DIR: dir, PAPERBOY_OUT_DIR: join(dir, '..', 'out-odd') } });
    expect(build.status).toBe(0);
    const warnings = build.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        event: 'digest skipped',
        path: join(dir, '2031-05-02.md'),
        why: 'a symbolic link, not a digest file: skipped',
      }),
    );
  });
});
