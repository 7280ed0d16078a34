import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { scriptCommand } from '../workers.ts';

// The server the benchmarks make their throwaway databases on: the tests' one, else the local one.
function serverUrl(): string {
  return process.env.PAPERBOY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A throwaway database on the server (its name starts with `prefix`), its URL and how to drop it. */
export async function throwawayDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The benchmarks' SMTP sink (see _sink.ts) in a process of its own, with its port; `args` as it reads them. */
export async function startSink(args: string[] = []): Promise<{ process: ChildProcess; port: number }> {
  const sink = spawn(process.execPath, [...scriptCommand(import.meta.url, '_sink'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    sink.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    sink.once('error', reject);
  });
  return { process: sink, port };
}

/** A benchmark sender's settings: its digests and site under `base`, the sink's port, quiet logs. */
export function senderEnv(base: string, sinkPort: number, connections: number): Record<string, string> {
  return {
    PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
    PAPERBOY_OUT_DIR: join(base, 'out'),
    PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
    PAPERBOY_SMTP_CONNECTIONS: String(connections),
    PAPERBOY_LOG_LEVEL: 'warn',
    // The sample digest is years old: mailed all the same.
    PAPERBOY_MAX_LATENESS: '100000d',
  };
}
