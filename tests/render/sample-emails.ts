import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, fixture, hasCorpus } from '../helpers/paths.ts';
import { tempSite } from '../helpers/site.ts';
import { generatedDigest } from './generated-digest.ts';

/** The largest real digest: the email that has to cut the most. */
export const LARGEST_REAL = '2025-09-30';

/** One built email, as `out/email/` keeps it. */
export interface SampleEmail {
  name: string;
  html: string;
  text: string;
}

/**
 * The emails the client, accessibility and spam checks look at: the six-column fixture, the same
 * papers again a day later (every one marked as a repeat), the sample digest, a generated digest
 * too large even for a list of titles, and the largest real digest when the corpus is there.
 * Everything is read and built when this is called, never when a test file is collected.
 */
export function sampleEmails(): Promise<SampleEmail[]> {
  // Built once per worker, for every file that looks at them; nobody changes them.
  made ??= buildSampleEmails();
  return made;
}

let made: Promise<SampleEmail[]> | undefined;

async function buildSampleEmails(): Promise<SampleEmail[]> {
  const six = readFileSync(fixture('digests', 'six-columns.md'), 'utf8');
  const digests: Record<string, string> = {
    '2031-02-03.md': six,
    '2031-02-04.md': six.replace('2031-02-03', '2031-02-04'),
    '2024-10-04.md': readFileSync(fixture('digests', '2024-10-04.md'), 'utf8'),
    '2031-05-02.md': generatedDigest('2031-05-02', 550),
  };
  if (hasCorpus) digests[`${LARGEST_REAL}.md`] = readFileSync(join(corpusDir, 'digests', `${LARGEST_REAL}.md`), 'utf8');
  const site = await tempSite(digests);
  await site.build({ all: true });
  const names: Record<string, string> = {
    '2031-02-03': 'the six-column fixture',
    '2031-02-04': 'every paper a repeat',
    '2024-10-04': 'the sample digest',
    '2031-05-02': '550 generated papers',
    [LARGEST_REAL]: 'the largest real digest',
  };
  const dates = Object.keys(digests).map((file) => file.replace('.md', ''));
  return Promise.all(
    dates.map(async (date) => ({
      name: names[date] ?? date,
      html: await site.read(`email/${date}.html`),
      text: await site.read(`email/${date}.txt`),
    })),
  );
}
