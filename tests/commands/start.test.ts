import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { testProject } from '../helpers/project.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

// A listener on a port of its own; `close` frees the port again.
async function listener(port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}

// A port that nothing listens on now.
async function freePort(): Promise<number> {
  const { server, port } = await listener();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Whether a listener can take the port (nothing else holds it).
async function isFree(port: number): Promise<boolean> {
  try {
    const { server } = await listener(port);
    await new Promise((resolve) => server.close(resolve));
    return true;
  } catch {
    return false;
  }
}

describe('paperboy start, when a part cannot start', () => {
  it('fails in one line when the inbound port is taken, and lets the web port go', async () => {
    const taken = await listener();
    servers.push(taken.server);
    const web = await freePort();
    const project = await testProject([], {
      PAPERBOY_HOST: '127.0.0.1',
      PAPERBOY_PORT: String(web),
      PAPERBOY_INBOUND_PORT: String(taken.port),
      PAPERBOY_LOG_LEVEL: 'silent',
    });
    const began = Date.now();
    const run = await paperboy(['start'], { env: project.env });
    expect(run.status).toBe(1);
    // At once: well within the time a loaded machine takes, never a wait for a timeout.
    expect(Date.now() - began).toBeLessThan(15_000);
    expect(run.stderr).toBe(`PAPERBOY_INBOUND_PORT: port ${taken.port} is in use (another program listens on it); choose another\n`);
    expect(run.stdout).toBe('');
    expect(await isFree(web)).toBe(true);
  });

  it('fails in one line when the web port is taken', async () => {
    const taken = await listener();
    servers.push(taken.server);
    const project = await testProject([], { PAPERBOY_HOST: '127.0.0.1', PAPERBOY_PORT: String(taken.port), PAPERBOY_LOG_LEVEL: 'silent' });
    const run = await paperboy(['start'], { env: project.env });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`PAPERBOY_PORT: port ${taken.port} is in use (another program listens on it); choose another\n`);
  });

  it('fails in one line when the digests folder is missing, and lets the web port go', async () => {
    const web = await freePort();
    const project = await testProject([], { PAPERBOY_HOST: '127.0.0.1', PAPERBOY_PORT: String(web), PAPERBOY_LOG_LEVEL: 'silent' });
    await rm(join(project.base, 'digests'), { recursive: true });
    const run = await paperboy(['start'], { env: project.env });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`PAPERBOY_DIGESTS_DIR: ${join(project.base, 'digests')}: no such folder\n`);
    expect(await isFree(web)).toBe(true);
  });
});
