import { randomBytes } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { paperboy } from '../helpers/cli.ts';
import { everyone } from '../helpers/dispatch.ts';
import { startWeb, type TestWeb } from '../helpers/web.ts';

const TOKEN = randomBytes(24).toString('base64url');

/** One answer of the API, kept to be checked against the OpenAPI document at the end. */
interface Answer {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  body: unknown;
}

const answers: Answer[] = [];

async function call(
  web: TestWeb,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; type?: string; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    body = options.raw ?? JSON.stringify(options.body);
    headers['content-type'] = options.type ?? 'application/json';
  }
  const response = await fetch(`${web.url}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const answer = {
    method: method.toLowerCase(),
    path: path.split('?')[0] as string,
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
  answers.push(answer);
  return answer;
}

const field = (answer: Answer) => (answer.body as { field?: string }).field;
const message = (answer: Answer) => (answer.body as { message: string }).message;

describe('the admin API', () => {
  let web: TestWeb;
  beforeAll(async () => {
    web = await startWeb({ adminToken: TOKEN });
  });
  afterAll(async () => {
    await web.close();
  });

  describe('who may use it', () => {
    it('answers 401 with no detail to a missing, wrong or malformed token, before it reads anything', async () => {
      const wrong = [null, 'x'.repeat(TOKEN.length), TOKEN.slice(1), `${TOKEN}x`, ''];
      for (const token of wrong) {
        const answer = await call(web, 'GET', '/status', { token });
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' });
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      }
      // A bad body or an unknown route tells nothing to a client without the token.
      expect((await call(web, 'POST', '/subscribers', { body: { nope: 1 }, token: 'wrong' })).status).toBe(401);
      expect((await call(web, 'GET', '/no-such-route', { token: null })).status).toBe(401);
      const basic = await fetch(`${web.url}/api/v1/status`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
      });
      expect(basic.status).toBe(401);
      expect((await call(web, 'GET', '/status')).status).toBe(200);
      const nowhere = await call(web, 'GET', '/no-such-route?x=1');
      expect([nowhere.status, message(nowhere)]).toEqual([404, 'GET /api/v1/no-such-route: there is no such route in the admin API']);
    });

    it('sends no CORS header to another origin, on a request or a preflight', async () => {
      const get = await call(web, 'GET', '/status', { headers: { origin: 'https://elsewhere.example' } });
      expect(get.status).toBe(200);
      const preflight = await fetch(`${web.url}/api/v1/subscribers`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://elsewhere.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
      for (const headers of [get.headers, preflight.headers]) {
        expect([...headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
      }
      expect(preflight.status).toBe(401);
    });

    it('is off without PAPERBOY_ADMIN_TOKEN, and refuses a short one without repeating it', async () => {
      const off = await startWeb();
      try {
        const response = await fetch(`${off.url}/api/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(response.status).toBe(404);
        expect(response.headers.get('content-type')).toContain('text/html');
      } finally {
        await off.close();
      }
      const short = 'short-admin-token-0123456789';
      let error: unknown;
      try {
        loadConfig({ PAPERBOY_ADMIN_TOKEN: short }, web.app.config.outDir);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('PAPERBOY_ADMIN_TOKEN: must be at least 32 characters');
      expect((error as Error).message).not.toContain(short);
    });
  });

  describe('status', () => {
    it('says what `paperboy status --json` says', async () => {
      const answer = await call(web, 'GET', '/status');
      expect(answer.status).toBe(200);
      const { config } = web.app;
      const env = {
        PAPERBOY_DATA_DIR: config.dataDir,
        PAPERBOY_DIGESTS_DIR: config.digestsDir,
        PAPERBOY_OUT_DIR: config.outDir,
        PAPERBOY_SECRET: 'test-secret-0123456789abcdef',
      };
      const run = await paperboy(['status', '--json'], { env });
      expect(run.status).toBe(0);
      const printed = JSON.parse(run.stdout) as Record<string, unknown>;
      // The two readings are a moment apart: the next run may have moved on between them.
      expect({ ...(answer.body as object), nextPublication: null, nextWeekly: null }).toEqual({
        ...printed,
        nextPublication: null,
        nextWeekly: null,
      });
      expect(printed.attention).toEqual(['the newest digest, 2031-02-03, is not published yet']);
    });
  });

  describe('subscribers', () => {
    it('adds a subscriber pending and mails them the confirmation, or confirmed when the operator vouches for them', async () => {
      const pending = await call(web, 'POST', '/subscribers', {
        body: { email: 'Ann@Example.org', name: 'Ann', topics: ['Robotics'], cadence: 'weekly' },
      });
      expect(pending.status).toBe(201);
      const added = pending.body as { subscriber: Record<string, unknown>; confirmation: string };
      expect(added.confirmation).toBe('sent');
      expect(added.subscriber).toMatchObject({
        email: 'Ann@Example.org',
        name: 'Ann',
        status: 'pending',
        topics: ['Robotics'],
        cadence: 'weekly',
        source: 'api',
      });
      const mail = await web.mail();
      expect(mail.map((m) => [m.to.toLowerCase(), m.subject])).toEqual([
        ['ann@example.org', expect.stringMatching(/^Confirm your subscription/)],
      ]);

      const vouched = await call(web, 'POST', '/subscribers', { body: { email: 'bob@example.org', confirmed: true } });
      expect(vouched.status).toBe(201);
      expect(vouched.body).toMatchObject({ confirmation: 'not needed', subscriber: { status: 'confirmed', cadence: 'daily', topics: [] } });
      expect(await web.mail()).toHaveLength(1);
      expect((await web.store.find('bob@example.org'))?.status).toBe('confirmed');
    });

    it('refuses an address already on the list, or one that is not an address, naming the field', async () => {
      const again = await call(web, 'POST', '/subscribers', { body: { email: 'ann@example.org' } });
      expect(again.status).toBe(409);
      expect(message(again)).toMatch(/^Ann@Example\.org: already on the list as subscriber \d+ \(pending\)$/);
      const astrology = await call(web, 'POST', '/subscribers', { body: { email: 'zed@example.org', topics: ['Astrology'] } });
      expect([astrology.status, field(astrology)]).toEqual([400, 'body.topics.0']);
      expect(await web.store.find('zed@example.org')).toBeUndefined();
      const bad = await call(web, 'POST', '/subscribers', { body: { email: 'not an address' } });
      expect([bad.status, field(bad)]).toEqual([400, 'body.email']);
      expect(message(bad)).toMatch(/^body\.email: the address /);
    });

    it('refuses an address at a reserved name, pending or vouched for, as the subscribe form does', async () => {
      const before = (await web.mail()).length;
      for (const [email, confirmed] of [
        ['x@localhost', false],
        ['x@mail.example.invalid', false],
        ['x@printer.local', true],
        ['x@box.test', true],
      ] as const) {
        const answer = await call(web, 'POST', '/subscribers', { body: { email, confirmed } });
        expect([answer.status, field(answer)]).toEqual([400, 'body.email']);
        expect(message(answer)).toMatch(/^body\.email: the address is (at localhost|under \.\w+)/);
        expect(await web.store.find(email)).toBeUndefined();
      }
      expect(await web.mail()).toHaveLength(before);
    });

    it('validates every input: unknown fields, types, sizes, JSON itself, and the content type', async () => {
      const cases: [unknown, string, RegExp][] = [
        [{ email: 'c@example.org', admin: true }, 'body.admin', /is not a field this takes/],
        [{ name: 'no address' }, 'body.email', /is required/],
        [{ email: 'c@example.org', cadence: 'hourly' }, 'body.cadence', /allowed values/],
        [
          { email: 'c@example.org', topics: Array.from({ length: 51 }, (_, i) => `t${i}`) },
          'body.topics',
          /must NOT have more than 50 items/,
        ],
        [{ email: 'c@example.org', topics: ['x'.repeat(101)] }, 'body.topics.0', /must NOT have more than 100 characters/],
        [{ email: `${'c'.repeat(250)}@example.org` }, 'body.email', /must NOT have more than 254 characters/],
        [{ email: 'c@example.org', confirmed: 'yes' }, 'body.confirmed', /must be boolean/],
        [['c@example.org'], 'body', /must be object/],
      ];
      for (const [body, name, why] of cases) {
        const answer = await call(web, 'POST', '/subscribers', { body });
        expect([answer.status, field(answer)], JSON.stringify(body).slice(0, 80)).toEqual([400, name]);
        expect(message(answer)).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}: `));
        expect(message(answer)).toMatch(why);
      }
      const broken = await call(web, 'POST', '/subscribers', { raw: '{"email": "c@example.org"' });
      expect([broken.status, field(broken), message(broken)]).toEqual([400, 'body', 'body: is not valid JSON']);
      const empty = await call(web, 'POST', '/subscribers', { raw: '' });
      expect([empty.status, field(empty), message(empty)]).toEqual([400, 'body', 'body: must be object']);
      const form = await call(web, 'POST', '/subscribers', { raw: 'email=c%40example.org', type: 'application/x-www-form-urlencoded' });
      expect([form.status, field(form)]).toEqual([415, 'body']);
      const huge = await call(web, 'POST', '/subscribers', { raw: JSON.stringify({ email: 'c@example.org', name: 'x'.repeat(40_000) }) });
      expect(huge.status).toBe(413);
      expect(await web.store.find('c@example.org')).toBeUndefined();
    });

    it('lists the subscribers in pages, by status, through an opaque cursor, and never shows a token key', async () => {
      for (let i = 1; i <= 5; i++) await call(web, 'POST', '/subscribers', { body: { email: `page${i}@example.org`, confirmed: true } });
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const answer: Answer = await call(web, 'GET', `/subscribers?status=confirmed&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(answer.status).toBe(200);
        const page = answer.body as { items: { id: number; status: string }[]; next: string | null };
        expect(page.items.every((s) => s.status === 'confirmed')).toBe(true);
        seen.push(...page.items.map((s) => s.id));
        cursor = page.next;
        pages++;
      } while (cursor !== null);
      const confirmed = await everyone(web.store, 'confirmed');
      expect(seen).toEqual(confirmed.map((s) => s.id));
      expect(pages).toBe(Math.ceil(confirmed.length / 2) + (confirmed.length % 2 === 0 ? 1 : 0));
      const all = await call(web, 'GET', '/subscribers');
      const text = JSON.stringify(all.body);
      expect((all.body as { items: unknown[] }).items).toHaveLength(await web.store.count());
      for await (const s of web.store.list()) expect(text).not.toContain(s.tokenKey);
      expect(text).not.toMatch(/token/i);
    });

    it('refuses a cursor it did not give, a limit out of bounds and an unknown parameter', async () => {
      for (const [query, name] of [
        ['cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
        [`cursor=${Buffer.from('issues:2031-01-01').toString('base64url')}`, 'query.cursor'],
        ['limit=0', 'query.limit'],
        ['limit=501', 'query.limit'],
        ['status=gone', 'query.status'],
        ['sort=email', 'query.sort'],
      ]) {
        const answer = await call(web, 'GET', `/subscribers?${query}`);
        expect([answer.status, field(answer)], query).toEqual([400, name]);
      }
    });

    it('reads, changes, removes and erases one subscriber by id; an unknown id is 404', async () => {
      const ann = await web.store.find('ann@example.org');
      if (!ann) throw new Error('ann is not on the list');
      const read = await call(web, 'GET', `/subscribers/${ann.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: ann.id, email: ann.email, status: 'pending' });
      expect(Object.keys(read.body as object)).not.toContain('tokenKey');

      // Topics are the digests' own, named as they name them; one no digest carries is refused, by its place.
      const changed = await call(web, 'PATCH', `/subscribers/${ann.id}`, { body: { topics: ['Other', 'robotics'], cadence: 'daily' } });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ topics: ['Other', 'Robotics'], cadence: 'daily' });
      expect(await web.store.get(ann.id)).toMatchObject({ topics: ['Other', 'Robotics'], cadence: 'daily' });
      const unknown = await call(web, 'PATCH', `/subscribers/${ann.id}`, { body: { topics: ['Robotics', 'Astrology'] } });
      expect([unknown.status, field(unknown), message(unknown)]).toEqual([
        400,
        'body.topics.1',
        'body.topics.1: "Astrology" is not a topic of any digest',
      ]);
      expect((await web.store.get(ann.id))?.topics).toEqual(['Other', 'Robotics']);
      const cadenceOnly = await call(web, 'PATCH', `/subscribers/${ann.id}`, { body: { cadence: 'weekly' } });
      expect(cadenceOnly.body).toMatchObject({ topics: ['Other', 'Robotics'], cadence: 'weekly' });
      for (const body of [{}, { status: 'confirmed' }, { email: 'other@example.org' }]) {
        expect((await call(web, 'PATCH', `/subscribers/${ann.id}`, { body })).status, JSON.stringify(body)).toBe(400);
      }
      expect((await web.store.get(ann.id))?.status).toBe('pending');

      const missing = 999_999;
      for (const [method, path, body] of [
        ['GET', `/subscribers/${missing}`],
        ['PATCH', `/subscribers/${missing}`, { cadence: 'daily' }],
        ['DELETE', `/subscribers/${missing}`],
        ['POST', `/subscribers/${missing}/erase`],
      ] as const) {
        const answer = await call(web, method, path, body === undefined ? {} : { body });
        expect([answer.status, message(answer)], `${method} ${path}`).toEqual([404, `subscriber ${missing}: there is no such subscriber`]);
      }
      for await (const id of ['abc', '0', '-1', '1.5']) {
        const answer = await call(web, 'GET', `/subscribers/${id}`);
        expect([answer.status, field(answer)], id).toEqual([400, 'path.id']);
      }

      const page1 = await web.store.find('page1@example.org');
      // A client that labels every request JSON sends an empty body: that is no body, not bad JSON.
      expect((await call(web, 'DELETE', `/subscribers/${page1?.id}`, { raw: '' })).status).toBe(204);
      expect(await web.store.find('page1@example.org')).toBeUndefined();
      expect((await call(web, 'GET', `/subscribers/${page1?.id}`)).status).toBe(404);
      expect((await call(web, 'DELETE', `/subscribers/${page1?.id}`)).status).toBe(404);

      const erased = await call(web, 'POST', `/subscribers/${ann.id}/erase`);
      expect(erased.status).toBe(204);
      expect(await web.store.get(ann.id)).toBeUndefined();
      expect(await web.app.suppressions.reason('ann@example.org')).toBe('erased');
      // Only its owner brings an erased address back: the operator cannot vouch for it.
      const back = await call(web, 'POST', '/subscribers', { body: { email: 'ann@example.org', confirmed: true } });
      expect(back.status).toBe(409);
      expect(message(back)).toContain('only its owner can subscribe it again');
    });
  });

  describe('issues and dispatches', () => {
    type Issue = {
      issue: string;
      sent: number;
      failed: number;
      doubt: number;
      bounced: number;
      complained: number;
      unsubscribed: number;
      mailed: boolean;
    };
    const issues = async () => ((await call(web, 'GET', '/issues')).body as { items: Issue[] }).items;

    it('dry-runs a dispatch into the outbox without touching the ledger; an unknown or malformed date is refused', async () => {
      const before = (await web.mail()).length;
      const dry = await call(web, 'POST', '/dispatch', { body: { date: '2031-01-05', dryRun: true } });
      expect(dry.status).toBe(200);
      const confirmedDaily = (await everyone(web.store, 'confirmed')).filter((s) => s.cadence === 'daily').length;
      expect(dry.body).toMatchObject({ issue: '2031-01-05', outcome: 'dry run', written: confirmedDaily, none: 0 });
      expect((await web.mail()).length).toBe(before + confirmedDaily);
      expect(await issues()).toEqual([]);
      const unknown = await call(web, 'POST', '/dispatch', { body: { date: '2030-01-01' } });
      expect([unknown.status, field(unknown)]).toEqual([404, 'body.date']);
      for (const date of ['2031-13-45', '2031-02-30']) {
        const impossible = await call(web, 'POST', '/dispatch', { body: { date, dryRun: true } });
        expect([impossible.status, field(impossible), message(impossible)]).toEqual([
          400,
          'body.date',
          `body.date: ${date} is not a day of the calendar (YYYY-MM-DD)`,
        ]);
      }
      for await (const body of [{ date: 'tomorrow' }, { date: '2031-02-03', force: true }, { dryRun: 'maybe' }]) {
        const answer = await call(web, 'POST', '/dispatch', { body });
        expect(answer.status, JSON.stringify(body)).toBe(400);
      }
    });

    it('answers 409 while another dispatch holds the lock, and sends nothing', async () => {
      const lock = await web.app.ledger.acquire('dispatch');
      try {
        const busy = await call(web, 'POST', '/dispatch', { body: {} });
        expect(busy.status).toBe(409);
        expect(message(busy)).toMatch(/^a dispatch is already running/);
      } finally {
        await lock.release();
      }
      expect(await web.app.ledger.rounds.lastRound()).toBeUndefined();
    });

    it('starts a dispatch in the background, answering 202 with its round; the issue then shows its deliveries', async () => {
      const confirmedDaily = (await everyone(web.store, 'confirmed')).filter((s) => s.cadence === 'daily');
      const before = new Set((await web.mail()).map((m) => m.file));
      const started = await call(web, 'POST', '/dispatch');
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ round: { issue: '2031-02-03', round: 0, status: 'running' }, queued: confirmedDaily.length });
      let last: Issue | undefined;
      for (let i = 0; i < 100 && last?.mailed !== true; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        last = (await issues())[0];
      }
      expect(last).toMatchObject({
        issue: '2031-02-03',
        mailed: true,
        sent: confirmedDaily.length,
        failed: 0,
        doubt: 0,
        bounced: 0,
        complained: 0,
        unsubscribed: 0,
      });
      const sent = (await web.mail()).filter((m) => !before.has(m.file));
      expect(sent.map((m) => m.to.toLowerCase()).sort()).toEqual(confirmedDaily.map((s) => s.email.toLowerCase()).sort());

      const again = await call(web, 'POST', '/dispatch', { body: { date: '2031-02-03' } });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ issue: '2031-02-03', outcome: 'already sent' });
    });

    it('counts what the readers of an issue did after it: bounces, complaints, unsubscriptions', async () => {
      const [first, second, third] = await everyone(web.store, 'confirmed');
      if (!first || !second || !third) throw new Error('three confirmed subscribers expected');
      await web.store.recordBounce(first.id, 'soft', 'mailbox full');
      await web.store.recordEvent(second.id, 'complaint', 'reported as spam');
      await web.store.setStatus(second.id, 'unsubscribed', 'complaint');
      await web.store.setStatus(third.id, 'unsubscribed', 'unsubscribe link');
      const [issue] = await issues();
      expect(issue).toMatchObject({ issue: '2031-02-03', bounced: 1, complained: 1, unsubscribed: 2 });
      const page = await call(web, 'GET', '/issues?limit=1');
      expect((page.body as { next: string | null }).next).not.toBeNull();
      const rest = await call(web, 'GET', `/issues?limit=1&cursor=${(page.body as { next: string }).next}`);
      expect(rest.body).toEqual({ items: [], next: null });
      expect((await call(web, 'GET', '/issues?limit=201')).status).toBe(400);
    });
  });

  describe('its OpenAPI document', () => {
    it('is a valid OpenAPI 3.1 document with every route, and every answer above matches its response schema', async () => {
      const answer = await call(web, 'GET', '/openapi.json');
      expect(answer.status).toBe(200);
      const document = answer.body as {
        openapi: string;
        paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
      };
      const validator = new Validator();
      const result = await validator.validate(document as unknown as Parameters<Validator['validate']>[0]);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(document.openapi).toBe('3.1.0');
      expect(Object.keys(document.paths).sort()).toEqual([
        '/api/v1/dispatch',
        '/api/v1/issues',
        '/api/v1/report',
        '/api/v1/status',
        '/api/v1/subscribers',
        '/api/v1/subscribers/{id}',
        '/api/v1/subscribers/{id}/erase',
      ]);

      const ajv = new Ajv2020({ strict: false, allErrors: true });
      ajv.addSchema({ ...document, $id: 'openapi.json' });
      const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
      let checked = 0;
      const statuses = new Set<string>();
      for (const a of answers) {
        if (a.path === '/openapi.json' || a.path === '/no-such-route') continue;
        const template = `/api/v1${a.path.replace(/\/subscribers\/[^/]+/, '/subscribers/{id}')}`;
        const operation = document.paths[template]?.[a.method];
        expect(operation, `${a.method} ${template}`).toBeDefined();
        const response = operation?.responses[String(a.status)];
        expect(response, `${a.method} ${template} ${a.status}`).toBeDefined();
        const content = response?.content?.['application/json'];
        if (a.body === undefined) {
          expect(a.status, `${a.method} ${template}`).toBe(204);
          continue;
        }
        expect(content, `${a.method} ${template} ${a.status}: a JSON body`).toBeDefined();
        const validate = ajv.getSchema(
          `openapi.json#/${pointer('paths', template, a.method, 'responses', String(a.status), 'content', 'application/json', 'schema')}`,
        );
        expect(validate, `${a.method} ${template} ${a.status}: a schema`).toBeDefined();
        expect(validate?.(a.body) ? [] : validate?.errors, `${a.method} ${template} ${a.status}`).toEqual([]);
        statuses.add(`${a.method} ${template} ${a.status}`);
        checked++;
      }
      expect(checked).toBeGreaterThan(50);
      for (const seen of [
        'get /api/v1/status 200',
        'get /api/v1/subscribers 200',
        'post /api/v1/subscribers 201',
        'get /api/v1/subscribers/{id} 200',
        'patch /api/v1/subscribers/{id} 200',
        'get /api/v1/issues 200',
        'post /api/v1/dispatch 202',
        'post /api/v1/dispatch 200',
        'post /api/v1/dispatch 409',
        'post /api/v1/subscribers 400',
        'get /api/v1/subscribers/{id} 404',
      ]) {
        expect(statuses, seen).toContain(seen);
      }
    });
  });
});

