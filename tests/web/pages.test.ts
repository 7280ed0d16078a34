import { afterAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../src/web/csrf.ts';
import { SECRET } from '../helpers/dispatch.ts';
import { post, startWeb } from '../helpers/web.ts';

const web = await startWeb({ subscribeRate: 1000 });
afterAll(() => web.close());

describe('the home page', () => {
  it('shows the latest titles, a subscribe form with topics and cadence, and the feeds, with safe headers', async () => {
    const response = await fetch(`${web.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toContain('<input id="email" name="email" type="email"');
    expect(html).toContain('<input type="checkbox" name="topics" value="Robotics">');
    expect(html).toContain('<input type="radio" name="cadence" value="weekly">');
    expect(html).toContain('Tiny Kites: Flying Small Models');
    expect(html).toMatch(/<link rel="alternate" type="application\/atom\+xml" [^>]*href="http:\/\/127\.0\.0\.1:\d+\/feeds\/atom\.xml">/);
    expect(html).toContain('name="csrf"');
  });
});

describe('subscribing', () => {
  it('answers the same page for a new, pending, confirmed and unsubscribed address, and mails each', async () => {
    const confirmed = (await web.store.add({ email: 'confirmed@example.org', status: 'confirmed', source: 'test' })).subscriber;
    const gone = (await web.store.add({ email: 'gone@example.org', status: 'confirmed', source: 'test' })).subscriber;
    await web.store.setStatus(gone.id, 'unsubscribed', 'test');
    const pages = new Set<string>();
    for (const email of ['new@example.org', 'new@example.org', 'confirmed@example.org', 'gone@example.org']) {
      const response = await post(web, '/subscribe', { email, cadence: 'weekly', topics: ['Robotics', 'Not A Real Topic'] });
      expect(response.status).toBe(200);
      pages.add((await response.text()).replace(email, 'EMAIL'));
    }
    expect(pages.size).toBe(1);
    expect([...pages][0]).toContain('Check your inbox');
    expect(await web.store.find('new@example.org')).toMatchObject({
      status: 'pending',
      cadence: 'weekly',
      topics: ['Robotics'],
      source: 'web',
    });
    expect((await web.store.get(confirmed.id))?.status).toBe('confirmed');
    const mail = await web.mail();
    expect(mail.filter((m) => m.to === 'new@example.org').map((m) => m.subject)).toEqual([
      'Confirm your subscription to Daily Papers',
      'Confirm your subscription to Daily Papers',
    ]);
    expect(mail.find((m) => m.to === 'confirmed@example.org')?.subject).toBe('You are already subscribed to Daily Papers');
    expect(mail.find((m) => m.to === 'gone@example.org')?.text).toMatch(/\/confirm\?token=c/);
  });

  it('sends at most three confirmation emails a day to one address', async () => {
    for (let i = 0; i < 5; i++) expect((await post(web, '/subscribe', { email: 'eager@example.org' })).status).toBe(200);
    expect((await web.mail()).filter((m) => m.to === 'eager@example.org')).toHaveLength(3);
  });

  it('refuses malformed, enormous and header-injecting addresses with a 400 that echoes nothing raw', async () => {
    for (const email of [
      'not-an-address',
      `${'a'.repeat(300)}@example.org`,
      'a@example.org\r\nBcc: victim@example.org',
      '<script>alert(1)</script>@example.org',
      '',
    ]) {
      const response = await post(web, '/subscribe', { email });
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain('Please check the address');
      expect(html).not.toContain('<script>alert');
    }
    expect((await web.mail()).some((m) => m.to.includes('victim'))).toBe(false);
  });

  it('refuses a form posted from another site, and takes one with a form token from a client that says nothing', async () => {
    expect((await post(web, '/subscribe', { email: 'x@example.org' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(web, '/subscribe', { email: 'x@example.org' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post(web, '/subscribe', { email: 'x@example.org' }, {})).status).toBe(403);
    expect((await post(web, '/subscribe', { email: 'x@example.org', csrf: csrfToken(SECRET, Date.now()) }, {})).status).toBe(200);
  });

  it('refuses a huge body with 413', async () => {
    const response = await post(web, '/subscribe', { email: 'big@example.org', filler: 'x'.repeat(100_000) });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('too large');
  });
});

describe('links from emails', () => {
  it('confirm: a GET shows a button and changes nothing; the POST confirms', async () => {
    const { subscriber } = await web.store.add({ email: 'confirm-me@example.org', source: 'test' });
    const link = await web.token('confirm', subscriber.id, Date.now() / 1000 + 3600);
    const page = await fetch(`${web.url}/confirm?token=${link}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Confirm my subscription');
    expect((await web.store.get(subscriber.id))?.status).toBe('pending');
    const done = await post(web, '/confirm', { token: link });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('confirm-me@example.org will receive Daily Papers every day, with papers on every topic.');
    expect((await web.store.get(subscriber.id))?.status).toBe('confirmed');
  });

  it('answers a tampered, expired, foreign or unknown token with a 400 page that says what to do', async () => {
    const { subscriber } = await web.store.add({ email: 'links@example.org', source: 'test' });
    const cases = [
      `/confirm?token=${(await web.token('confirm', subscriber.id, Date.now() / 1000 + 60)).replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`,
      `/confirm?token=${await web.token('confirm', subscriber.id, Date.now() / 1000 - 60)}`,
      `/unsubscribe?token=${await web.token('preferences', subscriber.id)}`,
      `/preferences?token=${await web.token('preferences', 999_999)}`,
      '/unsubscribe?token=%3Cscript%3E',
      '/preferences',
    ];
    for (const path of cases) {
      const response = await fetch(`${web.url}${path}`);
      expect([path, response.status]).toEqual([path, 400]);
      const html = await response.text();
      expect(html).toContain('This link does not work');
      expect(html).toContain('Go to the home page');
      expect(html).not.toContain('<script>');
    }
    expect((await web.store.get(subscriber.id))?.status).toBe('pending');
  });

  it('unsubscribe: a GET changes nothing; RFC 8058 one-click answers 200 with no redirect and no cookie, every time', async () => {
    const { subscriber } = await web.store.add({ email: 'leaving@example.org', status: 'confirmed', source: 'test' });
    const link = await web.token('unsubscribe', subscriber.id);
    const page = await fetch(`${web.url}/unsubscribe?token=${link}`);
    expect(await page.text()).toContain('Or get fewer emails');
    expect((await web.store.get(subscriber.id))?.status).toBe('confirmed');
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${web.url}/unsubscribe?token=${link}`, {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        redirect: 'manual',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('set-cookie')).toBeNull();
      expect((await web.store.get(subscriber.id))?.status).toBe('unsubscribed');
    }
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const again = (await web.store.add({ email: 'multipart@example.org', status: 'confirmed', source: 'test' })).subscriber;
    const multipart = await fetch(`${web.url}/unsubscribe?token=${await web.token('unsubscribe', again.id)}`, {
      method: 'POST',
      body: form,
    });
    expect(multipart.status).toBe(200);
    expect((await web.store.get(again.id))?.status).toBe('unsubscribed');
  });

  it('unsubscribe from the page, then subscribe again from the page it shows, through a fresh confirmation', async () => {
    const { subscriber } = await web.store.add({ email: 'undecided@example.org', status: 'confirmed', source: 'test' });
    const link = await web.token('unsubscribe', subscriber.id);
    const gone = await post(web, '/unsubscribe', { token: link });
    expect(await gone.text()).toContain('Subscribe again');
    expect((await web.store.get(subscriber.id))?.status).toBe('unsubscribed');
    const again = await post(web, '/resubscribe', { token: link });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Check your inbox');
    expect((await web.store.get(subscriber.id))?.status).toBe('unsubscribed');
    const confirmation = (await web.mail()).filter((m) => m.to === 'undecided@example.org').at(-1);
    const confirmLink = /\/confirm\?token=([a-z0-9-]+)/.exec(confirmation?.text ?? '')?.[1] ?? '';
    expect((await post(web, '/confirm', { token: confirmLink })).status).toBe(200);
    expect((await web.store.get(subscriber.id))?.status).toBe('confirmed');
  });

  it('preferences: shows the topics and cadence, and saves them on POST', async () => {
    const { subscriber } = await web.store.add({ email: 'picky@example.org', status: 'confirmed', topics: ['Robotics'], source: 'test' });
    const link = await web.token('preferences', subscriber.id);
    const page = await (await fetch(`${web.url}/preferences?token=${link}`)).text();
    expect(page).toContain('<input type="checkbox" name="topics" value="Robotics" checked>');
    expect(page).toContain('<input type="checkbox" name="topics" value="Multimodal">');
    const saved = await post(web, '/preferences', { token: link, cadence: 'weekly', topics: ['Multimodal', 'Other'] });
    expect(await saved.text()).toContain(
      '<p class="saved" role="status"><strong>Saved.</strong> ' +
        'Daily Papers now comes to picky@example.org once a week, with papers on Multimodal and Other.</p>',
    );
    expect(await web.store.get(subscriber.id)).toMatchObject({ cadence: 'weekly', topics: ['Multimodal', 'Other'] });
  });
});

describe('bursts', () => {
  it('limits how often one client may post to /subscribe', async () => {
    const limited = await startWeb({ subscribeRate: 5 });
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post(limited, '/subscribe', { email: `burst${i}@example.org` }).then((r) => r.status)),
    );
    await limited.close();
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });
});
