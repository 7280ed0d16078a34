import { createServer, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { builtSite, readers, testProject } from '../helpers/project.ts';
import { SmtpSink, type SinkBehaviour } from '../helpers/smtp-sink.ts';

// The first build in a process loads every renderer: done once here, not in the first test. Each
// test runs several dispatches against a sink to show what they leave behind, not how fast they
// are, so each gets room for a loaded machine.
beforeAll(async () => {
  await builtSite();
});
const MANY_DISPATCHES = { timeout: 60_000 };

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});
async function sink(behaviour: SinkBehaviour = {}): Promise<SmtpSink> {
  const s = await new SmtpSink(behaviour).start();
  sinks.push(s);
  return s;
}

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
      project.withStore((store) => {
        expect(store.counts()).toMatchObject({ confirmed: 25, bounced: 0 });
        expect([...store.list()].every((s) => s.hardBounces === 0)).toBe(true);
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
    project.withStore((store) => {
      expect(store.find('reader3@example.org')?.hardBounces).toBe(1);
      expect(store.find('reader4@example.org')?.hardBounces).toBe(0);
    });
  });

  it('a relay that refuses the login stops at once and counts against nobody', async () => {
    const smtp = await sink({ auth: { user: 'list', pass: 'right' } });
    const project = await testProject(readers(5), { PAPERBOY_SMTP_URL: `smtp://list:wrong@127.0.0.1:${smtp.port}` }, { built: true });
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    expect(dispatch.status).toBe(1);
    expect(dispatch.stderr).toMatch(/the relay refused the login/);
    project.withStore((store) => expect([...store.list()].every((s) => s.hardBounces === 0 && s.status === 'confirmed')).toBe(true));
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
      project.withStore((store) => {
        expect(store.counts()).toMatchObject({ confirmed: 30, bounced: 0 });
        expect([...store.list()].filter((s) => s.hardBounces > 0)).toEqual([]);
      });
    });
  }

  it('"unknown user" to everyone after a good start bounces nobody: most of the list refused by address is the relay\'s doing', async () => {
    const smtp = await sink({ rcpt: (to) => (readerNumber(to) > 5 ? { code: 550, message: '5.1.1 <someone>: User unknown' } : undefined) });
    const project = await testProject(readers(40), { PAPERBOY_SMTP_URL: smtp.url, PAPERBOY_SMTP_CONNECTIONS: '1' }, { built: true });
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    expect(dispatch.stdout).toMatch(/^2031-02-03: 5 sent, 0 skipped, 0 failed, 35 still queued/);
    expect(dispatch.stderr).toMatch(/no subscriber's bounce was counted/);
    project.withStore((store) => expect([...store.list()].filter((s) => s.hardBounces > 0)).toEqual([]));
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
    project.withStore((store) => {
      for (const n of unknown) expect(store.find(`reader${n}@example.org`)).toMatchObject({ status: 'bounced', hardBounces: 3 });
      expect(store.counts()).toMatchObject({ confirmed: 27, bounced: 3 });
    });
  });
});

