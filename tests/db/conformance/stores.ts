import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookSettings } from '../../../src/config.ts';
import { openDatabase, openPostgres, SCHEMA_TABLE, sqliteSql, WebhookEvents, type Sql } from '../../../src/db/index.ts';
import { openLedger, SourceRecords, type IssueLedger } from '../../../src/ledger/index.ts';
import { SubscriberStore, Suppressions } from '../../../src/subscribers/index.ts';
import { webhookRecorder } from '../../../src/webhooks/index.ts';
import { has } from '../../helpers/peers.ts';
import { throwawayDatabase } from '../../helpers/postgres.ts';

/** The receivers every change is written for: two, so each change is a row per receiver. */
export const RECEIVERS = ['https://a.example.net/hook', 'https://b.example.net/hook'];
const SETTINGS: WebhookSettings = { urls: RECEIVERS, secret: 'whsec_dGVzdC1zZWNyZXQtb2YtZW5vdWdoLWxlbmd0aA', includeEmail: true };

/** Where every test's clock starts. */
export const START = '2031-03-02T08:00:00.000Z';

/** Every owner of state over one database, with a clock the test moves and change listeners it can make fail. */
export interface Owners {
  readonly kind: StoreKind;
  readonly sql: Sql;
  readonly store: SubscriberStore;
  readonly suppressions: Suppressions;
  readonly ledger: IssueLedger;
  readonly sources: SourceRecords;
  readonly webhooks: WebhookEvents;
  /** Sets the clock (an ISO time). */
  at(time: string): void;
  /** Moves the clock on by `ms`. */
  wait(ms: number): void;
  /** Makes every change listener throw this, after writing its events (undefined: they work). */
  failListeners(message: string | undefined): void;
}

/** The two stores the suite runs on. */
export type StoreKind = 'SQLite' | 'PostgreSQL';

// Opens the database a store of a kind keeps its state in, fresh for each test; `done` closes it.
interface Factory {
  kind: StoreKind;
  hooks(): { fresh(): Promise<Sql>; done(): Promise<void> };
}

const SQLITE: Factory = {
  kind: 'SQLite',
  hooks() {
    let open: { sql: Sql; dir: string } | undefined;
    const done = async () => {
      await open?.sql.close();
      if (open) await rm(open.dir, { recursive: true, force: true });
      open = undefined;
    };
    return {
      async fresh() {
        await done();
        const dir = await mkdtemp(join(tmpdir(), 'paperboy-conformance-'));
        open = { sql: sqliteSql(openDatabase(dir)), dir };
        return open.sql;
      },
      done,
    };
  },
};

const POSTGRES: Factory = {
  kind: 'PostgreSQL',
  hooks() {
    const database = throwawayDatabase();
    let sql: Sql | undefined;
    return {
      // One database per file, emptied (ids started again) before each test.
      async fresh() {
        if (sql === undefined) {
          sql = await openPostgres(database.url, { connections: 4 });
          return sql;
        }
        const tables = await sql.all<{ name: string }>(
          'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> @schema',
          { schema: SCHEMA_TABLE },
        );
        await sql.run(`TRUNCATE ${tables.map((t) => `"${t.name}"`).join(', ')} RESTART IDENTITY CASCADE`);
        return sql;
      },
      async done() {
        await sql?.close();
        sql = undefined;
      },
    };
  },
};

/** The stores this run has: SQLite always, PostgreSQL when the `postgres` peer answers. */
export const KINDS: Factory[] = has('postgres') ? [SQLITE, POSTGRES] : [SQLITE];

function ownersOver(kind: StoreKind, sql: Sql): Owners {
  let clock = new Date(START);
  const now = () => clock;
  let failure: string | undefined;
  const webhooks = new WebhookEvents(sql, now);
  const recorder = webhookRecorder(SETTINGS, webhooks, now);
  const failing =
    <T>(listener: (change: T) => Promise<void>) =>
    async (change: T) => {
      await listener(change);
      if (failure !== undefined) throw new Error(failure);
    };
  return {
    kind,
    sql,
    store: new SubscriberStore(sql, now, failing(recorder.subscribers)),
    suppressions: new Suppressions(sql, 'a-suppression-secret-of-enough-length', now),
    ledger: openLedger(sql, now, failing(recorder.ledger)),
    sources: new SourceRecords(sql),
    webhooks,
    at: (time) => {
      clock = new Date(time);
    },
    wait: (ms) => {
      clock = new Date(clock.getTime() + ms);
    },
    failListeners: (message) => {
      failure = message;
    },
  };
}

/** Records an answer of the store under test, under a label unique in its test, and gives it back. */
export type Seen = <T>(label: string, answer: T) => T;

/**
 * Runs `body`'s tests on every store this run has (`describe.each`), each test on an empty
 * database, and then checks that both stores gave the same answers: every value passed to `seen`
 * on SQLite equals the one passed under the same test and label on PostgreSQL.
 */
export function onEachStore(title: string, body: (owners: () => Owners, seen: Seen) => void): void {
  const answers = new Map<string, Map<StoreKind, unknown>>();
  describe.each(KINDS)(`${title}, on $kind`, (factory) => {
    const { fresh, done } = factory.hooks();
    let owners: Owners | undefined;
    beforeEach(async () => {
      owners = ownersOver(factory.kind, await fresh());
    });
    if (factory.kind === 'SQLite') afterEach(done);
    else afterAll(done);
    const seen: Seen = (label, answer) => {
      const test = (expect.getState().currentTestName ?? '').replace(new RegExp(`on '?${factory.kind}'?`), 'on *');
      const key = `${test} > ${label}`;
      let byKind = answers.get(key);
      if (byKind === undefined) answers.set(key, (byKind = new Map()));
      if (byKind.has(factory.kind)) throw new Error(`${key}: seen twice`);
      // A copy: what the test does with the answer afterwards changes nothing recorded.
      byKind.set(factory.kind, structuredClone(answer));
      return answer;
    };
    body(() => {
      if (owners === undefined) throw new Error('the owners are opened before each test');
      return owners;
    }, seen);
  });
  describe(`${title}, on both stores`, () => {
    it.runIf(KINDS.length === 2)('gives the same answers to the same calls', () => {
      expect(answers.size).toBeGreaterThan(0);
      const differ: string[] = [];
      for (const [key, byKind] of answers) {
        expect(byKind.has('PostgreSQL'), `${key}: not answered on PostgreSQL`).toBe(true);
        try {
          expect(byKind.get('PostgreSQL')).toEqual(byKind.get('SQLite'));
        } catch {
          const [sqlite, postgres] = [byKind.get('SQLite'), byKind.get('PostgreSQL')].map((v) => JSON.stringify(v));
          differ.push(`${key}: SQLite ${sqlite}, PostgreSQL ${postgres}`);
        }
      }
      expect(differ).toEqual([]);
    });
  });
}
