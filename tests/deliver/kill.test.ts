import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { messageIdFor } from '../../src/deliver/index.ts';
import { SubscriberStore } from '../../src/subscribers/index.ts';
import { SECRET, addConfirmed } from '../helpers/dispatch.ts';
import { BIN, childEnv, paperboy, sampleProject } from '../helpers/cli.ts';
import { fixture } from '../helpers/paths.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { has } from '../helpers/peers.ts';

const SUBSCRIBERS = 300;
const CONNECTIONS = 2;

describe.runIf(has('processes'))('a dispatch killed in the middle', () => {
  it('is resumed by running it again: every subscriber gets the issue, a duplicate only from the in-flight window', async () => {
    const sink = await new SmtpSink({ delayMs: 15 }).start();
    try {
      const base = await mkdtemp(join(tmpdir(), 'paperboy-kill-'));
      await mkdir(join(base, 'digests'));
      await writeFile(join(base, 'digests', '2031-02-03.md'), readFileSync(fixture('digests', 'six-columns.md'), 'utf8'));
      const sql = sqliteSql(openDatabase(join(base, 'data')));
      await addConfirmed(new SubscriberStore(sql), SUBSCRIBERS);
      await sql.close();
      const env = {
        PAPERBOY_DATA_DIR: join(base, 'data'),
        PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
        PAPERBOY_OUT_DIR: join(base, 'out'),
        PAPERBOY_SMTP_URL: sink.url,
        PAPERBOY_SMTP_CONNECTIONS: String(CONNECTIONS),
        PAPERBOY_FROM: 'Daily Papers <papers@example.org>',
        PAPERBOY_SECRET: SECRET,
      };
      const child = spawn(process.execPath, [BIN, 'dispatch'], { cwd: sampleProject(), env: childEnv(env), stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const deadline = Date.now() + 60_000;
      while (sink.messages.length < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      await exited;
      const atKill = sink.messages.length;
      expect(atKill).toBeGreaterThanOrEqual(60);
      expect(atKill).toBeLessThan(SUBSCRIBERS);

      // The run after the crash is an ordinary one: in this process.
      const rerun = await paperboy(['dispatch'], { env });
      expect(rerun.stderr).toBe('');
      expect(rerun.status).toBe(0);
      expect(rerun.stdout).toMatch(/^2031-02-03: \d+ sent, 0 skipped, 0 failed in/);

      const counts = sink.countsById();
      expect(counts.size).toBe(SUBSCRIBERS);
      for (let n = 1; n <= SUBSCRIBERS; n++)
        expect(counts.get(messageIdFor(SECRET, '2031-02-03', 0, n, 'example.org'))).toBeGreaterThanOrEqual(1);
      const duplicates = sink.messages.length - counts.size;
      // At most the messages that were on their way when the process died: CONNECTIONS * 2 in flight.
      console.log(`kill test: ${atKill} delivered before the kill, ${duplicates} delivered twice (in flight at the kill)`);
      expect(duplicates).toBeLessThanOrEqual(CONNECTIONS * 2);
    } finally {
      await sink.stop();
    }
  });
});
