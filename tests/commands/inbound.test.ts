import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { signToken, type Subscriber } from '../../src/subscribers/index.ts';
import { BIN, childEnv } from '../helpers/cli.ts';
import { SECRET } from '../helpers/dispatch.ts';
import { dsn, plainMessage as message } from '../helpers/inbound.ts';
import { holdWriteLock, type LockHolder } from '../helpers/lock-holder.ts';
import { testProject } from '../helpers/project.ts';
import { has } from '../helpers/peers.ts';

const children: ChildProcess[] = [];
const locks: LockHolder[] = [];
afterEach(async () => {
  for (const lock of locks.splice(0)) await lock.release();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

// `paperboy inbound` in a process of its own; resolves with the port it listens on.
async function startInbound(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BIN, 'inbound', '--port', '0'], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code) => reject(new Error(`paperboy inbound exited (${code}): ${output}`)));
  });
  return { child, port };
}

async function deliver(port: number, from: string, to: string, raw: string): Promise<string> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5000 });
  try {
    return (await client.sendMail({ envelope: { from, to: [to] }, raw: raw.replace(/\r?\n/g, '\r\n') })).response;
  } finally {
    client.close();
  }
}

describe.runIf(has('processes'))('paperboy inbound', () => {
  it('loses nothing it answered when killed while another process holds the database', async () => {
    const project = await testProject(['leaving@example.org', 'gone@example.org'], { PAPERBOY_SECRET: SECRET, PAPERBOY_HOST: '127.0.0.1' });
    const [leaving, gone] = await project.withStore((store) =>
      Promise.all(['leaving@example.org', 'gone@example.org'].map(async (email) => (await store.find(email)) as Subscriber)),
    );
    const to = (purpose: 'unsubscribe' | 'bounce', s: Subscriber) => `papers+${purpose}-${signToken(SECRET, purpose, s)}@example.org`;
    const first = await startInbound(project.env);
    locks.push(await holdWriteLock(join(project.base, 'data')));
    const answers = [
      await deliver(
        first.port,
        'leaving@example.org',
        to('unsubscribe', leaving as Subscriber),
        message({ From: 'leaving@example.org', Subject: 'unsubscribe' }),
      ),
      await deliver(first.port, '', to('bounce', gone as Subscriber), dsn('5.1.1', 'failed', 'gone@example.org')),
    ];
    expect(answers.map((answer) => answer.slice(0, 3))).toEqual(['250', '250']);
    const killed = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await killed;
    await locks.pop()?.release();
    const statuses = () =>
      project.withStore((store) => Promise.all([leaving, gone].map(async (s) => (await store.get((s as Subscriber).id))?.status)));
    expect(await statuses()).toEqual(['confirmed', 'confirmed']);
    // Started again, it does what the killed one had taken.
    const second = await startInbound(project.env);
    const deadline = Date.now() + 15_000;
    while ((await statuses()).join() !== 'unsubscribed,bounced' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await statuses()).toEqual(['unsubscribed', 'bounced']);
    const stopped = new Promise<number | null>((resolve) => second.child.once('exit', resolve));
    second.child.kill('SIGTERM');
    expect(await stopped).toBe(0);
    const histories = await project.withStore((store) =>
      Promise.all([leaving, gone].map(async (s) => (await store.history((s as Subscriber).id)).map((e) => e.kind))),
    );
    expect(histories[0]?.filter((kind) => kind === 'unsubscribed')).toHaveLength(1);
    expect(histories[1]?.filter((kind) => kind === 'bounced')).toHaveLength(1);
  }, 60_000);
});
