import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { senderOf } from '../../src/config.ts';
import { openDatabase, sqliteSql, type Sql } from '../../src/db/index.ts';
import {
  createMessageMaker,
  fileTransport,
  smtpTransport,
  type Claiming,
  type DispatchContext,
  type Outgoing,
  type Transport,
} from '../../src/deliver/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import type { IssueToSend } from '../../src/site/index.ts';
import { SubscriberStore, type Subscriber, type SubscriberStatus } from '../../src/subscribers/index.ts';
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
  const { sql } = await tempDatabase();
  const message = await createMessageMaker(
    issue,
    testContext(sql, fileTransport('/nonexistent')),
    0,
  )({ topics: [], tokenKey: '', ...subscriber });
  if ('skip' in message) throw new Error(`no message: ${message.skip}`);
  return message;
}

/** A fresh database in a temporary data folder. */
export async function tempDatabase(): Promise<{ sql: Sql; store: SubscriberStore; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'paperboy-data-'));
  const sql = sqliteSql(openDatabase(dataDir));
  return { sql, store: new SubscriberStore(sql), dataDir };
}

/** How a dispatch over a SQLite file sends: alone, holding its claims on a lease of 30 s, as `paperboy dispatch` does. */
export function soleSender(): Claiming {
  return {
    shared: false,
    lease: { owner: `test/${process.pid}/${randomBytes(4).toString('hex')}`, leaseMs: 30_000, heartbeatMs: 10_000 },
    fingerprint: async () => '',
    sends: true,
    rates: [],
  };
}

/** A dispatch context over a database and a transport, with quick retries for tests. */
export function testContext(sql: Sql, transport: Transport, overrides: Partial<DispatchContext> = {}): DispatchContext {
  return {
    claiming: soleSender(),
    ledger: openLedger(sql),
    store: new SubscriberStore(sql),
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
export async function addConfirmed(store: SubscriberStore, count: number, from = 1): Promise<void> {
  await store.transaction(async () => {
    for (let n = from; n < from + count; n++) await store.add({ email: `user${n}@example.org`, status: 'confirmed', source: 'test' });
  });
}

/** The whole list (of one status), read through `list`. */
export async function everyone(store: SubscriberStore, status?: SubscriberStatus): Promise<Subscriber[]> {
  const all: Subscriber[] = [];
  for await (const subscriber of store.list(status)) all.push(subscriber);
  return all;
}
