import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { post, startWeb } from '../helpers/web.ts';

const web = await startWeb();
afterAll(() => web.close());

// A request exactly as written, for paths that fetch() would correct first.
function raw(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${web.url}${path}`, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('links that outlive their subscriber', () => {
  it('an old unsubscribe or preferences link never acts on the next person given the same id', async () => {
    const first = (await web.store.add({ email: 'first@example.org', status: 'confirmed', source: 'test' })).subscriber;
    const oldUnsubscribe = await web.token('unsubscribe', first.id);
    const oldPreferences = await web.token('preferences', first.id);
    await web.store.remove('first@example.org');
    const next = (await web.store.add({ email: 'next@example.org', status: 'confirmed', source: 'test' })).subscriber;
    expect(next.id).toBe(first.id);
    const oneClick = await fetch(`${web.url}/unsubscribe?token=${oldUnsubscribe}`, {
      method: 'POST',
      body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }),
    });
    expect(oneClick.status).toBe(400);
    expect((await fetch(`${web.url}/preferences?token=${oldPreferences}`)).status).toBe(400);
    expect((await web.store.get(next.id))?.status).toBe('confirmed');
  });
});

describe('links in old mails', () => {
  it('a confirmation link made before someone left does not bring them back', async () => {
    const { subscriber } = await web.store.add({ email: 'leaver@example.org', source: 'test' });
    const confirm = await web.token('confirm', subscriber.id, Date.now() / 1000 + 3600);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await post(web, '/confirm', { token: confirm })).status).toBe(200);
    await post(web, '/unsubscribe', { token: await web.token('unsubscribe', subscriber.id) });
    const again = await post(web, '/confirm', { token: confirm });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('older than your last goodbye');
    expect((await web.store.get(subscriber.id))?.status).toBe('unsubscribed');
    const bounced = (await web.store.add({ email: 'bounced@example.org', source: 'test' })).subscriber;
    const link = await web.token('confirm', bounced.id, Date.now() / 1000 + 3600);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await web.store.setStatus(bounced.id, 'bounced', 'test');
    expect((await post(web, '/confirm', { token: link })).status).toBe(400);
    expect((await web.store.get(bounced.id))?.status).toBe('bounced');
  });
});

describe('the daily allowance of confirmation emails', () => {
  it("is spent only by emails that went out, and counts an address's +tags together", async () => {
    const send = web.ctx.subscriptions.send;
    web.ctx.subscriptions.send = () => Promise.reject(new Error('the relay is down'));
    for (let i = 0; i < 3; i++) {
      const down = await post(web, '/subscribe', { email: 'patient@example.org', cadence: 'daily' });
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('300');
    }
    web.ctx.subscriptions.send = send;
    expect((await post(web, '/subscribe', { email: 'patient@example.org', cadence: 'daily' })).status).toBe(200);
    expect((await web.mail()).filter((m) => m.to === 'patient@example.org')).toHaveLength(1);
    for (let i = 1; i <= 5; i++) await post(web, '/subscribe', { email: `victim+${i}@example.org`, cadence: 'daily' });
    expect((await web.mail()).filter((m) => m.to.startsWith('victim+'))).toHaveLength(3);
  });

  it('is not spent when the relay is down as someone subscribes again after leaving: a 503 says to retry', async () => {
    const { subscriber } = await web.store.add({ email: 'returning@example.org', status: 'unsubscribed', source: 'test' });
    const send = web.ctx.subscriptions.send;
    web.ctx.subscriptions.send = () => Promise.reject(new Error('the relay is down'));
    try {
      const down = await post(web, '/resubscribe', { token: await web.token('unsubscribe', subscriber.id) });
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('300');
      expect(await down.text()).toContain('does not count towards the daily limit');
    } finally {
      web.ctx.subscriptions.send = send;
    }
    expect(await web.store.confirmationsOn(subscriber.email, new Date().toISOString().slice(0, 10))).toBe(0);
  });

  it('holds when many requests for one address arrive at once', async () => {
    const replies = await Promise.all(
      Array.from({ length: 12 }, () => post(web, '/subscribe', { email: 'flooded@example.org', cadence: 'daily' })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect((await web.mail()).filter((m) => m.to === 'flooded@example.org')).toHaveLength(3);
  });
});

describe('the home page', () => {
  it('is served like the other pages: built once, a strong ETag, 304 when unchanged', async () => {
    const first = await fetch(`${web.url}/`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('last-modified')).toBeTruthy();
    const again = await fetch(`${web.url}/`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await first.text()).toContain('name="csrf"');
  });
});

describe('a path the router cannot read', () => {
  it("gets the site's own 400 page with its security headers, echoing nothing", async () => {
    const answer = await raw('/feeds/%ZZ%3Cscript%3E');
    expect(answer.status).toBe(400);
    expect(String(answer.headers['content-type'])).toMatch(/^text\/html/);
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.body).not.toMatch(/%ZZ|<script>|FST_ERR/);
  });
});
