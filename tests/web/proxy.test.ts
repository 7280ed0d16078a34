import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type TrustProxy } from '../../src/config.ts';
import { createServer } from '../../src/web/index.ts';
import { startWeb } from '../helpers/web.ts';

// The site and its list; each test runs a server of its own over them, with two subscriptions a minute per client.
const web = await startWeb();
const servers: FastifyInstance[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await web.close();
});

async function serverTrusting(trustProxy: TrustProxy): Promise<string> {
  const server = await createServer({ ...web.ctx, subscribeRate: 2, trustProxy });
  servers.push(server);
  await server.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
}

let sent = 0;
// A subscription as the proxy hands it on: the client's address in X-Forwarded-For.
async function subscribe(url: string, forwardedFor: string | undefined): Promise<number> {
  const headers: Record<string, string> = { origin: web.url, 'content-type': 'application/x-www-form-urlencoded' };
  if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
  const response = await fetch(`${url}/subscribe`, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ email: `proxied${++sent}@example.org` }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('behind a reverse proxy', () => {
  it('with PAPERBOY_TRUST_PROXY naming the proxy, each client behind it has a limit of its own', async () => {
    const url = await serverTrusting(['127.0.0.1']);
    expect([await subscribe(url, '198.51.100.7'), await subscribe(url, '198.51.100.7'), await subscribe(url, '198.51.100.7')]).toEqual([
      200, 200, 429,
    ]);
    expect([await subscribe(url, '203.0.113.9'), await subscribe(url, '203.0.113.9'), await subscribe(url, '203.0.113.9')]).toEqual([
      200, 200, 429,
    ]);
    // The client is the last address the trusted proxy added, not whatever the client wrote before it.
    expect(await subscribe(url, '192.0.2.1, 198.51.100.7')).toBe(429);
    expect(await subscribe(url, '198.51.100.7, 192.0.2.44')).toBe(200);
  });

  it('with a hop count, the client is that many proxies back', async () => {
    const url = await serverTrusting(1);
    expect([await subscribe(url, '198.51.100.20'), await subscribe(url, '198.51.100.20'), await subscribe(url, '198.51.100.20')]).toEqual([
      200, 200, 429,
    ]);
    expect(await subscribe(url, '198.51.100.21')).toBe(200);
  });

  it('without it, X-Forwarded-For is ignored: a client cannot spoof its way past the limit', async () => {
    const url = await serverTrusting(false);
    expect([await subscribe(url, '198.51.100.30'), await subscribe(url, '198.51.100.31')]).toEqual([200, 200]);
    expect([await subscribe(url, '198.51.100.32'), await subscribe(url, undefined), await subscribe(url, '203.0.113.33')]).toEqual([
      429, 429, 429,
    ]);
  });

  it('a proxy that is not the one named is not believed either', async () => {
    const url = await serverTrusting(['10.0.0.0/8']);
    expect([await subscribe(url, '198.51.100.40'), await subscribe(url, '198.51.100.41'), await subscribe(url, '198.51.100.42')]).toEqual([
      200, 200, 429,
    ]);
  });
});

describe('PAPERBOY_TRUST_PROXY', () => {
  const trust = (value: string | undefined) =>
    loadConfig(value === undefined ? {} : { PAPERBOY_TRUST_PROXY: value }, '/nonexistent').trustProxy;

  it('is off by default, and takes a hop count or addresses, networks and named ranges', () => {
    expect(trust(undefined)).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8,loopback')).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of ['true', '0', 'proxy.example.org', '10.0.0.0/33', '300.1.1.1', '127.0.0.1,,x']) {
      expect(() => trust(bad)).toThrow(/PAPERBOY_TRUST_PROXY: must be a number of proxies/);
    }
  });
});
