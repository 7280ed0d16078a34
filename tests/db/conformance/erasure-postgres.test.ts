import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type PostgresSql, WebhookEvents } from '../../../src/db/index.ts';
import { openLedger } from '../../../src/ledger/index.ts';
import { eraseSubscriber, SubscriberStore, Suppressions } from '../../../src/subscribers/index.ts';
import { webhookRecorder } from '../../../src/webhooks/index.ts';
import { has } from '../../helpers/peers.ts';
import { asAdmin, throwawayDatabase } from '../../helpers/postgres.ts';

const ADDRESS = 'Zebra.Quokka@Example.org';
// The address's bytes as any table or index may hold them: as given, or as its key (lower case).
const NEEDLES = [ADDRESS, ADDRESS.toLowerCase()].map((text) => Buffer.from(text));
const holds = (bytes: Buffer) => NEEDLES.some((needle) => bytes.includes(needle));

/** Where the address's bytes are in a tuple PostgreSQL still keeps, live or dead: `table (block): n`. */
async function tuplesHolding(client: pg.Client): Promise<string[]> {
  const relations = await client.query<{ name: string; kind: string; blocks: number }>(
    `SELECT c.relname AS name, c.relkind AS kind, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS blocks
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i') ORDER BY c.relname`,
  );
  const found: string[] = [];
  for (const { name, kind, blocks } of relations.rows) {
    // A B-tree's block 0 is its meta page; every other block holds entries.
    for (let block = kind === 'i' ? 1 : 0; block < blocks; block++) {
      const items =
        kind === 'r'
          ? await client.query<{ data: Buffer | null }>('SELECT t_data AS data FROM heap_page_items(get_raw_page($1, $2))', [name, block])
          : await client.query<{ data: Buffer | null }>("SELECT decode(replace(data, ' ', ''), 'hex') AS data FROM bt_page_items($1, $2)", [
              name,
              block,
            ]);
      const n = items.rows.filter((row) => row.data !== null && holds(row.data)).length;
      if (n > 0) found.push(`${name} (${block}): ${n}`);
    }
  }
  return found;
}

describe.runIf(has('postgres'))('erasure on PostgreSQL', () => {
  const database = throwawayDatabase();
  let sql: PostgresSql;
  beforeAll(async () => {
    await asAdmin(async (client) => {
      await client.query('CREATE EXTENSION IF NOT EXISTS pageinspect');
      await client.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
    }, database.name);
    sql = await openPostgres(database.url);
  });
  afterAll(async () => {
    await sql?.close();
  });

  it('leaves the address in no tuple of any table or index, live or dead, once erased and vacuumed', async () => {
    const now = () => new Date('2031-03-02T08:00:00.000Z');
    const webhooks = new WebhookEvents(sql, now);
    const recorder = webhookRecorder({ urls: ['https://hooks.example.net/in'], secret: 'whsec_x', includeEmail: true }, webhooks, now);
    const store = new SubscriberStore(sql, now, recorder.subscribers);
    const suppressions = new Suppressions(sql, 'a-suppression-secret-of-enough-length', now);
    // A list of thousands: where a VACUUM left alone would keep a few deleted rows' index entries for later.
    await sql.run(
      `INSERT INTO subscribers (email, email_key, status, source, created_at, updated_at, token_key)
       SELECT 'reader' || n || '@example.org', 'reader' || n || '@example.org', 'confirmed', 'test', @now, @now, 'key'
       FROM generate_series(1, 8000) AS n`,
      { now: now().toISOString() },
    );
    const { subscriber } = await store.add({ email: ADDRESS, name: 'Zebra', source: 'form' });
    await store.setStatus(subscriber.id, 'confirmed', `confirmed by ${ADDRESS}`);
    await store.recordComplaint(subscriber.id, 'abuse report');
    await store.reserveConfirmation(ADDRESS, '2031-03-02', 3);
    await openLedger(sql, now).rounds.open('2031-03-02', 0, 'daily');
    const held = await asAdmin(tuplesHolding, database.name);
    // The search finds it before: in the list, its unique index of addresses, its history, the webhook queue, the confirmations.
    expect(held.join('\n')).toMatch(/^subscribers \(/m);
    expect(held.join('\n')).toMatch(/^subscribers_email_key_key /m);
    expect(held.join('\n')).toMatch(/^webhook_events /m);
    expect(held.join('\n')).toMatch(/^confirmations /m);

    const erasure = await eraseSubscriber(
      { store, suppressions, deliveriesOf: async () => [], forgetMail: async () => 0 },
      ADDRESS.toUpperCase(),
    );
    expect(erasure).toEqual({ listed: true, messages: 0 });
    expect(await asAdmin(tuplesHolding, database.name)).toEqual([]);
    // No dead tuple is left in any table erasure touches: VACUUM took them all.
    const dead = await asAdmin(
      (client) =>
        client.query<{ name: string; dead: number }>(
          `SELECT t AS name, (pgstattuple(t)).dead_tuple_count::int AS dead
           FROM unnest(ARRAY['subscribers', 'events', 'deliveries', 'confirmations', 'suppressions', 'webhook_events']) AS t`,
        ),
      database.name,
    );
    expect(dead.rows.filter((row) => row.dead > 0)).toEqual([]);
    expect(await store.count()).toBe(8000);
    expect(await suppressions.reason(ADDRESS)).toBe('erased');
    // What this does not reach, and the README says: the freed space of a page keeps the old bytes until
    // PostgreSQL writes over it, the write-ahead log until it is recycled, and backups for as long as they are kept.
  });
});
