import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildMessageTemplate, personalize } from '../deliver/index.ts';
import { parseDigest } from '../digest/index.ts';
import { addressOf, linkTo } from '../subscribers/index.ts';
import { EMAIL_HTML_LIMIT, issueView, loadTemplates, renderEmail, type RenderedEmail } from '../render/index.ts';
import type { BenchResult } from './result.ts';

const SITE = { url: 'https://papers.example.org', title: 'Daily Papers', language: 'en' };

// One subscriber's copy as delivery writes it (MIME, quoted-printable), with links as long as signed ones.
function messageBytes(email: RenderedEmail, date: string): number {
  const common = {
    from: 'Daily Papers <papers@papers.example.org>',
    subject: `${date} · a daily digest of papers`,
    date: new Date(`${date}T08:00:00Z`),
    listId: 'Daily Papers <papers.papers.example.org>',
  };
  const token = `u1-0-${'x'.repeat(43)}`;
  const parts = personalize(buildMessageTemplate(common, email.pieces), {
    to: 'reader@example.org',
    messageId: `paperboy.${date}.0.1@papers.example.org`,
    unsubscribeUrl: linkTo(SITE, 'unsubscribe', token),
    unsubscribeMailto: addressOf({ kind: 'unsubscribe', token }, { local: 'papers', domain: 'papers.example.org' }),
    preferencesUrl: linkTo(SITE, 'preferences', token),
  });
  return parts.reduce((sum, part) => sum + part.length, 0);
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** The email's size for the largest real digests, against Gmail's clipping, and the whole message's. */
export async function benchEmailSize(root: string): Promise<BenchResult> {
  const corpus = resolve(root, '..', 'shared', 'corpus', 'digests');
  const names = existsSync(corpus) ? ['2025-09-30.md', '2025-05-27.md', '2024-10-10.md', '2025-03-11.md'] : [];
  const files = names.length > 0 ? names.map((n) => join(corpus, n)) : [join(root, 'digests', '2024-10-04.md')];
  const templates = await loadTemplates(join(root, 'templates'));
  const figures: Record<string, string> = {};
  let pass = true;
  for (const file of files) {
    const digest = parseDigest(await readFile(file, 'utf8'), file);
    const email = await renderEmail(issueView(digest, SITE), templates);
    pass &&= email.htmlBytes < EMAIL_HTML_LIMIT && email.styleBytes < 16_000;
    figures[digest.date] =
      `${digest.papers.length} papers, ${kB(email.htmlBytes)} HTML, ${kB(email.styleBytes)} style, ${kB(email.textBytes)} text, ` +
      `${kB(messageBytes(email, digest.date))} message, ${email.fullPapers} in full`;
  }
  return { name: 'email size', target: 'email HTML under 90 kB, style under 16 kB', figures, pass };
}
