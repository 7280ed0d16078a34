import { mkdir, readdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnPaperboy } from '../helpers/cli.ts';
import { testProject } from '../helpers/project.ts';
import { has } from '../helpers/peers.ts';

describe('paperboy preview on a port already in use', () => {
  it.runIf(has('processes'))('exits 1 at once naming the port, and leaves no temporary folder behind', async () => {
    const { base } = await testProject([]);
    // The preview's own temporary folder goes here, where nothing else writes.
    const temporary = join(base, 'tmp');
    await mkdir(temporary);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const began = Date.now();
      const run = await spawnPaperboy(['preview', '--port', String(port)], {
        cwd: base,
        env: { PAPERBOY_HOST: '127.0.0.1', TMPDIR: temporary },
      });
      // At once rather than never: a loaded machine may take a few seconds to start a process.
      expect(Date.now() - began).toBeLessThan(20_000);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(`--port: port ${port} is in use (another program listens on it); give the preview another with --port\n`);
      expect(await readdir(temporary)).toEqual([]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
