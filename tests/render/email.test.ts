import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDigest, type Digest } from '../../src/digest/index.ts';
import { EMAIL_HTML_LIMIT, issueView, loadTemplates, renderEmail, styleBytes, type RenderedEmail } from '../../src/render/index.ts';
import { PLACEHOLDERS } from '../../src/render/placeholders.ts';
import { fixClock } from '../helpers/clock.ts';
import { expectGolden } from '../helpers/golden.ts';
import { corpusDir, fixture, hasCorpus, root } from '../helpers/paths.ts';
import { SITE, tempSite } from '../helpers/site.ts';
import { generatedDigest } from './generated-digest.ts';
import { LARGEST_REAL } from './sample-emails.ts';

fixClock();

const sixColumns = readFileSync(fixture('digests', 'six-columns.md'), 'utf8');

// A digest far too large for one email: the fixture's rows repeated under new arXiv ids.
function hugeDigest(copies: number): string {
  const [head, ...rows] = sixColumns.split('\n| [');
  const body = Array.from({ length: copies }, (_, c) =>
    rows
      .map((row) => `| [${row.replace(/3102\.000(\d\d)/, (_, n: string) => `3104.${String(c * 100 + Number(n)).padStart(5, '0')}`)}`)
      .join('\n'),
  );
  return `${head?.replace('2031-02-03', '2031-04-01')}\n${body.join('\n')}`;
}

/** The arXiv ids of the papers a part carries in full: those whose card or section links to arXiv. */
function inFull(email: Pick<RenderedEmail, 'html' | 'text'>): { html: string[]; text: string[] } {
  return {
    html: [...email.html.matchAll(/<h2[^>]*><a class="pb-link" href="https:\/\/arxiv\.org\/abs\/([^"]+)"/g)].map((m) => m[1] as string),
    text: [...email.text.matchAll(/^ +https:\/\/arxiv\.org\/abs\/(\S+)$/gm)].map((m) => m[1] as string),
  };
}

async function render(digest: string, change: (model: Digest) => Digest = (model) => model): Promise<RenderedEmail> {
  const templates = await loadTemplates(join(root, 'templates'));
  return renderEmail(issueView(change(parseDigest(digest, 'generated.md')), SITE), templates);
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

  it('has a hidden preheader, a colour-scheme meta, dark-mode styles and a 480 px breakpoint', () => {
    expect(html).toMatch(/<meta name="color-scheme" content="light dark">/);
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('max-width:480px');
    expect(html).toContain(
      '<div style="display:none;max-height:0;overflow:hidden;mso-hide:all" aria-hidden="true">' +
        '8 papers: Tiny Kites: Flying Small Models; A Title Wrapped Over Two Lines; and 6 more</div>',
    );
  });

  it("links its contents and its pills to the web, and keeps Outlook's conditionals", () => {
    expect(html).toContain(
      '<li><a href="https://papers.example.org/issues/2031-02-03.html#arxiv-3102-00001">Tiny Kites: Flying Small Models</a></li>',
    );
    expect(html).not.toMatch(/href="#|<a name=/);
    expect(html).toContain('href="https://papers.example.org/topics/robotics.html"');
    expect(html).toContain('<!--[if mso | IE]>');
    expect(html).toContain('xmlns:v="urn:schemas-microsoft-com:vml"');
  });

  it('writes a plain-text part from the model, wrapped at 78 columns', () => {
    expect(text).not.toMatch(/<(?:table|td|div|p)\b/);
    expect(text).toContain('1. Tiny Kites: Flying Small Models');
    expect(text).toContain('   - It trains them on kites.');
    for (const line of text.split('\n')) {
      if (line.length > 78) expect(line.trim(), 'only an unbreakable word may pass 78 columns').toMatch(/^(?:\S+: )?\S+$/);
    }
  });

  it('carries every paper of a small issue in full in both parts', () => {
    const full = inFull({ html, text });
    expect(full.html).toHaveLength(8);
    expect(full.text).toEqual(full.html);
    expect(html).not.toContain('more on the web');
  });
});

