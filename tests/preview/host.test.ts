import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import { testProject } from '../helpers/project.ts';

const { base } = await testProject([]);
let printed = '';
const stop = new AbortController();
const running = main(['preview', '--port', '0'], {
  cwd: base,
  env: { PAPERBOY_HOST: '127.0.0.1' },
  output: { out: (text) => void (printed += text), err: (text) => void (printed += text) },
  signal: stop.signal,
});
for (const began = Date.now(); !/at http:\/\/127\.0\.0\.1:(\d+)\//.test(printed); ) {
  if (Date.now() - began > 20_000) throw new Error(`the preview did not start: ${printed}`);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const port = Number(/at http:\/\/127\.0\.0\.1:(\d+)\//.exec(printed)?.[1]);
afterAll(async () => {
  stop.abort();
  expect(await running).toBe(0);
});

// A request to the preview with the Host header and the path exactly as given, as a browser sends them.
function get(path: string, host: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('paperboy preview and the Host header', () => {
  it('answers at its own address and at localhost', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `LOCALHOST:${port}`]) {
      const { status, body } = await get('/', host);
      expect([host, status]).toEqual([host, 200]);
      expect(body).toContain('Preview of 2031-02-03');
    }
    expect((await get('/email/2031-02-03.html', `localhost:${port}`)).body).toContain('Tiny Kites');
  });

  it('refuses any other name, as a DNS-rebinding page would give: 421, and nothing of the preview', async () => {
    for (const host of [
      `rebind.attacker.example:${port}`,
      'attacker.example',
      `127.0.0.1.attacker.example:${port}`,
      `localhost.attacker.example`,
      `[::2]:${port}`,
      'user@localhost',
    ]) {
      for (const path of ['/', '/email/2031-02-03.html', '/issues/2031-02-03.html', '/events']) {
        const { status, type, body } = await get(path, host);
        expect([host, path, status]).toEqual([host, path, 421]);
        expect(type).toMatch(/^text\/html/);
        expect(body).not.toMatch(/Tiny Kites|Preview of/);
      }
    }
  });
});

describe('paperboy preview and bad addresses', () => {
  it('answers them with a page, never the framework JSON', async () => {
    const cases: [string, string, number][] = [
      ['GET', '/%ZZ', 400],
      ['GET', '/email/%E0%A4%A.html', 400],
      ['GET', '/nothing-here.html', 404],
      ['POST', '/email/2031-02-03.html', 404],
      ['GET', '/../../etc/passwd', 400],
    ];
    for (const [method, path, expected] of cases) {
      const { status, type, body } = await get(path, `127.0.0.1:${port}`, method);
      expect([method, path, status]).toEqual([method, path, expected]);
      expect(type).toMatch(/^text\/html/);
      expect(body).toMatch(/^<!doctype html>/);
      expect(body).not.toMatch(/"statusCode"|root:/);
    }
  });
});
