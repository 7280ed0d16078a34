import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createServer } from '../../src/web/index.ts';
import { post, startWeb, type TestWeb } from '../helpers/web.ts';

const web = await startWeb();
// The same site and list, with PAPERBOY_ALLOW_RESERVED_ADDRESSES on.
const testing = await createServer({ ...web.ctx, allowReservedAddresses: true });
await testing.listen({ port: 0, host: '127.0.0.1' });
const testingWeb: TestWeb = { ...web, url: `http://127.0.0.1:${(testing.server.address() as AddressInfo).port}` };
afterAll(async () => {
  await testing.close();
  await web.close();
});

const RESERVED = [
  'ann@localhost',
  'ann@LOCALHOST',
  'ann@mailhost',
  'ann@mail.test',
  'ann@example',
  'ann@shop.example',
  'ann@x.invalid',
  'ann@box.localhost',
  'ann@Mail.TEST',
];
// Names of local networks (mDNS, RFC 9476, ICANN's private-use name, RFC 8375), however written.
const LOCAL = ['ann@printer.local', 'ann@Printer.LOCAL', 'ann@x.alt', 'ann@corp.internal', 'ann@nas.home.arpa'];

describe('the subscribe form', () => {
  it('refuses addresses at localhost, bare names and reserved top-level names, and sends nothing', async () => {
    for (const email of RESERVED) {
      const response = await post(web, '/subscribe', { email });
      const page = await response.text();
      expect([email, response.status]).toEqual([email, 400]);
      expect(page).toMatch(/Please check the address/);
      expect(page).toMatch(/localhost, which is this computer|a domain without a dot|reserved for testing/);
    }
    expect((await web.mail()).filter((m) => RESERVED.some((r) => m.to.toLowerCase().includes(r.toLowerCase())))).toEqual([]);
    expect(await web.store.find('ann@localhost')).toBeUndefined();
  });

  it('refuses addresses under the names of local networks, and sends nothing', async () => {
    for (const email of LOCAL) {
      const response = await post(web, '/subscribe', { email });
      const page = await response.text();
      expect([email, response.status]).toEqual([email, 400]);
      expect(page).toMatch(/a name of a local network that never receives mail from the internet/);
    }
    expect((await web.mail()).filter((m) => LOCAL.some((r) => m.to.toLowerCase() === r.toLowerCase()))).toEqual([]);
  });

  it('takes example.com, example.net and example.org, and real-looking names', async () => {
    for (const email of [
      'ann@example.com',
      'bob@example.net',
      'cy@mail.example.org',
      'dee@testing.dev',
      'eve@test.de',
      'fay@local.de',
      'gus@arpa.example.org',
    ]) {
      const response = await post(web, '/subscribe', { email });
      await response.arrayBuffer();
      expect([email, response.status]).toEqual([email, 200]);
    }
  });

  it('takes reserved names when the setting allows them, for testing', async () => {
    for (const email of ['tester@localhost', 'tester@mail.test']) {
      const response = await post(testingWeb, '/subscribe', { email }, { origin: web.url });
      await response.arrayBuffer();
      expect([email, response.status]).toEqual([email, 200]);
    }
    expect((await web.mail()).map((m) => m.to)).toEqual(expect.arrayContaining(['tester@localhost', 'tester@mail.test']));
  });
});

describe('PAPERBOY_ALLOW_RESERVED_ADDRESSES', () => {
  const allow = (value?: string) =>
    loadConfig(value === undefined ? {} : { PAPERBOY_ALLOW_RESERVED_ADDRESSES: value }, '/nonexistent').allowReservedAddresses;
  it('is off by default, on with true, and names itself when wrong', () => {
    expect(allow()).toBe(false);
    expect(allow('true')).toBe(true);
    expect(allow('false')).toBe(false);
    expect(() => allow('maybe')).toThrow(/PAPERBOY_ALLOW_RESERVED_ADDRESSES: must be true or false/);
  });
});
