import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDigest } from '../../src/digest/index.ts';
import type { DispatchContext, IssueToSend } from '../../src/deliver/dispatch.ts';
import { smtpTransport, type Transport } from '../../src/deliver/transport.ts';
import { renderEmail } from '../../src/render/email.ts';
import { loadTemplates } from '../../src/render/_templates.ts';
import { issueView } from '../../src/render/_view.ts';
import { openDatabase, type Db } from '../../src/subscribers/db.ts';
import { SubscriberStore } from '../../src/subscribers/store.ts';
import { fixture, root } from './paths.ts';
import { SITE, tempSite } from './site.ts';

/** The secret every delivery test signs with. */
export const SECRET = 'test-secret-0123456789abcdef';

/** The six-column fixture, built, ready to mail. */
export async function fixtureIssue(name = 'six-columns.md', date = '2031-02-03'): Promise<IssueToSend> {
  const site = await tempSite({ [`${date}.md`]: readFileSync(fixture('digests', name), 'utf8') });
  await site.build();
  return {
    digest: await loadDigest(join(site.digestsDir, `${date}.md`)),
    html: await site.read(`email/${date}.html`),
    text: await site.read(`email/${date}.txt`),
  };
}

/** A fresh database in a temporary data folder. */
export async function tempDatabase(): Promise<{ db: Db; store: SubscriberStore; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'paperboy-data-'));
  const db = openDatabase(dataDir);
  return { db, store: new SubscriberStore(db), dataDir };
}

/** A dispatch context over a database and a transport, with quick retries for tests. */
export function testContext(db: Db, transport: Transport, overrides: Partial<DispatchContext> = {}): DispatchContext {
  const templates = loadTemplates(join(root, 'templates'));
  return {
    db,
    store: new SubscriberStore(db),
    transport,
    secret: SECRET,
    site: SITE,
    from: 'Daily Papers <papers@example.org>',
    parallel: 4,
    retry: { attempts: 4, delayMs: 20 },
    renderVariant: async (digest) => renderEmail(issueView(digest, SITE), await templates),
    ...overrides,
  };
}

/** An SMTP transport to a sink, pooled like the real one. */
export function sinkTransport(url: string, connections = 2): Transport {
  return smtpTransport(url, { connections, rate: 0 });
}

/** Adds `count` confirmed subscribers named user<n>@example.org. */
export function addConfirmed(store: SubscriberStore, count: number, from = 1): void {
  store.transaction(() => {
    for (let n = from; n < from + count; n++) store.add({ email: `user${n}@example.org`, status: 'confirmed', source: 'test' });
  });
}
