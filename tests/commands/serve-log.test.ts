import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import { signToken } from '../../src/subscribers/index.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { testProject } from '../helpers/project.ts';

const SECRET = 'a-secret-of-the-test-project-0123';
// A relay that refuses everyone, naming the recipient in its reply as real relays do.
const sink = await new SmtpSink({ rcpt: (address) => ({ code: 550, message: `5.7.1 <${address}>: Relay access denied` }) }).start();
afterAll(() => sink.stop());

// `paperboy <command>` in this process until stopped: what it printed, and the address it serves.
async function running(command: 'serve' | 'start', env: Record<string, string>, cwd: string) {
  let stdout = '';
  let stderr = '';
  const stop = new AbortController();
  const done = main([command], {
    env,
    cwd,
    signal: stop.signal,
    output: { out: (text) => void (stdout += `${text}\n`), err: (text) => void (stderr += `${text}\n`) },
  });
  let ended = false;
  void done.then(() => (ended = true));
  const began = Date.now();
  while (!/listening on (127\.0\.0\.1:\d+)/.test(stdout)) {
    if (ended || Date.now() - began > 20_000) throw new Error(`${command} did not start: ${stdout}${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const url = `http://${/(127\.0\.0\.1:\d+)/.exec(stdout)?.[1] ?? ''}`;
  return {
    url,
    log: () =>
      stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr: () => stderr,
    async stop() {
      stop.abort();
      return done;
    },
  };
}

const form = (url: string, path: string, body: Record<string, string>) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });

describe.each(['serve', 'start'] as const)('paperboy %s, with a relay that refuses', (command) => {
  it('logs a confirmation email and a welcome email not sent: one line each, with the request id, without the address or token', async () => {
    const project = await testProject([{ email: 'waiting.reader@example.org', status: 'pending', source: 'test' }], {
      PAPERBOY_HOST: '127.0.0.1',
      PAPERBOY_PORT: '0',
      PAPERBOY_SMTP_URL: sink.url,
      PAPERBOY_SMTP_ATTEMPTS: '1',
      PAPERBOY_SECRET: SECRET,
      PAPERBOY_SCHEDULE: '0 8 1 1 *',
    });
    const server = await running(command, project.env, project.base);
    try {
      const subscribed = await form(server.url, '/subscribe', { email: 'new.reader@example.org' });
      expect(subscribed.status).toBe(503);
      await subscribed.arrayBuffer();

      const pending = await project.withStore(async (store) => {
        const subscriber = await store.find('waiting.reader@example.org');
        return { id: subscriber?.id ?? 0, tokenKey: (await store.tokenKeyOf(subscriber?.id ?? 0)) ?? '' };
      });
      const token = signToken(SECRET, 'confirm', pending, Date.now() / 1000 + 3600);
      const confirmed = await form(server.url, '/confirm', { token });
      expect(confirmed.status).toBe(200);
      await confirmed.arrayBuffer();

      const lines = server.log().filter((line) => line.level === 'error');
      expect(lines.map((line) => line.event).sort()).toEqual(['confirmation email not sent', 'welcome email not sent']);
      for (const line of lines) {
        expect(line.request).toMatch(/^req-\w+$/);
        expect(String(line.error)).toContain('Relay access denied');
      }
      expect(new Set(lines.map((line) => line.request)).size).toBe(2);
      const text = server.stderr();
      expect(text).not.toMatch(/new\.reader|waiting\.reader|@example\.org/);
      expect(text).not.toContain(token);
      // The framework's own chatter stays out at the default level: no line per request, no "listening at".
      expect(text).not.toMatch(/incoming request|request completed|Server listening/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
