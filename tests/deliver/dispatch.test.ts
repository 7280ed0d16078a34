import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchIssue, messageIdFor } from '../../src/deliver/index.ts';
import { Rounds, LockedError, openLedger } from '../../src/ledger/index.ts';
import { SECRET, addConfirmed, fixtureIssue, sinkTransport, tempDatabase, testContext } from '../helpers/dispatch.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const issue = await fixtureIssue();
const sinks: SmtpSink[] = [];
async function sink(behaviour: ConstructorParameters<typeof SmtpSink>[0] = {}): Promise<SmtpSink> {
  const s = await new SmtpSink(behaviour).start();
  sinks.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});

describe('dispatching an issue over SMTP', () => {
  it('sends one copy to each confirmed subscriber and records each in the ledger', async () => {
    const smtp = await sink();
    const { sql, store } = await tempDatabase();
    await addConfirmed(store, 6);
    await store.add({ email: 'pending@example.org', source: 'test' });
    const gone = (await store.add({ email: 'gone@example.org', status: 'confirmed', source: 'test' })).subscriber;
    await store.setStatus(gone.id, 'unsubscribed', 'test');
    await store.add({ email: 'weekly@example.org', status: 'confirmed', cadence: 'weekly', source: 'test' });
    const knitter = (await store.add({ email: 'knit@example.org', status: 'confirmed', topics: ['Knitting'], source: 'test' })).subscriber;
    const transport = sinkTransport(smtp.url);
    const summary = await dispatchIssue(issue, testContext(sql, transport));
    await transport.close();
    expect(summary).toMatchObject({ issue: '2031-02-03', round: 0, sent: 6, skipped: 1, failed: 0, queued: 0, stopped: undefined });
    expect(smtp.messages.flatMap((m) => m.to).sort()).toEqual([
      'user1@example.org',
      'user2@example.org',
      'user3@example.org',
      'user4@example.org',
      'user5@example.org',
      'user6@example.org',
    ]);
    expect([...smtp.countsById().values()].every((n) => n === 1)).toBe(true);
    const ledger = new Rounds(sql);
    expect(await ledger.tally('2031-02-03', 0)).toEqual({ queued: 0, sent: 6, skipped: 1, failed: 0, doubt: 0 });
    expect(await ledger.delivery('2031-02-03', 0, knitter.id)).toMatchObject({
      status: 'skipped',
      reason: 'no papers on their topics in this issue',
    });
    expect(await ledger.delivery('2031-02-03', 0, 1)).toMatchObject({
      status: 'sent',
      attempts: 1,
      messageId: messageIdFor(SECRET, '2031-02-03', 0, 1, 'example.org'),
    });
    expect((await ledger.delivery('2031-02-03', 0, 1))?.lastReply).toMatch(/^250/);
    expect((await ledger.latestRound('2031-02-03'))?.status).toBe('done');
  });

  it('sends nothing twice when run again, and everything again, once, in a forced round', async () => {
    const smtp = await sink();
    const { sql, store } = await tempDatabase();
    await addConfirmed(store, 3);
    const transport = sinkTransport(smtp.url);
    await dispatchIssue(issue, testContext(sql, transport));
    const again = await dispatchIssue(issue, testContext(sql, transport));
    expect(again.sent).toBe(0);
    expect(smtp.messages).toHaveLength(3);
    const forced = await dispatchIssue(issue, testContext(sql, transport), { force: true });
    await transport.close();
    expect(forced).toMatchObject({ round: 1, sent: 3 });
    expect(smtp.messages).toHaveLength(6);
    expect(new Set(smtp.messages.map((m) => m.messageId)).size).toBe(6);
  });

  it('fails a recipient the server refuses with 5xx, sends the rest, and marks the subscriber bounced after three', async () => {
    const smtp = await sink({
      rcpt: (address) => (address === 'user2@example.org' ? { code: 550, message: '5.1.1 no such user' } : undefined),
    });
    const { sql, store } = await tempDatabase();
    await addConfirmed(store, 4);
    const transport = sinkTransport(smtp.url);
    const first = await dispatchIssue(issue, testContext(sql, transport));
    expect(first).toMatchObject({ sent: 3, failed: 1, queued: 0 });
    const row = await new Rounds(sql).delivery('2031-02-03', 0, 2);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row?.lastReply).toContain('no such user');
    expect((await store.get(2))?.status).toBe('confirmed');
    await dispatchIssue(issue, testContext(sql, transport), { force: true });
    await dispatchIssue(issue, testContext(sql, transport), { force: true });
    await transport.close();
    expect((await store.get(2))?.status).toBe('bounced');
    expect((await store.history(2)).map((e) => e.kind)).toContain('bounced');
  });

  it('retries 4xx replies with backoff until the server takes the message', async () => {
    const smtp = await sink({ rcpt: (_address, attempt) => (attempt <= 2 ? { code: 451, message: '4.7.1 try again later' } : undefined) });
    const { sql, store } = await tempDatabase();
    await addConfirmed(store, 3);
    const transport = sinkTransport(smtp.url);
    const summary = await dispatchIssue(issue, testContext(sql, transport));
    await transport.close();
    expect(summary).toMatchObject({ sent: 3, queued: 0 });
    expect(smtp.messages).toHaveLength(3);
    expect((await new Rounds(sql).delivery('2031-02-03', 0, 1))?.attempts).toBe(3);
  });

  it('retries a message whose connection dropped in the middle of DATA, and delivers it once', async () => {
    const smtp = await sink({ data: (_to, attempt) => (attempt === 1 ? 'drop' : undefined) });
    const { sql, store } = await tempDatabase();
    await addConfirmed(store, 3);
    const transport = sinkTransport(smtp.url);
    const summary = await dispatchIssue(issue, testContext(sql, transport));
    await transport.close();
    expect(summary).toMatchObject({ sent: 3, queued: 0 });
    expect([...smtp.countsById().values()]).toEqual([1, 1, 1]);
  });

  it('stops when the server goes away, keeps the rest queued, and finishes once it is back', async () => {
    const smtp = await sink({ delayMs: 5 });
    const { sql, store } = await tempDatabase();
    await addConfirmed(store, 40);
    const transport = sinkTransport(smtp.url);
    let stoppedAt = 0;
    const ctx = testContext(sql, transport, {
      retry: { attempts: 3, delayMs: 10 },
      progress: {
        start() {},
        finish() {},
        tick() {
          if (smtp.messages.length >= 10 && stoppedAt === 0) {
            stoppedAt = smtp.messages.length;
            void smtp.stop();
          }
        },
      },
    });
    const first = await dispatchIssue(issue, ctx);
    await transport.close();
    expect(first.stopped).toBeDefined();
    expect(first.queued).toBeGreaterThan(0);
    expect(first.sent + first.queued).toBe(40);
    const rounds = new Rounds(sql);
    expect((await rounds.latestRound('2031-02-03'))?.status).toBe('stopped');
    // What the first run saw answered with 250: the ledger says sent, and the second run sends it never again.
    const answered = (await Promise.all(Array.from({ length: 40 }, (_, i) => rounds.delivery('2031-02-03', 0, i + 1))))
      .filter((d) => d?.status === 'sent')
      .map((d) => d?.messageId);
    expect(answered).toHaveLength(first.sent);

    await smtp.start(smtp.port);
    const transport2 = sinkTransport(smtp.url);
    const second = await dispatchIssue(issue, testContext(sql, transport2));
    await transport2.close();
    expect(second).toMatchObject({ queued: 0, stopped: undefined });
    const counts = smtp.countsById();
    expect(counts.size).toBe(40);
    for (const id of answered) expect(counts.get(id ?? '')).toBe(1);
    // A message the sink answered just as it went away may have lost its 250 on the way: the client
    // saw a broken connection, not a delivery, and sends it again. At most one per connection.
    const twice = [...counts].filter(([, n]) => n > 1);
    expect(twice.length).toBeLessThanOrEqual(2);
    expect(twice.every(([, n]) => n === 2)).toBe(true);
  });

  it('takes back at once what a killed dispatch held, and waits for the lease of one that may only be paused', async () => {
    const smtp = await sink();
    const { sql, store } = await tempDatabase();
    await addConfirmed(store, 6);
    const ledger = openLedger(sql);
    const stamp = (ago: number) => new Date(Date.now() - ago).toISOString();
    const heldBy = async (host: string, pid: number, silentMs: number, leaseMs: number) => {
      const round = await ledger.rounds.open('2031-02-03', 0, 'daily');
      await ledger.claims.claim('2031-02-03', 0, `${host}/${pid}`, 3, leaseMs);
      await sql.run('INSERT INTO locks (name, pid, host, acquired_at, heartbeat_at, nonce) VALUES (@name, @pid, @host, @at, @at, @nonce)', {
        name: 'dispatch',
        pid,
        host,
        at: stamp(silentMs),
        nonce: 'an earlier dispatch',
      });
      return round;
    };
    // Killed: its process is gone from this host. A lease of ten minutes is not waited for.
    await heldBy(hostname(), 999_999, 0, 600_000);
    const transport = sinkTransport(smtp.url);
    const started = Date.now();
    expect(await dispatchIssue(issue, testContext(sql, transport))).toMatchObject({ sent: 6, queued: 0 });
    expect(Date.now() - started).toBeLessThan(20_000);
    // Silent for two minutes on another machine: perhaps only paused, so its claims are left to run out.
    await sql.run('DELETE FROM deliveries');
    await sql.run('DELETE FROM dispatches');
    await heldBy('elsewhere', 4242, 120_000, 1_500);
    const waited = Date.now();
    expect(await dispatchIssue(issue, testContext(sql, transport))).toMatchObject({ sent: 6, queued: 0 });
    expect(Date.now() - waited).toBeGreaterThanOrEqual(1_000);
    await transport.close();
    expect(smtp.messages).toHaveLength(12);
  });

  it('never lets two dispatches run at once, even in one process, and takes over a lock whose holder is gone', async () => {
    const { sql } = await tempDatabase();
    const held = await openLedger(sql).acquire('dispatch');
    await expect(openLedger(sql).acquire('dispatch')).rejects.toThrow(LockedError);
    await sql.run("UPDATE locks SET pid = 999999, nonce = 'a dead process' WHERE name = 'dispatch'");
    const taken = await openLedger(sql).acquire('dispatch');
    await sql.run("UPDATE locks SET pid = @pid, nonce = 'another live process' WHERE name = 'dispatch'", { pid: process.ppid });
    await expect(openLedger(sql).acquire('dispatch')).rejects.toThrow(/another dispatch is running \(process \d+ on /);
    await sql.run("UPDATE locks SET pid = @pid, nonce = 'an earlier process with this pid' WHERE name = 'dispatch'", { pid: process.pid });
    await (await openLedger(sql).acquire('dispatch')).release();
    await held.release();
    await taken.release();
  });
});
