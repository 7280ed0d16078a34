import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { senderOf } from '../../src/config.ts';
import {
  composeNotice,
  dispatchIssue,
  fileTransport,
  messageFileName,
  messageIdFor,
  rawMessage,
  type Outgoing,
} from '../../src/deliver/index.ts';
import { confirm, importCsv, requestSubscription, signToken, type Subscriber } from '../../src/subscribers/index.ts';
import { SECRET, fixtureIssue, soleSender } from '../helpers/dispatch.ts';
import { LIST_FROM, arf, dsn, plainMessage, startInbound } from '../helpers/inbound.ts';
import { SITE } from '../helpers/site.ts';

const issue = await fixtureIssue();
const inbound = await startInbound();
const { receiver, store, ledger, subscriptions, send } = inbound;
afterAll(() => receiver.close());

const FBL = 'papers+fbl@list.example.org';
const outbox = await mkdtemp(join(tmpdir(), 'paperboy-complaints-'));
const ctx = {
  claiming: soleSender(),
  ledger,
  store,
  transport: fileTransport(outbox),
  secret: SECRET,
  site: SITE,
  sender: senderOf(LIST_FROM),
  parallel: 2,
  retry: { attempts: 1, delayMs: 0 },
  now: () => new Date(),
};

// Subscribers, then the issue mailed to them for real (into files): the messages a report is about.
const people: Subscriber[] = [];
for (const name of ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'])
  people.push((await store.add({ email: `${name}@example.net`, status: 'confirmed', source: 'test' })).subscriber);
await dispatchIssue(issue, ctx);
const sent = async (s: Subscriber) =>
  readFile(
    join(outbox, messageFileName({ envelope: { to: s.email }, messageId: messageIdFor(SECRET, issue.id, 0, s.id, 'list.example.org') })),
    'latin1',
  );
const person = (n: number) => people[n] as Subscriber;
const history = async (s: Subscriber) => (await store.history(s.id)).map((e) => e.kind);

describe('complaints (feedback-loop reports)', () => {
  it('unsubscribe the subscriber the reported message names by its List-Unsubscribe token, with a complaint in their history, for good', async () => {
    const ann = person(0);
    await send(FBL, 'fbl@isp.example.net', arf({ original: await sent(ann) }));
    expect(receiver.outcomes.at(-1)).toBe('complaint');
    expect((await store.get(ann.id))?.status).toBe('unsubscribed');
    expect((await history(ann)).slice(-2)).toEqual(['complaint', 'unsubscribed']);
    expect(await subscriptions.suppressions.reason(ann.email)).toBe('complaint');
    const report = await importCsv(store, 'email\nANN@example.net\n', {
      confirmed: true,
      source: 'import',
      suppressions: subscriptions.suppressions,
    });
    expect(report.problems.map((p) => p.line)).toEqual([2]);
    expect((await store.get(ann.id))?.status).toBe('unsubscribed');
    // Only her own fresh confirmation brings her back.
    expect(await requestSubscription(subscriptions, { email: ann.email, topics: [], cadence: 'daily', source: 'web' })).toBe(
      'confirmation sent',
    );
    expect(await confirm(subscriptions, (await store.get(ann.id)) as Subscriber, new Date(), 'confirmed by link')).toBe('confirmed');
    expect((await store.get(ann.id))?.status).toBe('confirmed');
    expect(await subscriptions.suppressions.reason(ann.email)).toBeUndefined();
  });

  it('find the subscriber by the Message-ID the ledger recorded, from the header alone, base64-encoded', async () => {
    const bob = person(1);
    const header = (await sent(bob))
      .replace(/^List-Unsubscribe:.*\r\n(?:[ \t].*\r\n)*/m, '')
      .replace(/^Message-ID: <(.*)>/m, (_, id: string) => `Message-Id: <${id.toUpperCase()}>`);
    await send(FBL, 'fbl@isp.example.net', arf({ original: header, attach: 'headers', base64: true }));
    expect(receiver.outcomes.at(-1)).toBe('complaint');
    expect((await store.get(bob.id))?.status).toBe('unsubscribed');
    expect((await store.history(bob.id)).find((e) => e.kind === 'complaint')?.detail).toMatch(/Message-ID/);
  });

  it('find the subscriber by the return path the message was sent with', async () => {
    const cy = person(2);
    const returnPath = `papers+bounce-${signToken(SECRET, 'bounce', cy)}@list.example.org`;
    await send(
      FBL,
      'fbl@isp.example.net',
      arf({ original: plainMessage({ From: LIST_FROM, To: 'redacted@example.net', Subject: 'hi' }), originalMailFrom: returnPath }),
    );
    expect(receiver.outcomes.at(-1)).toBe('complaint');
    expect((await store.get(cy.id))?.status).toBe('unsubscribed');
  });

  it("count a report sent to a subscriber's own return path against that subscriber", async () => {
    const dee = person(3);
    await send(
      `papers+bounce-${signToken(SECRET, 'bounce', dee)}@list.example.org`,
      '',
      arf({ original: plainMessage({ From: LIST_FROM, Subject: 'hi' }) }),
    );
    expect(receiver.outcomes.at(-1)).toBe('complaint');
    expect((await store.get(dee.id))?.status).toBe('unsubscribed');
  });

  it('change nothing when the report names no message of ours, only an address, or is no complaint', async () => {
    const eve = person(4);
    const before = (await store.history(eve.id)).length;
    const original = await sent(eve);
    const messageId = messageIdFor(SECRET, issue.id, 0, eve.id, 'list.example.org');
    const reports = [
      // An address in From or To proves nothing.
      arf({ original: plainMessage({ From: `Eve <${eve.email}>`, To: eve.email, Subject: 'spam?' }) }),
      // A Message-ID of ours for a round that never went to her, and a token that does not verify.
      arf({
        original: plainMessage({ From: LIST_FROM, To: eve.email, 'Message-ID': `<${messageId.replace('.0.', '.7.')}>` }),
        attach: 'headers',
      }),
      arf({
        original: original
          .replace(/token=[a-z0-9-]+/, 'token=u1-0-0123456789abcdef01234567')
          .replace(/unsubscribe-[a-z0-9-]+@/, 'unsubscribe-x@')
          .replace(/^Message-ID:.*$/m, 'Message-ID: <other@example.net>'),
      }),
      // Feedback that is not a complaint: "not spam", and DMARC failure reports.
      arf({ original, feedbackType: 'not-spam' }),
      arf({ original, feedbackType: 'auth-failure' }),
      // A bounce, a plain note.
      dsn('5.1.1', 'failed', eve.email),
      plainMessage({ From: 'someone@example.net', Subject: 'hello' }),
    ];
    for (const report of reports) await send(FBL, 'fbl@isp.example.net', report);
    expect(receiver.outcomes.slice(-reports.length)).toEqual([
      'ignored: report names no message of ours',
      'ignored: report names no message of ours',
      'ignored: report names no message of ours',
      'ignored: feedback that is not a complaint',
      'ignored: feedback that is not a complaint',
      'ignored: automatic reply',
      'ignored: not a feedback report',
    ]);
    expect((await store.get(eve.id))?.status).toBe('confirmed');
    expect(await store.history(eve.id)).toHaveLength(before);
    expect(await subscriptions.suppressions.reason(eve.email)).toBeUndefined();
  });

  it("count a Message-ID only with the list's own signature in it, even when the ledger shows that message sent", async () => {
    const hal = person(7);
    const genuine = messageIdFor(SECRET, issue.id, 0, hal.id, 'list.example.org');
    // A delivery the ledger recorded under an unsigned Message-ID, as anyone could write it.
    const unsigned = `paperboy.2031-01-01.0.${hal.id}@list.example.org`;
    await ledger.rounds.open('2031-01-01', 0, 'daily');
    await ledger.rounds.record('2031-01-01', 0, hal.id, 'sent', { messageId: unsigned, attempts: 1, reply: '250 ok' });
    const byMessageId = (id: string) =>
      arf({ original: plainMessage({ From: LIST_FROM, To: 'redacted@example.net', 'Message-ID': `<${id}>` }), attach: 'headers' });
    const forged = [
      unsigned,
      genuine.replace(/[0-9a-f](?=@)/, (c) => (c === '0' ? '1' : '0')),
      messageIdFor('another-secret-entirely', issue.id, 0, hal.id, 'list.example.org'),
      genuine.replace(/\.[0-9a-f]{16}@/, '@'),
    ];
    for (const id of forged) await send(FBL, 'fbl@isp.example.net', byMessageId(id));
    expect(receiver.outcomes.slice(-forged.length)).toEqual(forged.map(() => 'ignored: report names no message of ours'));
    expect((await store.get(hal.id))?.status).toBe('confirmed');
    expect(await subscriptions.suppressions.reason(hal.email)).toBeUndefined();

    expect(genuine).toMatch(new RegExp(`^paperboy\\.${issue.id}\\.0\\.${hal.id}\\.[0-9a-f]{16}@list\\.example\\.org$`));
    await send(FBL, 'fbl@isp.example.net', byMessageId(genuine));
    expect(receiver.outcomes.at(-1)).toBe('complaint');
    expect((await store.get(hal.id))?.status).toBe('unsubscribed');
  });

  it("are taken at the list's own address too, where a provider may have been told to send them", async () => {
    const gus = person(6);
    await send('papers@list.example.org', 'fbl@isp.example.net', arf({ original: await sent(gus) }));
    expect(receiver.outcomes.at(-1)).toBe('complaint');
    expect((await store.get(gus.id))?.status).toBe('unsubscribed');
  });

  it('record a complaint once, however often it is reported', async () => {
    const fay = person(5);
    const report = arf({ original: await sent(fay) });
    await send(FBL, 'fbl@isp.example.net', report);
    await send(FBL, 'fbl@isp.example.net', report);
    expect(receiver.outcomes.slice(-2)).toEqual(['complaint', 'ignored: complaint already recorded']);
    expect((await history(fay)).filter((kind) => kind === 'complaint')).toHaveLength(1);
  });

  it('reach whoever a confirmation went to: a complaint about it keeps the address off the list, a bounce marks it', async () => {
    // Notices leave with their recipient's own return path, as issues do.
    const notices: Outgoing[] = [];
    const list = await startInbound({ send: async (notice) => void notices.push(await composeNotice(senderOf(LIST_FROM), notice)) });
    try {
      const request = (email: string) => requestSubscription(list.subscriptions, { email, topics: [], cadence: 'daily', source: 'web' });
      expect(await request('never-asked@example.net')).toBe('confirmation sent');
      expect(await request('no-such-box@example.net')).toBe('confirmation sent');
      const [unwanted, undeliverable] = notices as [Outgoing, Outgoing];
      const victim = (await list.store.find('never-asked@example.net')) as Subscriber;
      const typo = (await list.store.find('no-such-box@example.net')) as Subscriber;
      expect(unwanted.envelope.from).toBe(`papers+bounce-${signToken(SECRET, 'bounce', victim)}@list.example.org`);
      expect(undeliverable.envelope.from).toBe(`papers+bounce-${signToken(SECRET, 'bounce', typo)}@list.example.org`);

      // The report quotes the confirmation; only its envelope sender names the person.
      await list.send(
        FBL,
        'fbl@isp.example.net',
        arf({ original: rawMessage(unwanted).toString('latin1'), originalMailFrom: unwanted.envelope.from }),
      );
      expect(list.receiver.outcomes.at(-1)).toBe('complaint');
      expect((await list.store.get(victim.id))?.status).toBe('unsubscribed');
      expect(await list.subscriptions.suppressions.reason(victim.email)).toBe('complaint');
      const report = await importCsv(list.store, `email\n${victim.email}\n`, {
        confirmed: true,
        source: 'import',
        suppressions: list.subscriptions.suppressions,
      });
      expect(report.problems.map((p) => p.line)).toEqual([2]);

      await list.send(undeliverable.envelope.from, '', dsn('5.1.1', 'failed', typo.email));
      expect(list.receiver.outcomes.at(-1)).toBe('hard bounce');
      expect((await list.store.get(typo.id))?.status).toBe('bounced');
    } finally {
      await list.receiver.close();
    }
  });
});