describe('a relay that refuses part of the list with one policy reply', MANY_DISPATCHES, () => {
  for (const [what, refuses, share] of [
    ['60 % of recipients', (n: number) => n % 5 < 3, 60],
    ['every other one', (n: number) => n % 2 === 0, 50],
  ] as const) {
    it(`(${what}) bounces nobody in three runs; the round and \`status\` say which share was refused, and why`, async () => {
      const smtp = await sink({
        rcpt: (to) => (refuses(readerNumber(to)) ? { code: 550, message: '5.7.1 Message rejected by policy' } : undefined),
      });
      const project = await testProject(readers(40), { PAPERBOY_SMTP_URL: smtp.url }, { built: true });
      for (let run = 0; run < 3; run++) {
        const dispatch = await paperboy(['dispatch'], { env: project.env });
        expect(dispatch.status).toBe(1);
        expect(dispatch.stdout).toMatch(/ 0 failed, \d+ still queued \(\d+ refused by the relay\)/);
        expect(dispatch.stderr).toContain('550 5.7.1 Message rejected by policy');
        expect(dispatch.stderr).toMatch(/no subscriber's bounce was counted/);
      }
      project.withStore((store) => {
        expect(store.counts()).toMatchObject({ confirmed: 40, bounced: 0 });
        expect([...store.list()].filter((s) => s.hardBounces > 0)).toEqual([]);
      });
      // Those the relay takes got the issue once each; those it refuses are still queued.
      const taken = readers(40).filter((r) => !refuses(readerNumber(r)));
      expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(taken.sort());

      const refused = 40 - taken.length;
      const status = await paperboy(['status'], { env: project.env });
      expect(status.stdout).toContain(
        `refused by the relay: ${refused} of the 40 deliveries it was offered (${share} %), left queued and counted against nobody`,
      );
      expect(status.stdout).toMatch(new RegExp(`${refused} with 5\\.7\\.1, latest "550 5\\.7\\.1 Message rejected by policy"`));
      const json = JSON.parse((await paperboy(['status', '--json'], { env: project.env })).stdout) as { relayRefusals: unknown };
      expect(json.relayRefusals).toEqual({
        refused,
        of: 40,
        share: share / 100,
        reasons: [{ code: '5.7.1', count: refused, reply: '550 5.7.1 Message rejected by policy' }],
      });
    });
  }
});

describe('a relay that goes silent', MANY_DISPATCHES, () => {
  it('after DATA: the dispatch stops within the timeout, calls those messages in doubt, and never sends them again', async () => {
    let silent = true;
    const smtp = await sink({ data: () => (silent ? 'silent' : undefined) });
    const project = await testProject(
      readers(6),
      {
        PAPERBOY_SMTP_URL: smtp.url,
        PAPERBOY_SMTP_TIMEOUT: '1s',
        PAPERBOY_SMTP_CONNECTIONS: '2',
      },
      { built: true },
    );
    const started = Date.now();
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    // Without the timeout it would wait for ever; with it, a few seconds (more on a loaded machine).
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(dispatch.status).toBe(1);
    const doubt = Number(/(\d+) in doubt/.exec(dispatch.stdout)?.[1] ?? 0);
    expect(doubt).toBeGreaterThan(0);
    expect(dispatch.stderr).toMatch(/the relay stopped answering/);
    expect(dispatch.stderr).not.toMatch(/nothing sent is sent twice/);
    const taken = smtp.messages.length;
    silent = false;
    const again = await paperboy(['dispatch'], { env: project.env });
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^2031-02-03: ${6 - doubt} sent`));
    // Every reader has the issue once; those in doubt were not sent a second time.
    expect(smtp.messages.length).toBe(taken + 6 - doubt);
    expect(new Set(smtp.messages.map((m) => m.to[0])).size).toBe(6);
    const status = await paperboy(['status'], { env: project.env });
    expect(status.stdout).toMatch(new RegExp(`${doubt} in doubt`));
  });

  it('before the greeting: each wait has a timeout, and the dispatch stops with everything queued', async () => {
    const held: Socket[] = [];
    const mute = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as import('node:net').AddressInfo).port;
    const project = await testProject(
      readers(3),
      {
        PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${port}`,
        PAPERBOY_SMTP_TIMEOUT: '1s',
        PAPERBOY_SMTP_ATTEMPTS: '2',
      },
      { built: true },
    );
    const started = Date.now();
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    held.forEach((s) => s.destroy());
    mute.close();
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(dispatch.status).toBe(1);
    expect(dispatch.stdout).toMatch(/0 sent, 0 skipped, 0 failed, 3 still queued/);
  });
});

describe('a list with many full mailboxes', MANY_DISPATCHES, () => {
  it('does not trip the breaker: every other reader gets the issue once, run after run, and the full ones bounce nothing', async () => {
    // Readers 1, 3, 5… have full mailboxes, one relay saying so at RCPT with a 4xx, another with a 5xx.
    const full = (n: number) => n % 2 === 1;
    const smtp = await sink({
      rcpt: (to) => {
        const n = readerNumber(to);
        if (!full(n)) return undefined;
        return n % 4 === 1 ? { code: 452, message: '4.2.2 Mailbox full' } : { code: 552, message: '5.2.2 mailbox full' };
      },
    });
    const project = await testProject(readers(30), { PAPERBOY_SMTP_URL: smtp.url }, { built: true });
    for (let run = 0; run < 3; run++) {
      const dispatch = await paperboy(['dispatch'], { env: project.env });
      expect(dispatch.stdout).toMatch(new RegExp(`^2031-02-03: ${run === 0 ? 15 : 0} sent, 0 skipped, 0 failed, 15 still queued`));
      expect(dispatch.stderr).not.toMatch(/the relay failed/);
      expect(dispatch.stderr).toMatch(/15 deliveries could not be made now/);
    }
    const delivered = readers(30).filter((r) => !full(readerNumber(r)));
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(delivered.sort());
    expect([...smtp.countsById().values()].every((n) => n === 1)).toBe(true);
    // A full mailbox at the time of sending is a temporary state of the reader's: no bounce of any kind.
    project.withStore((store) => {
      expect(store.counts()).toMatchObject({ confirmed: 30, bounced: 0 });
      expect([...store.list()].filter((s) => s.hardBounces > 0 || s.softBounces > 0)).toEqual([]);
    });
  });
});
