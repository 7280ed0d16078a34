import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import { createProgress } from '../src/deliver/progress.ts';
import { createLogger, scrubbed } from '../src/log.ts';
import { signToken } from '../src/subscribers/index.ts';
import { BIN, childEnv, paperboy, spawnPaperboy } from './helpers/cli.ts';
import { has } from './helpers/peers.ts';

const TYPO = { PAPERBOY_SMTP_URI: 'smtp://relay.example:25' };
const SENTENCE = 'PAPERBOY_SMTP_URI is not a setting, so it is ignored; did you mean PAPERBOY_SMTP_URL?';
const TEXT_LINE =
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d warn {2}unknown setting: PAPERBOY_SMTP_URI is not a setting, so it is ignored; did you mean PAPERBOY_SMTP_URL\?$/;

describe('a text made fit for a log', () => {
  it('holds no address and no link token, and keeps the rest', () => {
    const token = signToken('a-secret-of-sixteen-or-more', 'unsubscribe', { id: 42, tokenKey: 'k' });
    const text =
      `550 5.1.1 <Ann.Lee+news@Example.org>: user unknown; to papers+confirm-${token}@list.example.org ` +
      `via https://x.example.org/unsubscribe?token=${token}&a=1 (${token})`;
    expect(scrubbed(text)).toBe(
      '550 5.1.1 <[address]>: user unknown; to [address] via https://x.example.org/unsubscribe?token=[token]&a=1 ([token])',
    );
    expect(scrubbed('confirmation email not sent: connection refused')).toBe('confirmation email not sent: connection refused');
    const odd =
      '550 <"ann smith"@example.org> and bob@[192.0.2.1] at /x?to=cy%40example.org, token U1-0-85C2754BACE5D7C760AB0810 or ?Token=abc';
    expect(scrubbed(odd)).toBe('550 <[address]> and [address] at [address], token [token] or ?Token=[token]');
    expect(scrubbed('100% of 20 @ 5/s; rate 50%40 runs')).toBe('100% of 20 @ 5/s; rate 50%40 runs');
  });

  it("keeps a URL's user and host, hides its password, and still hides the addresses beside it", () => {
    expect(scrubbed('database postgres://postgres@127.0.0.1:5432/pb_x is down')).toBe(
      'database postgres://postgres@127.0.0.1:5432/pb_x is down',
    );
    expect(scrubbed('PAPERBOY_DATABASE_URL=postgresql://paperboy:hunter2@db.example.org/papers; bounce from ann@example.org')).toBe(
      'PAPERBOY_DATABASE_URL=postgresql://paperboy:***@db.example.org/papers; bounce from [address]',
    );
    expect(scrubbed('smtp://relay.example.org:25 refused <bob@example.org>, mailto:cy@example.org')).toBe(
      'smtp://relay.example.org:25 refused <[address]>, mailto:[address]',
    );
  });
});

// Every line a logger wrote, as the text it wrote.
function written(level: 'debug' | 'info', format: 'json' | 'text', use: (log: ReturnType<typeof createLogger>) => void): string[] {
  const lines: string[] = [];
  use(createLogger(level, (line) => lines.push(line), { format, now: () => new Date('2031-02-03T04:05:06.789Z') }));
  return lines;
}

describe('the logger', () => {
  it('writes one JSON object a line: time, level, event, the fields; no address or token below debug', () => {
    const fields = { issue: '2031-02-03', to: 'ann@example.org', adminToken: 'a-very-secret-admin-token-value', sent: 3 };
    const [line = ''] = written('info', 'json', (log) => log.warn('relay said no', fields));
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({
      time: '2031-02-03T04:05:06.789Z',
      level: 'warn',
      event: 'relay said no',
      issue: '2031-02-03',
      to: '[address]',
      adminToken: '[hidden]',
      sent: 3,
    });
    const [open = ''] = written('debug', 'json', (log) => log.debug('relay said no', fields));
    expect(JSON.parse(open)).toMatchObject({ level: 'debug', to: 'ann@example.org', adminToken: '[hidden]' });
    expect(written('info', 'json', (log) => log.debug('not shown'))).toEqual([]);
  });

  it("writes a database URL's user and host as they are, next to an address it hides", () => {
    const [line = ''] = written('info', 'json', (log) =>
      log.warn('database unreachable', { database: 'postgres://postgres@127.0.0.1:5432/pb_x', error: 'ann@example.org waits' }),
    );
    expect(JSON.parse(line)).toMatchObject({ database: 'postgres://postgres@127.0.0.1:5432/pb_x', error: '[address] waits' });
  });

  it('writes one readable line an event in text: time, level, event, message, then key=value', () => {
    const lines = written('info', 'text', (log) => {
      log.info('dispatched', { issue: '2031-02-03', sent: 3, seconds: 1.25, request: 'req-1' });
      log.warn('unknown setting', { message: 'PAPERBOY_X is not a setting,\nso it is ignored' });
      log.error('job failed', { schedule: 'daily', error: 'relay refused ann@example.org', topics: ['a', 'b'] });
    });
    expect(lines).toEqual([
      '2031-02-03 04:05:06 info  dispatched issue=2031-02-03 sent=3 seconds=1.25 request=req-1\n',
      '2031-02-03 04:05:06 warn  unknown setting: PAPERBOY_X is not a setting, so it is ignored\n',
      '2031-02-03 04:05:06 error job failed schedule=daily error="relay refused [address]" topics=["a","b"]\n',
    ]);
  });
});

