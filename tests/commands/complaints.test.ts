import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import { paperboy } from '../helpers/cli.ts';
import { arf } from '../helpers/inbound.ts';
import { readers, testProject } from '../helpers/project.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const sink = await new SmtpSink().start();
const project = await testProject(readers(4), { PAPERBOY_SMTP_URL: sink.url }, { built: true });
const { env } = project;

// `paperboy inbound` in this process, on a free port, until the test ends.
const stop = new AbortController();
let printed = '';
const inbound = main(['inbound', '--port', '0'], {
  env,
  cwd: project.base,
  signal: stop.signal,
  output: { out: (text) => (printed += text), err: (text) => (printed += text) },
});
const port = await new Promise<number>((resolve, reject) => {
  const started = Date.now();
  const poll = setInterval(() => {
    const m = /listening on [\d.]+:(\d+)/.exec(printed);
    if (m) resolve(Number(m[1]));
    if (m || Date.now() - started > 20_000) clearInterval(poll);
    if (!m && Date.now() - started > 20_000) reject(new Error(`inbound did not start: ${printed}`));
  }, 20);
});
afterAll(async () => {
  stop.abort();
  await inbound;
  await sink.stop();
});

const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
const report = (raw: string) => client.sendMail({ envelope: { from: 'fbl@isp.example.net', to: ['papers+fbl@example.org'] }, raw });
const statusOf = (email: string) => project.withStore(async (store) => (await store.find(email))?.status);

// The receiver acts after it answered: wait until the list shows what it did.
async function until(check: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await check()); ) {
    if (Date.now() - started > 10_000) throw new Error('the receiver did not act in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a spam complaint, from dispatch to the next dispatch', () => {
  it(
    'unsubscribes the subscriber it names for good: not mailed again, not brought back by an import; ' +
      'a report about no message of ours changes nothing',
    async () => {
      expect((await paperboy(['dispatch'], { env })).stdout).toMatch(/^2031-02-03: 4 sent/);
      const original = sink.messages.find((m) => m.to[0] === 'reader2@example.org')?.raw.toString('latin1') ?? '';
      expect(original).toContain('Feedback-ID: 2031-02-03:papers.example.org:example.org');

      // Nothing of ours: reader1's message with a Message-ID and an unsubscribe token never issued.
      // Reports are handled in order, so reader1 still confirmed below shows it changed nothing.
      const theirs = sink.messages.find((m) => m.to[0] === 'reader1@example.org')?.raw.toString('latin1') ?? '';
      const stranger = theirs
        .replace(/token=[a-z0-9-]+/g, 'token=u9-0-abcdefabcdefabcdefabcdef')
        .replace(/unsubscribe-[a-z0-9-]+@/, 'unsubscribe-u9-0-0@')
        .replace(/paperboy\.2031-02-03\.0\.1\.[0-9a-f]+@/, 'paperboy.2031-02-03.0.99.0123456789abcdef@');
      expect(stranger).toContain('paperboy.2031-02-03.0.99.0123456789abcdef@');
      await report(arf({ original: stranger }));
      await report(arf({ original }));
      await until(async () => (await statusOf('reader2@example.org')) === 'unsubscribed');
      expect(await Promise.all(['reader1@example.org', 'reader3@example.org', 'reader4@example.org'].map(statusOf))).toEqual([
        'confirmed',
        'confirmed',
        'confirmed',
      ]);
      const history = await project.withStore(async (store) =>
        (await store.history((await store.find('reader2@example.org'))?.id ?? 0)).map((e) => e.kind),
      );
      expect(history).toContain('complaint');

      const status = await paperboy(['status'], { env });
      expect(status.stdout).toMatch(
        /spam complaints: 25% \(1 complaint for the 4 messages of the last 1 dispatch; ABOVE the 0\.1% limit\)/,
      );
      expect(status.stdout).toMatch(
        /needs attention:\n(?:.*\n)* {2}- the spam-complaint rate is 25% \(1 complaint for the 4 messages of the last 1 dispatch\), above the 0\.1%/,
      );

      const csv = join(project.base, 'back.csv');
      await writeFile(csv, 'email\nREADER2@example.org\nnew@example.org\n');
      const imported = await paperboy(['subscribers', 'import', csv, '--confirmed'], { env });
      expect(imported.status).toBe(1);
      expect(imported.stderr).toMatch(/back\.csv:2: READER2@example\.org: this address asked not to be mailed/);
      expect(await statusOf('reader2@example.org')).toBe('unsubscribed');

      const next = (await readFile(join(project.base, 'digests', '2031-02-03.md'), 'utf8')).replace(
        'Papers for 2031-02-03',
        'Papers for 2031-02-04',
      );
      await writeFile(join(project.base, 'digests', '2031-02-04.md'), next);
      sink.messages.length = 0;
      expect((await paperboy(['dispatch'], { env })).stdout).toMatch(/^2031-02-04: 4 sent/);
      expect(sink.messages.map((m) => m.to[0]).sort()).toEqual([
        'new@example.org',
        'reader1@example.org',
        'reader3@example.org',
        'reader4@example.org',
      ]);
    },
  );
});
