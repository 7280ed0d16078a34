import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { linksFor } from '../../src/subscribers/index.ts';
import { createServer } from '../../src/web/index.ts';
import { testProject } from '../helpers/project.ts';

const DAY = 86_400_000;

describe('the web server keeps the clock of the program it is part of', async () => {
  const project = await testProject([]);
  // Years away from the real time, so a page that read the machine's clock instead would show it.
  let at = Date.parse('2035-03-01T09:00:00Z');
  const app = openApp(loadConfig(project.env, project.base), { now: () => new Date(at) });
  const server = await createServer(app.web());
  await server.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  afterAll(async () => {
    await server.close();
    await app.close();
  });
  const { subscriber } = await app.store.add({ email: 'clock@example.org', source: 'test' });
  const token = new URL(linksFor(app.subscriptions, subscriber, app.now()).confirmUrl).searchParams.get('token') ?? '';
  const confirmPage = () => fetch(`${url}/confirm?token=${token}`);

  it("takes a confirmation link as valid or expired by the app's clock, not the machine's", async () => {
    at += 6 * DAY;
    const fresh = await confirmPage();
    expect([fresh.status, await fresh.text()]).toEqual([200, expect.stringContaining('Press the button to start receiving')]);
    at += 2 * DAY;
    const late = await confirmPage();
    expect([late.status, await late.text()]).toEqual([400, expect.stringContaining('has expired')]);
  });

  it("turns form tokens by the app's clock: one from a page a day old no longer passes", async () => {
    at = Date.parse('2035-03-01T09:00:00Z');
    const html = await (await confirmPage()).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csrf).not.toBe('');
    // A client that says nothing of where it comes from is trusted only with a current form token.
    const post = () => fetch(`${url}/confirm`, { method: 'POST', body: new URLSearchParams({ token, csrf }), redirect: 'manual' });
    at += 25 * 60 * 60 * 1000;
    expect((await post()).status).toBe(403);
    at -= 24 * 60 * 60 * 1000;
    const taken = await post();
    expect([taken.status, await taken.text()]).toEqual([200, expect.stringContaining('You are subscribed')]);
  });
});
