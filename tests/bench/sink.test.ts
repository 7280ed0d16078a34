import { spawn } from 'node:child_process';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { scriptCommand } from '../../src/workers.ts';
import { has } from '../helpers/peers.ts';

// The benchmark's plain sink must take whole messages, whatever their data holds, or the dispatch
// figures measured through it mean nothing.
describe.runIf(has('processes'))("the delivery benchmark's plain SMTP sink", () => {
  it('takes every message once, with lone dots, dot-stuffed lines and large bodies, over pooled connections', async () => {
    const sink = spawn(process.execPath, scriptCommand(new URL('../../src/bench/dispatch.ts', import.meta.url).href, '_sink'), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        sink.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        sink.once('exit', (code) => reject(new Error(`the sink stopped before listening (exit code ${code})`)));
      });
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: 3 });
      const bodies = ['.', '.\n.\n..\n', `${'x'.repeat(100_000)}\n.\ny\r\n.`, '', 'a\r\n\r\n.\r\n.\r\n'];
      const sent = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          transport.sendMail({ from: 'a@example.org', to: 'b@example.org', subject: 's', text: bodies[i % bodies.length] }),
        ),
      );
      transport.close();
      expect(sent.every((info) => info.response.startsWith('250'))).toBe(true);
      const counted = new Promise<string>((resolve) => sink.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
      sink.kill('SIGUSR2');
      expect(await counted).toBe('count 60');
    } finally {
      sink.kill('SIGTERM');
    }
  });
});
