import { beforeAll, describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { builtSite, readers, testProject } from '../helpers/project.ts';
import { everyone } from '../helpers/dispatch.ts';
import { sinksPerTest } from '../helpers/smtp-sink.ts';

// The first build in a process loads every renderer: done once here, not in the first test. Each
// test runs several dispatches against a sink to show what they leave behind, not how fast they
// are, so each gets room for a loaded machine.
beforeAll(async () => {
  await builtSite();
});
const MANY_DISPATCHES = { timeout: 60_000 };

const sink = sinksPerTest();

describe('a relay that refuses every recipient', MANY_DISPATCHES, () => {
  for (const [what, reply] of [
    ['relaying denied', { code: 550, message: '5.7.1 Relaying denied' }],
    ['an unverified sender', { code: 553, message: '5.7.1 Sender address rejected: not owned by user' }],
    [
      'the same "unknown user" for everyone',
      { code: 550, message: '5.1.1 Recipient address rejected: User unknown in virtual mailbox table' },
    ],
  ] as const) {
    it(`(${what}) stops the dispatch, says so, exits 1, and bounces nobody, however often it is run`, async () => {
      const smtp = await sink({ rcpt: () => reply });
      const project = await testProject(readers(25), { PAPERBOY_SMTP_URL: smtp.url }, { built: true });
      for (let run = 0; run < 3; run++) {
        const dispatch = await paperboy(['dispatch'], { env: project.env });
        expect(dispatch.status).toBe(1);
        expect(dispatch.stdout).toMatch(/0 sent, 0 skipped, 0 failed, 25 still queued/);
        expect(dispatch.stderr).toContain(reply.message.split(':')[0]);
      }
      await project.withStore(async (store) => {
        expect(await store.counts()).toMatchObject({ confirmed: 25, bounced: 0 });
        expect((await everyone(store)).every((s) => s.hardBounces === 0)).toBe(true);
      });
      const status = await paperboy(['status'], { env: project.env });
      expect(status.stdout).toMatch(/last dispatch: 2031-02-03: stopped, 0 sent/);
      expect(status.stdout).toMatch(/needs attention:\n {2}- the dispatch of 2031-02-03 .*relay/);
    });
  }

  it("still counts a refusal that is one recipient's own", async () => {
    const smtp = await sink({
      rcpt: (to) =>
        to === 'reader3@example.org' || to === 'reader7@example.org'
          ? { code: 550, message: `5.1.1 <${to}>: Recipient address rejected: User unknown` }
          : undefined,
    });
    const project = await testProject(readers(12), { PAPERBOY_SMTP_URL: smtp.url }, { built: true });
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    expect(dispatch.status).toBe(0);
    expect(dispatch.stdout).toMatch(/10 sent, 0 skipped, 2 failed/);
    await project.withStore(async (store) => {
      expect((await store.find('reader3@example.org'))?.hardBounces).toBe(1);
      expect((await store.find('reader4@example.org'))?.hardBounces).toBe(0);
    });
  });

  it('a relay that refuses the login stops at once and counts against nobody', async () => {
    const smtp = await sink({ auth: { user: 'list', pass: 'right' } });
    const project = await testProject(readers(5), { PAPERBOY_SMTP_URL: `smtp://list:wrong@127.0.0.1:${smtp.port}` }, { built: true });
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    expect(dispatch.status).toBe(1);
    expect(dispatch.stderr).toMatch(/the relay refused the login/);
    await project.withStore(async (store) =>
      expect((await everyone(store)).every((s) => s.hardBounces === 0 && s.status === 'confirmed')).toBe(true),
    );
  });
});

// A reply whose words change with every message, as relays write them: a reference, an id, a time.
let serial = 48_213;
const varying = (text: string) => () => `${text.replace('N', String(serial++)).replace('ID', Math.random().toString(36).slice(2, 17))}`;
const readerNumber = (address: string) => Number(/^reader(\d+)@/.exec(address)?.[1] ?? 0);

describe('a relay that refuses everyone, its words changing with every message', MANY_DISPATCHES, () => {
  for (const [what, stage, code, shown, text] of [
    [
      'a rate limit, at RCPT',
      'rcpt',
      550,
      '5.7.1 Rate limit exceeded, try later [ref ',
      varying('5.7.1 Rate limit exceeded, try later [ref N]'),
    ],
    [
      'spam, after DATA',
      'data',
      554,
      '5.7.1 Message content rejected as spam; id=',
      varying('5.7.1 Message content rejected as spam; id=ID'),
    ],
    [
      'a sending quota, after DATA',
      'data',
      550,
      '5.7.1 Daily sending quota exceeded. ',
      varying('5.7.1 Daily sending quota exceeded. ID.N - gsmtp'),
    ],
    [
      '"unknown user" to everyone, at RCPT',
      'rcpt',
      550,
      '5.1.1 <someone>: Recipient address rejected [ref ',
      varying('5.1.1 <someone>: Recipient address rejected [ref N]'),
    ],
    ['a refusal with no status code, at RCPT', 'rcpt', 550, 'Rejected, queue id ', varying('Rejected, queue id ID')],
  ] as const) {
    it(`(${what}) stops, exits 1, prints the reply, leaves the rest queued and bounces nobody, run after run`, async () => {
      const refusal = () => ({ code, message: text() });
      const smtp = await sink(stage === 'rcpt' ? { rcpt: refusal } : { data: refusal });
      const project = await testProject(readers(30), { PAPERBOY_SMTP_URL: smtp.url }, { built: true });
      for (let run = 0; run < 3; run++) {
        const dispatch = await paperboy(['dispatch'], { env: project.env });
        expect(dispatch.status).toBe(1);
        expect(dispatch.stdout).toMatch(/^2031-02-03: 0 sent, 0 skipped, 0 failed, 30 still queued/);
        // An address refused is one recipient's outcome, which never trips the breaker: the run goes
        // through the list, and everyone refused by address is the relay's doing, not theirs.
        const why = shown.startsWith('5.1.1') ? /the relay refused 30 of 30 deliveries/ : /the relay failed 1\d of the last \d+ attempts/;
        expect(dispatch.stderr).toMatch(new RegExp(`stopped: ${why.source} \\(last reply: 55\\d `));
        expect(dispatch.stderr).toContain(`${code} ${shown}`);
      }
      expect(smtp.messages).toHaveLength(0);
      await project.withStore(async (store) => {
        expect(await store.counts()).toMatchObject({ confirmed: 30, bounced: 0 });
        expect((await everyone(store)).filter((s) => s.hardBounces > 0)).toEqual([]);
      });
    });
  }

  it('"unknown user" to everyone after a good start bounces nobody: most of the list refused by address is the relay\'s doing', async () => {
    const smtp = await sink({ rcpt: (to) => (readerNumber(to) > 5 ? { code: 550, message: '5.1.1 <someone>: User unknown' } : undefined) });
    const project = await testProject(readers(40), { PAPERBOY_SMTP_URL: smtp.url, PAPERBOY_SMTP_CONNECTIONS: '1' }, { built: true });
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    expect(dispatch.stdout).toMatch(/^2031-02-03: 5 sent, 0 skipped, 0 failed, 35 still queued/);
    expect(dispatch.stderr).toMatch(/no subscriber's bounce was counted/);
    await project.withStore(async (store) => expect((await everyone(store)).filter((s) => s.hardBounces > 0)).toEqual([]));
  });

  it('genuine unknown users among them still bounce, their replies as varied as they come', async () => {
    const unknown = new Set([5, 17, 29]);
    const reply = varying('5.1.1 The email account that you tried to reach does not exist. ID.N - gsmtp');
    const smtp = await sink({ rcpt: (to) => (unknown.has(readerNumber(to)) ? { code: 550, message: reply() } : undefined) });
    const project = await testProject(readers(30), { PAPERBOY_SMTP_URL: smtp.url }, { built: true });
    for (const argv of [['dispatch'], ['dispatch', '--force'], ['dispatch', '--force']]) {
      const dispatch = await paperboy(argv, { env: project.env });
      expect(dispatch.status).toBe(0);
    }
    await project.withStore(async (store) => {
      for (const n of unknown) expect(await store.find(`reader${n}@example.org`)).toMatchObject({ status: 'bounced', hardBounces: 3 });
      expect(await store.counts()).toMatchObject({ confirmed: 27, bounced: 3 });
    });
  });
});
