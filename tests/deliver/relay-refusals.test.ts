import { createServer, type Socket } from 'node:net';
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

const readerNumber = (address: string) => Number(/^reader(\d+)@/.exec(address)?.[1] ?? 0);

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
      await project.withStore(async (store) => {
        expect(await store.counts()).toMatchObject({ confirmed: 40, bounced: 0 });
        expect((await everyone(store)).filter((s) => s.hardBounces > 0)).toEqual([]);
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
    await project.withStore(async (store) => {
      expect(await store.counts()).toMatchObject({ confirmed: 30, bounced: 0 });
      expect((await everyone(store)).filter((s) => s.hardBounces > 0 || s.softBounces > 0)).toEqual([]);
    });
  });
});