describe('the admin API rate', () => {
  it('limits each client to its requests a minute, wrong tokens included, with a JSON 429; the token is never logged', async () => {
    const lines: string[] = [];
    const web = await startWeb({ adminToken: TOKEN, adminRate: 3, log: createLogger('debug', (line) => lines.push(line)) });
    try {
      expect((await call(web, 'GET', '/status')).status).toBe(200);
      expect((await call(web, 'GET', '/status', { token: 'wrong' })).status).toBe(401);
      expect((await call(web, 'GET', '/issues')).status).toBe(200);
      const limited = await call(web, 'GET', '/status');
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await call(web, 'GET', '/status', { token: 'wrong' })).status).toBe(429);
      // The web's own pages are not counted against it.
      expect((await fetch(`${web.url}/healthz`)).status).toBe(200);
    } finally {
      await web.close();
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes(TOKEN))).toEqual([]);
  });
});

describe('the admin API with PAPERBOY_ALLOW_RESERVED_ADDRESSES', () => {
  it('takes an address at a reserved name, for testing', async () => {
    const web = await startWeb({ adminToken: TOKEN, env: { PAPERBOY_ALLOW_RESERVED_ADDRESSES: 'true' } });
    try {
      const answer = await call(web, 'POST', '/subscribers', { body: { email: 'x@box.test', confirmed: true } });
      expect(answer.status).toBe(201);
      expect((await web.store.find('x@box.test'))?.status).toBe('confirmed');
    } finally {
      await web.close();
    }
  });
});