describe('the email of a digest too large for it', () => {
  it('carries the first papers in full in both parts and lists the rest by title (240 papers)', async () => {
    const big = await tempSite({ '2031-04-01.md': hugeDigest(30) });
    const [report] = (await big.build()).issues;
    const email = { html: await big.read('email/2031-04-01.html'), text: await big.read('email/2031-04-01.txt') };
    expect(Buffer.byteLength(email.html)).toBeLessThan(EMAIL_HTML_LIMIT);
    const full = report?.fullPapers ?? 0;
    expect(full).toBeGreaterThan(10);
    expect(full).toBeLessThan(240);
    expect(inFull(email).html).toHaveLength(full);
    expect(inFull(email).text).toEqual(inFull(email).html);
    expect(email.html).toContain(`+${240 - full} more on the web`);
    expect(email.text).toContain(`+${240 - full} more on the web: https://papers.example.org/issues/2031-04-01.html`);
    expect(email.text).toMatch(new RegExp(`^${full + 1}\\. \\S.*\n +https://papers\\.example\\.org/issues/2031-04-01\\.html#arxiv-`, 'm'));
  });

  it('stays under 90 KB at 120 papers, the text part carrying the same papers in full', async () => {
    const email = await render(generatedDigest('2031-05-01', 120));
    expect(email.htmlBytes).toBeLessThan(EMAIL_HTML_LIMIT);
    expect(email.fullPapers).toBeGreaterThan(10);
    expect(email.fullPapers + email.listedPapers).toBe(120);
    expect(inFull(email).text).toEqual(inFull(email).html);
    expect(inFull(email).html).toHaveLength(email.fullPapers);
  });

  it('cuts even the list of titles at 550 papers, within a second or two, and says how many more are online', async () => {
    await render(generatedDigest('2031-05-03', 3));
    const started = performance.now();
    // Titles of about 150 characters: 550 of them do not all fit in the budget as a list either.
    const email = await render(
      generatedDigest('2031-05-02', 550, {
        titleOf: (n) => `Generated Paper ${n}: ${'Scaling Small Models with Curated Data '.repeat(3).trim()}`,
      }),
    );
    // A second or two on an idle machine; the bound leaves room for a loaded one.
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(email.htmlBytes).toBeLessThan(EMAIL_HTML_LIMIT);
    const unlisted = 550 - email.fullPapers - email.listedPapers;
    expect(email.listedPapers).toBeGreaterThan(100);
    for (const part of [email.html, email.text]) expect(part).toContain(`+${550 - email.fullPapers} more on the web`);
    expect(unlisted).toBeGreaterThan(0);
    for (const part of [email.html, email.text]) expect(part).toContain(`+${unlisted} more on the web`);
    expect(inFull(email).text).toEqual(inFull(email).html);
  });

  it('still goes out with a 99 KB title: short, pointing at the issue on the web', async () => {
    // The reader cuts such a title; the renderer must hold without that help, so the model gets it whole.
    const title = 'Attention '.repeat(10_000).trim();
    const whole = (model: Digest): Digest => ({ ...model, papers: model.papers.map((p, i) => (i === 0 ? { ...p, title } : p)) });
    const email = await render(generatedDigest('2031-05-04', 2, { titleOf: (n) => `Paper ${n}` }), whole);
    expect(email.htmlBytes).toBeLessThan(20_000);
    expect(email.fullPapers).toBe(0);
    for (const part of [email.html, email.text]) {
      expect(part).toContain('+2 more on the web');
      expect(part).toContain('https://papers.example.org/issues/2031-05-04.html');
      expect(part).toContain('Attention Attention');
      expect(part).toContain('Paper 2');
      expect(Buffer.byteLength(part)).toBeLessThan(20_000);
    }
  });

  it('is the same bytes whatever was rendered before it', async () => {
    const digest = issueView(parseDigest(generatedDigest('2031-05-01', 120), 'generated.md'), SITE);
    const fresh = await renderEmail(digest, await loadTemplates(join(root, 'templates')));
    const warm = await loadTemplates(join(root, 'templates'));
    await renderEmail(issueView(parseDigest(generatedDigest('2031-05-02', 550), 'generated.md'), SITE), warm);
    await renderEmail(issueView(parseDigest(sixColumns, 'six-columns.md'), { ...SITE, language: 'he-IL' }), warm);
    const again = await renderEmail(digest, warm);
    expect([again.html, again.text]).toEqual([fresh.html, fresh.text]);
  });

  it('builds every issue of a site whose digests hold a 99 KB title and 550 papers', async () => {
    const site = await tempSite({
      '2031-05-02.md': generatedDigest('2031-05-02', 550),
      '2031-05-04.md': generatedDigest('2031-05-04', 1, { titleOf: () => 'Attention '.repeat(10_000).trim() }),
    });
    const report = await site.build({ all: true });
    expect(report.issues.map((issue) => [issue.date, issue.rendered])).toEqual([
      ['2031-05-02', true],
      ['2031-05-04', true],
    ]);
  });
});

describe.runIf(hasCorpus)('the email of the largest real digest', () => {
  it('stays under 90 KB with under 16 KB of style, its text part carrying the same papers in full', async () => {
    const text = readFileSync(join(corpusDir, 'digests', `${LARGEST_REAL}.md`), 'utf8');
    const site = await tempSite({ [`${LARGEST_REAL}.md`]: text });
    const [report] = (await site.build()).issues;
    const email = { html: await site.read(`email/${LARGEST_REAL}.html`), text: await site.read(`email/${LARGEST_REAL}.txt`) };
    expect(Buffer.byteLength(email.html)).toBeLessThan(90_000);
    expect(styleBytes(email.html)).toBeLessThan(16_000);
    const full = report?.fullPapers ?? 0;
    // Its papers carry inferred topics (a three-column digest), so fewer fit than in a bare one.
    expect(full).toBeGreaterThan(20);
    expect(inFull(email).html).toHaveLength(full);
    expect(inFull(email).text).toEqual(inFull(email).html);
    expect(Buffer.byteLength(email.text)).toBeLessThan(Buffer.byteLength(email.html));
    if (full < 59) for (const part of [email.html, email.text]) expect(part).toContain(`+${59 - full} more on the web`);
  });
});
