import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { readers, testProject } from '../helpers/project.ts';
import { SmtpSink, type SinkBehaviour } from '../helpers/smtp-sink.ts';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});
async function sink(behaviour: SinkBehaviour = {}): Promise<SmtpSink> {
  const s = await new SmtpSink(behaviour).start();
  sinks.push(s);
  return s;
}

describe('a relay that refuses every recipient', () => {
  for (const [what, reply] of [
    ['relaying denied', { code: 550, message: '5.7.1 Relaying denied' }],
    ['an unverified sender', { code: 553, message: '5.7.1 Sender address rejected: not owned by user' }],
    ['the same "unknown user" for everyone', { code: 550, message: '5.1.1 Recipient address rejected: User unknown in virtual mailbox table' }],
  ] as const) {
    it(`(${what}) stops the dispatch, says so, exits 1, and bounces nobody, however often it is run`, async () => {
      const smtp = await sink({ rcpt: () => reply });
      const project = await testProject(readers(25), { PAPERBOY_SMTP_URL: smtp.url });
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

  it('still counts a refusal that is one recipient\'s own', async () => {
    const smtp = await sink({ rcpt: (to) => (to === 'reader3@example.org' || to === 'reader7@example.org' ? { code: 550, message: `5.1.1 <${to}>: Recipient address rejected: User unknown` } : undefined) });
    const project = await testProject(readers(12), { PAPERBOY_SMTP_URL: smtp.url });
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
    const project = await testProject(readers(5), { PAPERBOY_SMTP_URL: `smtp://list:wrong@127.0.0.1:${smtp.port}` });
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    expect(dispatch.status).toBe(1);
    expect(dispatch.stderr).toMatch(/the relay refused the login/);
    project.withStore((store) => expect([...store.list()].every((s) => s.hardBounces === 0 && s.status === 'confirmed')).toBe(true));
  });
});

describe('a relay that goes silent', () => {
  it('after DATA: the dispatch stops within the timeout, calls those messages in doubt, and never sends them again', async () => {
    let silent = true;
    const smtp = await sink({ data: () => (silent ? 'silent' : undefined) });
    const project = await testProject(readers(6), { PAPERBOY_SMTP_URL: smtp.url, PAPERBOY_SMTP_TIMEOUT: '1s', PAPERBOY_SMTP_CONNECTIONS: '2' });
    const started = Date.now();
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    expect(Date.now() - started).toBeLessThan(8000);
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
    const project = await testProject(readers(3), { PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${port}`, PAPERBOY_SMTP_TIMEOUT: '1s', PAPERBOY_SMTP_ATTEMPTS: '2' });
    const started = Date.now();
    const dispatch = await paperboy(['dispatch'], { env: project.env });
    held.forEach((s) => s.destroy());
    mute.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(dispatch.status).toBe(1);
    expect(dispatch.stdout).toMatch(/0 sent, 0 skipped, 0 failed, 3 still queued/);
  });
});
