import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMAIL_HTML_LIMIT, styleBytes } from '../../src/render/index.ts';
import { PLACEHOLDERS } from '../../src/render/placeholders.ts';
import { fixClock } from '../helpers/clock.ts';
import { expectGolden } from '../helpers/golden.ts';
import { corpusDir, fixture, hasCorpus } from '../helpers/paths.ts';
import { tempSite } from '../helpers/site.ts';

fixClock();

const sixColumns = readFileSync(fixture('digests', 'six-columns.md'), 'utf8');

// A digest far too large for one email: the fixture's rows repeated under new arXiv ids.
function hugeDigest(copies: number): string {
  const [head, ...rows] = sixColumns.split('\n| [');
  const body = Array.from({ length: copies }, (_, c) =>
    rows.map((row) => `| [${row.replace(/3102\.000(\d\d)/, (_, n: string) => `3104.${String(c * 100 + Number(n)).padStart(5, '0')}`)}`).join('\n'),
  );
  return `${head?.replace('2031-02-03', '2031-04-01')}\n${body.join('\n')}`;
}

describe('the email', async () => {
  const site = await tempSite({ '2031-02-03.md': sixColumns });
  await site.build();
  const html = await site.read('email/2031-02-03.html');
  const text = await site.read('email/2031-02-03.txt');

  it('matches its golden files', () => {
    expectGolden('email/2031-02-03.html', html);
    expectGolden('email/2031-02-03.txt', text);
  });

  it('keeps the per-subscriber placeholders in both parts', () => {
    for (const marker of Object.values(PLACEHOLDERS)) {
      expect(html).toContain(marker);
      expect(text).toContain(marker);
    }
  });

  it('has a preheader, a colour-scheme meta, dark-mode styles and a 480 px breakpoint', () => {
    expect(html).toMatch(/<meta name="color-scheme" content="light dark">/);
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('max-width:480px');
    expect(html).toContain('Tiny Kites: Flying Small Models; A Title Wrapped Over Two Lines; and 6 more');
  });

  it('writes a plain-text part from the model, wrapped at 78 columns', () => {
    expect(text).not.toMatch(/<(?:table|td|div|p)\b/);
    expect(text).toContain('1. Tiny Kites: Flying Small Models');
    expect(text).toContain('   - It trains them on kites.');
    for (const line of text.split('\n')) {
      if (line.length > 78) expect(line.trim(), 'only an unbreakable word may pass 78 columns').toMatch(/^(?:\S+: )?\S+$/);
    }
  });

  it('carries the first papers in full and lists the rest when it would pass the size budget', async () => {
    const big = await tempSite({ '2031-04-01.md': hugeDigest(30) });
    const [report] = (await big.build()).issues;
    const email = await big.read('email/2031-04-01.html');
    expect(Buffer.byteLength(email)).toBeLessThan(EMAIL_HTML_LIMIT);
    expect(report?.fullPapers).toBeGreaterThan(10);
    expect(report?.fullPapers).toBeLessThan(240);
    expect(email).toContain(`+${240 - (report?.fullPapers ?? 0)} more on the web`);
  });
});

describe.runIf(hasCorpus)('the email of the largest real digest', () => {
  it('stays under 90 KB with under 16 KB of style, listing what does not fit', async () => {
    const text = readFileSync(join(corpusDir, 'digests', '2025-09-30.md'), 'utf8');
    const site = await tempSite({ '2025-09-30.md': text });
    const [report] = (await site.build()).issues;
    const html = await site.read('email/2025-09-30.html');
    expect(Buffer.byteLength(html)).toBeLessThan(90_000);
    expect(styleBytes(html)).toBeLessThan(16_000);
    const full = report?.fullPapers ?? 0;
    expect(full).toBeGreaterThan(30);
    if (full < 59) expect(html).toContain(`+${59 - full} more on the web`);
  });
});
