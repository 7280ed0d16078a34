import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { senderOf } from '../../src/config.ts';
import { openDatabase, type Db } from '../../src/db/index.ts';
import {
  createMessageMaker,
  fileTransport,
  smtpTransport,
  type DispatchContext,
  type Outgoing,
  type Transport,
} from '../../src/deliver/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import type { IssueToSend } from '../../src/site/index.ts';
import { SubscriberStore } from '../../src/subscribers/index.ts';
import { fixture } from './paths.ts';
import { SITE, tempSite } from './site.ts';

/** The secret every delivery test signs with. */
export const SECRET = 'test-secret-0123456789abcdef';

/** The sender every delivery test mails from. */
export const SENDER = senderOf('Daily Papers <papers@example.org>');

/** The issue of one digest file, built on a site of its own, ready to mail. */
export async function issueFrom(path: string, date: string): Promise<IssueToSend> {
  const site = await tempSite({ [`${date}.md`]: readFileSync(path, 'utf8') });
  await site.build();
  return site.builder.issue(date);
}

/** The six-column fixture, built, ready to mail. */
export function fixtureIssue(name = 'six-columns.md', date = '2031-02-03'): Promise<IssueToSend> {
  return issueFrom(fixture('digests', name), date);
}

/** The message one subscriber gets of an issue (round 0), as delivery makes it. */
export async function messageFor(
  issue: IssueToSend,
  subscriber: { id: number; email: string; topics?: string[]; tokenKey?: string },
): Promise<Outgoing> {
  const { db } = await tempDatabase();
  const message = await createMessageMaker(
    issue,
    testContext(db, fileTransport('/nonexistent')),
    0,
  )({ topics: [], tokenKey: '', ...subscriber });
  if ('skip' in message) throw new Error(`no message: ${message.skip}`);
  return message;
}

/** A fresh database in a temporary data folder. */
export async function tempDatabase(): Promise<{ db: Db; store: SubscriberStore; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'paperboy-data-'));
  const db = openDatabase(dataDir);
  return { db, store: new SubscriberStore(db), dataDir };
}

/** A dispatch context over a database and a transport, with quick retries for tests. */
export function testContext(db: Db, transport: Transport, overrides: Partial<DispatchContext> = {}): DispatchContext {
  return {
    ledger: openLedger(db),
    store: new SubscriberStore(db),
    transport,
    secret: SECRET,
    site: SITE,
    sender: SENDER,
    parallel: 4,
    retry: { attempts: 4, delayMs: 20 },
    now: () => new Date(),
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