describe("a dispatch's progress", () => {
  it('with json draws no bar, even on a terminal, and says each thousand as a JSON event', () => {
    let drawn = '';
    const terminal = { isTTY: true, write: (text: string) => (drawn += text) } as unknown as NodeJS.WriteStream;
    const lines = written('info', 'json', (log) => {
      const progress = createProgress(terminal, 'dispatch 2031-02-03', log);
      progress.start(2500);
      for (let i = 0; i < 2500; i++) progress.tick(i % 5 === 0 ? 'skipped' : 'sent');
      progress.finish();
    });
    expect(drawn).toBe('');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(
      [1000, 2000].map((done) =>
        expect.objectContaining({ event: 'progress', of: 'dispatch 2031-02-03', done, total: 2500, sent: done * 0.8 }),
      ),
    );
  });
});

describe('what a run writes to standard error', () => {
  it('with json (the default off a terminal), every line of a run with a misspelt setting is a JSON event', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-log-'));
    for (const env of [TYPO, { ...TYPO, PAPERBOY_LOG_FORMAT: 'json' }]) {
      const run = await paperboy(['status'], { cwd: dir, env });
      expect(run.status).toBe(0);
      const lines = run.stderr.trim().split('\n');
      const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events).toEqual([
        { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'warn', event: 'unknown setting', message: SENTENCE },
      ]);
    }
  });

  it('with json asked for by name, what a failing command says is a JSON event too; without, it stays a plain line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-log-'));
    const json = { ...TYPO, PAPERBOY_LOG_FORMAT: 'json' };
    const gone = await paperboy(['subscribers', 'remove', 'nobody@example.org'], { cwd: dir, env: json });
    expect(gone.status).toBe(1);
    const events = gone.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toEqual([
      expect.objectContaining({ level: 'warn', event: 'unknown setting', message: SENTENCE }),
      expect.objectContaining({ level: 'error', event: 'said', message: '[address] is not on the list' }),
    ]);
    const bad = await paperboy(['status'], { cwd: dir, env: { PAPERBOY_LOG_FORMAT: 'json', PAPERBOY_PORT: 'x' } });
    expect(bad.status).toBe(1);
    expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(JSON.parse(bad.stderr)).toMatchObject({
      level: 'error',
      message: 'bad settings:\n  PAPERBOY_PORT: must be a port number (got "x")',
    });
    const plain = await paperboy(['subscribers', 'remove', 'nobody@example.org'], { cwd: dir });
    expect(plain.stderr).toBe('nobody@example.org is not on the list\n');
  });

  it('with text, the warning is one readable line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-log-'));
    const run = await paperboy(['status'], { cwd: dir, env: { ...TYPO, PAPERBOY_LOG_FORMAT: 'text' } });
    expect(run.stderr).toMatch(new RegExp(`${TEXT_LINE.source.slice(0, -1)}\\n$`));
  });

  it('is text by default when standard error is a terminal, and json when told so even there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-log-'));
    const run = async (env: Record<string, string>) => {
      let stderr = '';
      const status = await main(['status'], {
        env,
        cwd: dir,
        terminal: true,
        output: { out: () => undefined, err: (text) => (stderr += text) },
      });
      return { status, stderr };
    };
    expect((await run(TYPO)).stderr.trim()).toMatch(TEXT_LINE);
    expect(JSON.parse((await run({ ...TYPO, PAPERBOY_LOG_FORMAT: 'json' })).stderr)).toMatchObject({
      event: 'unknown setting',
      message: SENTENCE,
    });
    const bad = await run({ PAPERBOY_LOG_FORMAT: 'yaml' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('PAPERBOY_LOG_FORMAT: must be json or text (got "yaml")');
  });

  it.runIf(has('processes'))('the binary on a terminal (under script) writes text; through a pipe, JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-log-'));
    const piped = await spawnPaperboy(['subscribers', 'remove', 'nobody@example.org'], {
      cwd: dir,
      env: { ...TYPO, PAPERBOY_LOG_FORMAT: 'json' },
    });
    expect(piped.status).toBe(1);
    const lines = piped.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: expect.stringMatching(/^(warn|error)$/) });
    // `script` gives the child a pseudo-terminal; what the child wrote comes back on script's standard output.
    const tty = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} status`, '/dev/null'], {
      cwd: dir,
      env: childEnv(TYPO),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(tty.status).toBe(0);
    const shown = tty.stdout.split(/\r?\n/).filter((line) => line.includes('PAPERBOY_SMTP_URI'));
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(TEXT_LINE);
  });
});
