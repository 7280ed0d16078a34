import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { publishWeek } from '../../src/publish/index.ts';
import { requestSubscription } from '../../src/subscribers/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { dkimVerdicts, dkimVerdictsOfEach, fromEachVerifier, recordFromZoneLine, testKeys, type TxtRecords } from '../helpers/dkim.ts';
import { readers, testProject } from '../helpers/project.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const sinks: SmtpSink[] = [];
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.stop()));
});
async function sink(): Promise<SmtpSink> {
  const s = await new SmtpSink().start();
  sinks.push(s);
  return s;
}

// Both verifiers' verdicts on every signature of a message, as `selector: result`.
async function verdicts(raw: Buffer, records: TxtRecords): Promise<string[]> {
  const seen = (await dkimVerdicts(raw, records)).flat();
  return seen.map((v) => `${v.selector}@${v.domain}: ${v.result}`);
}

describe('every message paperboy sends is signed with each key, and verifies', () => {
  it('issues, test copies, confirmations and weekly emails, over SMTP, RSA and Ed25519 together; the relay hears PAPERBOY_SMTP_NAME in EHLO', async () => {
    const keys = await testKeys(['rsa', 'ed25519']);
    const smtp = await sink();
    const project = await testProject(
      [...readers(2), { email: 'weekly@example.org', status: 'confirmed', cadence: 'weekly', source: 'test' }],
      { PAPERBOY_SMTP_URL: smtp.url, PAPERBOY_SMTP_NAME: 'mail.example.org', ...keys.env },
      { built: true },
    );
    const { env } = project;
    expect((await paperboy(['dispatch'], { env })).stdout).toMatch(/^2031-02-03: 2 sent/);
    const test = await paperboy(['dispatch', '--to', 'me@example.net'], { env });
    expect(test.stdout).toMatch(/its links belong to no subscriber/);
    // A confirmation and the weekly email, through the same composition root as `start` and `serve`.
    const app = openApp(loadConfig(env, project.base), { now: () => new Date('2031-02-05T08:00:00Z') });
    try {
      expect(await requestSubscription(app.subscriptions, { email: 'new@example.net', topics: [], cadence: 'daily', source: 'web' })).toBe(
        'confirmation sent',
      );
      expect(await publishWeek(app.jobs(new AbortController().signal))).toMatch(/^week-2031-02-05: 1 sent/);
    } finally {
      await app.close();
    }
    const subjects = await Promise.all(smtp.messages.map(async (m) => (await simpleParser(m.raw)).subject ?? ''));
    expect(subjects.map((s) => s.replace(/ ·.*/, ''))).toEqual([
      'Feb 3, 2031',
      'Feb 3, 2031',
      '[Test] Feb 3, 2031',
      'Confirm your subscription to Daily Papers',
      'Week of Jan 30 – Feb 5, 2031',
    ]);
    const pass = keys.selectors.map((s) => `${s}@example.org: pass`);
    const seen = await dkimVerdictsOfEach(
      smtp.messages.map((m) => m.raw),
      keys.records,
    );
    for (const lists of seen)
      expect(lists.flat().map((v) => `${v.selector}@${v.domain}: ${v.result}`)).toEqual(fromEachVerifier(pass).flat());
    expect(new Set(smtp.greetings)).toEqual(new Set(['mail.example.org']));
  });

  it('greets the relay with the From domain when PAPERBOY_SMTP_NAME is not set, never with an address literal', async () => {
    const smtp = await sink();
    const project = await testProject(
      readers(1),
      { PAPERBOY_SMTP_URL: smtp.url, PAPERBOY_FROM: 'Daily Papers <papers@News.Example.org>' },
      { built: true },
    );
    expect((await paperboy(['dispatch'], { env: project.env })).status).toBe(0);
    expect(smtp.greetings.map((name) => name.toLowerCase())).toEqual(['news.example.org']);
  });

  it('signs with the key `dkim keygen` wrote, which verifies against the record it printed', async () => {
    for (const type of ['rsa', 'ed25519']) {
      const project = await testProject(readers(1), {}, { built: true });
      const made = await paperboy(['dkim', 'keygen', '--type', type, '--out', 'keys/dkim.pem'], { env: project.env, cwd: project.base });
      expect(made.status).toBe(0);
      const path = join(project.base, 'keys', 'dkim.pem');
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(made.stdout).toContain(`wrote a new ${type === 'rsa' ? 'RSA-2048' : 'Ed25519'} private key to ${path} (mode 0600)`);
      const record = recordFromZoneLine(made.stdout.split('\n').find((line) => line.startsWith('paperboy._domainkey.')) ?? '');
      expect(record.name).toBe('paperboy._domainkey.example.org');
      const env = { ...project.env, PAPERBOY_DKIM_KEY: path };
      expect((await paperboy(['dispatch'], { env })).status).toBe(0);
      const outbox = join(project.env.PAPERBOY_OUT_DIR as string, 'outbox');
      const [file] = await readdir(outbox);
      const raw = await readFile(join(outbox, file as string));
      const records: TxtRecords = new Map([[record.name, record.value]]);
      expect(await verdicts(raw, records)).toEqual(fromEachVerifier(['paperboy@example.org: pass']).flat());
      // Another key under the same name does not verify it.
      const other = await testKeys([type as 'rsa' | 'ed25519']);
      expect(await verdicts(raw, new Map([[record.name, [...other.records.values()][0] as string]]))).toEqual(
        fromEachVerifier(['paperboy@example.org: fail']).flat(),
      );
    }
  });

  it('keygen never writes over a key, and takes only rsa or ed25519', async () => {
    const project = await testProject([]);
    const args = ['dkim', 'keygen', '--out', 'k.pem'];
    expect((await paperboy(args, { env: project.env, cwd: project.base })).status).toBe(0);
    const before = await readFile(join(project.base, 'k.pem'), 'utf8');
    const again = await paperboy(args, { env: project.env, cwd: project.base });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/k\.pem: already exists; a key is never written over/);
    expect(await readFile(join(project.base, 'k.pem'), 'utf8')).toBe(before);
    expect((await paperboy(['dkim', 'keygen', '--type', 'dsa'], { env: project.env, cwd: project.base })).status).toBe(2);
  });
});
