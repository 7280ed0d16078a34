import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDigest, readDigest } from '../../src/digest/index.ts';
import { DigestError } from '../../src/errors.ts';
import { corpusDir, fixture, hasCorpus } from '../helpers/paths.ts';
import { seeded } from '../helpers/random.ts';

const sources = [
  ...readdirSync(fixture('digests')).map((f) => fixture('digests', f)),
  ...(hasCorpus ? readdirSync(join(corpusDir, 'digests')).map((f) => join(corpusDir, 'digests', f)) : []),
].map((path) => readFileSync(path, 'utf8'));

// Whatever the input, the reader returns a model or throws a DigestError whose lines start with the place.
function expectOnlyDigestErrors(text: string): void {
  const reading = readDigest(text);
  expect(Array.isArray(reading.digest.papers)).toBe(true);
  try {
    parseDigest(text, 'fuzz.md');
  } catch (error) {
    if (!(error instanceof DigestError)) throw error;
    for (const line of error.message.split('\n')) expect(line).toMatch(/^fuzz\.md:\d+: \S/);
  }
}

describe('the reader on broken input', () => {
  const random = seeded(20241004);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  it('survives random bytes', () => {
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 2000) }, () => Math.floor(random() * 256)));
      expectOnlyDigestErrors(bytes.toString('utf8'));
      expectOnlyDigestErrors(`## Papers for 2024-01-01\n\n| Title | Authors | Summary |\n|---|---|---|\n| ${bytes.toString('latin1')}`);
    }
  });

  it('survives truncation at any point', () => {
    for (let i = 0; i < 400; i++) {
      const text = pick(sources);
      expectOnlyDigestErrors(text.slice(0, Math.floor(random() * text.length)));
    }
  });

  it('survives shuffled lines and injected table syntax', () => {
    const noise = ['|', '[', '](', ')', '\n', '\\|', '**-**', ' - ', '## Papers for 2024-13-01\n', '\r\n', '\u0000'];
    for (let i = 0; i < 300; i++) {
      const lines = pick(sources).split('\n');
      for (let k = lines.length - 1; k > 0; k--) {
        const j = Math.floor(random() * (k + 1));
        if (random() < 0.3) [lines[k], lines[j]] = [lines[j] as string, lines[k] as string];
      }
      let text = lines.join('\n');
      for (let n = 0; n < 8; n++) {
        const at = Math.floor(random() * text.length);
        text = text.slice(0, at) + pick(noise) + text.slice(at);
      }
      expectOnlyDigestErrors(text);
    }
  });
});

describe('the reader on pathological lines', () => {
  it('stays fast on very long runs of spaces, pipes and brackets', () => {
    const long = (s: string) => s.repeat(20_000);
    const started = performance.now();
    for (const filler of [' ', '|', '[', '](', '- ', '#', 'a) ', ' (']) {
      expectOnlyDigestErrors(`## Papers for ${long(filler)}x\n`);
      expectOnlyDigestErrors(
        '## Papers for 2024-01-01\n\n| Title | Authors | Summary |\n|---|---|---|\n' +
          `| T${long(filler)}x (Read more on [arXiv](https://arxiv.org/abs/2401.00001)) | A | ${long(filler)}x |\n`,
      );
    }
    // Generous: a quadratic path would take minutes here.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
