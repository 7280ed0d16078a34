import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paperboy, type Run, spawnPaperboy } from '../helpers/cli.ts';
import { has } from '../helpers/peers.ts';
import { testProject } from '../helpers/project.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const JSON_LOGS = { PAPERBOY_LOG_FORMAT: 'json' };
const TYPO = { PAPERBOY_SMTP_URI: 'smtp://relay.example:25' };
const DAY = 86_400_000;

// Every line a run wrote on standard error, each read as a JSON event with its time, level and event, and no address in it.
function events(run: Run): Record<string, unknown>[] {
  const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
  return lines.map((line) => {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`a line of standard error is not JSON: ${line}`);
    }
    expect(event).toMatchObject({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: expect.stringMatching(/^(debug|info|warn|error)$/),
      event: expect.any(String),
    });
    expect(line).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.-]+/);
    return event;
  });
}

const USAGE: [string, string[], RegExp][] = [
  ['an unknown option', ['status', '--nope'], /^unknown option '--nope'$/],
  ['an unknown command', ['statsu'], /^unknown command 'statsu'/],
  ['a missing argument', ['parse'], /^missing required argument 'file'$/],
  ['a bad --date', ['build', '--date', '2024-13-45'], /^--date takes YYYY-MM-DD, not "2024-13-45"$/],
  ['a bad --port', ['serve', '--port', 'eighty'], /^--port takes a port number, not "eighty"$/],
  ['no subcommand', ['subscribers'], /^paperboy subscribers needs a command$/],
  ['no command', [], /^paperboy needs a command$/],
];

describe('standard error with PAPERBOY_LOG_FORMAT=json', () => {
  it.each(USAGE)('tells %s as one JSON event, exit 2', async (_what, argv, message) => {
    const run = await paperboy(argv, { env: JSON_LOGS });
    expect(run.status).toBe(2);
    const [event, ...more] = events(run);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ level: 'error', event: 'usage error', message: expect.stringMatching(message) });
    expect(event?.help).toMatch(/^paperboy( \w+)? --help$/);
  });

  it('keeps usage errors as plain lines (with the help after them) when the format is text or left to its default', async () => {
    for (const env of [{}, { PAPERBOY_LOG_FORMAT: 'text' }]) {
      const unknown = await paperboy(['status', '--nope'], { env });
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toMatch(/^error: unknown option '--nope'\n\nUsage: paperboy status \[options\]/);
      const date = await paperboy(['build', '--date', '2024-13-45'], { env });
      expect(date.stderr).toBe('paperboy: --date takes YYYY-MM-DD, not "2024-13-45"\n');
    }
  });

  it('tells settings, command failures and refused input as JSON events, with no address in them', async () => {
    const project = await testProject([], { ...JSON_LOGS, ...TYPO });
    const env = project.env;
    const misspelt = await paperboy(['status'], { env });
    expect(misspelt.status).toBe(0);
    expect(events(misspelt)).toEqual([expect.objectContaining({ level: 'warn', event: 'unknown setting' })]);

    const badValue = await paperboy(['status'], { env: { ...env, PAPERBOY_PORT: 'x' } });
    expect(badValue.status).toBe(1);
    expect(events(badValue).map((e) => e.message)).toContainEqual(expect.stringMatching(/PAPERBOY_PORT: must be a port number/));

    const broken = join(project.base, 'broken');
    await mkdir(broken);
    await writeFile(
      join(broken, '2024-02-04.md'),
      '## Papers for 2024-02-04\n\n| Title | Authors | Summary | Link |\n|---|---|---|---|\n| T |\n',
    );
    const parsed = await paperboy(['parse', join(broken, '2024-02-04.md')], { env });
    expect(parsed.status).toBe(1);
    expect(events(parsed)).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringMatching(/2024-02-04\.md:5:/) }));
    const checked = await paperboy(['check', broken], { env });
    expect(checked.status).toBe(1);
    expect(checked.stdout).toMatch(/2024-02-04\.md:5: error: /);
    events(checked);
    const missing = await paperboy(['check', join(project.base, 'nowhere')], { env });
    expect(missing.status).toBe(1);
    expect(events(missing)).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/nowhere: cannot read: no such folder$/) }),
    );

    const csv = join(project.base, 'in.csv');
    await writeFile(csv, 'email,name,topics,cadence\na@example.org,A,,daily\nann@example..org,,,\ncy@example.org,,,fortnightly\n');
    const imported = await paperboy(['subscribers', 'import', csv], { env });
    expect(imported.status).toBe(1);
    expect(
      events(imported)
        .filter((e) => e.event === 'said')
        .map((e) => e.message),
    ).toEqual([
      `${csv}:3: [address]: the address has a domain that is not a host name`,
      `${csv}:4: cadence "fortnightly" is not daily or weekly`,
    ]);

    const erased = await paperboy(['subscribers', 'erase', 'nobody@example.org'], { env });
    expect(erased.status).toBe(0);
    expect(events(erased)).toEqual([expect.objectContaining({ event: 'unknown setting' })]);
    const removed = await paperboy(['subscribers', 'remove', 'nobody@example.org'], { env });
    expect(removed.status).toBe(1);
    expect(events(removed)).toContainEqual(expect.objectContaining({ message: '[address] is not on the list' }));
    const to = await paperboy(['dispatch', '--to', 'ann@'], { env });
    expect(to.status).toBe(2);
    expect(events(to)).toContainEqual(expect.objectContaining({ event: 'usage error' }));
  });

  it('tells a late digest, a stopped dispatch and a DMARC failure as JSON events', async () => {
    const late = new Date(Date.now() - 10 * DAY).toISOString().slice(0, 10);
    const project = await testProject(['ann@example.org', 'bob@example.org'], { ...JSON_LOGS, PAPERBOY_MAX_LATENESS: '2d' });
    const text = await readFile(join(project.base, 'digests', '2031-02-03.md'), 'utf8');
    await writeFile(join(project.base, 'digests', `${late}.md`), text.replace(/Papers for \d{4}-\d\d-\d\d/, `Papers for ${late}`));
    const lateRun = await paperboy(['dispatch', '--date', late], { env: project.env });
    expect(lateRun.status).toBe(1);
    expect(events(lateRun)).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringMatching(new RegExp(`^${late} is 10 days old`)) }),
    );

    const sink = new SmtpSink();
    await sink.start();
    const port = sink.port;
    await sink.stop();
    const smtp = { ...project.env, PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${port}`, PAPERBOY_SMTP_ATTEMPTS: '2' };
    const stopped = await paperboy(['dispatch', '--date', '2031-02-03', '--force'], { env: smtp });
    expect(stopped.status).toBe(1);
    expect(events(stopped)).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^2031-02-03: stopped: /) }));

    const dmarc = await paperboy(['dns'], { env: { ...project.env, PAPERBOY_FROM: 'Daily Papers <papers@localhost>' } });
    expect(dmarc.status).toBe(1);
    expect(events(dmarc)).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/would fail DMARC/) }));
  });

  it.runIf(has('processes'))('from the binary too: a usage error is one JSON line, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-json-'));
    for (const [, argv, message] of USAGE.slice(0, 4)) {
      const run = await spawnPaperboy(argv, { cwd: dir, env: JSON_LOGS });
      expect(run.status, run.stderr).toBe(2);
      expect(events(run)).toEqual([
        expect.objectContaining({ level: 'error', event: 'usage error', message: expect.stringMatching(message) }),
      ]);
    }
    const plain = await spawnPaperboy(['status', '--nope'], { cwd: dir });
    expect(plain.stderr).toMatch(/^error: unknown option '--nope'\n/);
  });
});
