import { randomBytes } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { paperboy } from '../helpers/cli.ts';
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

async function call(web: TestWeb, method: string, path: string, options: { body?: unknown; raw?: string; type?: string; token?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    body = options.raw ?? JSON.stringify(options.body);
    headers['content-type'] = options.type ?? 'application/json';
  }
  const response = await fetch(`${web.url}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const answer = { method: method.toLowerCase(), path: path.split('?')[0] as string, status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
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
      const basic = await fetch(`${web.url}/api/v1/status`, { headers: { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` } });
      expect(basic.status).toBe(401);
      expect((await call(web, 'GET', '/status')).status).toBe(200);
    });

    it('sends no CORS header to another origin, on a request or a preflight', async () => {
      const get = await call(web, 'GET', '/status', { headers: { origin: 'https://elsewhere.example' } });
      expect(get.status).toBe(200);
      const preflight = await fetch(`${web.url}/api/v1/subscribers`, {
        method: 'OPTIONS',
        headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
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
      const env = { PAPERBOY_DATA_DIR: config.dataDir, PAPERBOY_DIGESTS_DIR: config.digestsDir, PAPERBOY_OUT_DIR: config.outDir, PAPERBOY_SECRET: 'test-secret-0123456789abcdef' };
      const run = await paperboy(['status', '--json'], { env });
      expect(run.code).toBe(0);
      const printed = JSON.parse(run.stdout) as Record<string, unknown>;
      // The two readings are a moment apart: the next run may have moved on between them.
      expect({ ...(answer.body as object), nextPublication: null, nextWeekly: null }).toEqual({ ...printed, nextPublication: null, nextWeekly: null });
      expect(printed.attention).toEqual(['the newest digest, 2031-02-03, is not published yet']);
    });
  });
});
