import { existsSync, readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import cron from 'node-cron';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { invocationOf, type Invocation } from './hints.ts';

const port = z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0).max(65535);
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'is not a known time zone');

const cronExpression = z.string().refine((e) => cron.validate(e), 'is not a cron expression (five or six fields, e.g. "0 8 * * *")');
const duration = z.string().regex(/^\d+(?:\.\d+)?\s*[smhd]$/, 'must be a duration such as 2d, 36h, 90m or 30s');

/** The rate of mail to some recipient domains: `gmail.com,googlemail.com=20/s`, a group per `;`. */
export interface DomainRate {
  readonly domains: readonly string[];
  readonly perSecond: number;
}

/** `PAPERBOY_DOMAIN_RATES` read, or undefined when it does not make sense. */
export function domainRatesOf(text: string): DomainRate[] | undefined {
  const rates: DomainRate[] = [];
  for (const group of text
    .split(';')
    .map((g) => g.trim())
    .filter(Boolean)) {
    const m = /^([^=]+)=\s*(\d+(?:\.\d+)?)\s*\/\s*s$/i.exec(group);
    const domains = (m?.[1] ?? '')
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean);
    const perSecond = Number(m?.[2]);
    if (m === null || domains.length === 0 || !(perSecond > 0) || domains.some((d) => !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(d)))
      return undefined;
    rates.push({ domains, perSecond });
  }
  return rates;
}

/** A duration like `2d`, `36h`, `90m`, `30s`, in milliseconds. */
export function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m?.[2] ?? 'd') as 's' | 'm' | 'h' | 'd'];
  return Number(m?.[1] ?? 0) * unit;
}

/** An address, or a network of them (`203.0.113.0/24`, `2001:db8::/32`). */
export interface AddressRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

// `192.0.2.10`, `192.0.2.0/24`, `2001:db8::1` or `2001:db8::/32`; undefined for anything else.
function addressRangeOf(text: string): AddressRange | undefined {
  const [address = '', prefix, extra] = text.trim().split('/');
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined || extra !== undefined) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  return bits >= 0 && bits <= max ? { address, prefix: bits, family } : undefined;
}

/** Which proxies in front of the web server are believed about the client's address (X-Forwarded-For). */
export type TrustProxy = false | number | readonly string[];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

// An address, a network (`10.0.0.0/8`, `fd00::/8`) or one of the named ranges.
function isProxyAddress(item: string): boolean {
  return PROXY_NAMES.has(item) || addressRangeOf(item) !== undefined;
}

const trustProxy = z
  .string()
  .refine(
    (text) => (/^\d{1,2}$/.test(text.trim()) ? Number(text) >= 1 : list(text).length > 0 && list(text).every(isProxyAddress)),
    'must be a number of proxies (1, 2, …) or their addresses or networks, comma-separated (such as 127.0.0.1 or 10.0.0.0/8,loopback)',
  );

/** The setting's value as the web server takes it: off, a count of hops, or the proxies' addresses. */
function trustProxyOf(text: string | undefined): TrustProxy {
  if (text === undefined) return false;
  return /^\d+$/.test(text.trim()) ? Number(text) : Object.freeze(list(text));
}

// Whether a URL's host is this machine's loopback, where a test receiver may listen over plain http.
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIPv4(bare) && bare.startsWith('127.'));
}

// What is wrong with one webhook URL, or undefined.
function webhookUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return undefined;
  return 'must be https:// (plain http:// only to this machine, such as http://127.0.0.1:9000/hook)';
}

const webhookUrls = z.string().superRefine((text, ctx) => {
  const urls = list(text);
  if (urls.length > 10) ctx.addIssue({ code: 'custom', message: 'takes at most 10 URLs' });
  urls.forEach((url, i) => {
    const problem = webhookUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: `URL ${i + 1} ${problem}` });
  });
});

// A Standard Webhooks secret: `whsec_` and base64 of 24 to 64 random bytes.
const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64 (such as the output of: echo whsec_$(openssl rand -base64 32))')
  .refine((text) => {
    const bytes = Buffer.from(text.slice('whsec_'.length), 'base64').length;
    return bytes >= 24 && bytes <= 64;
  }, 'must hold 24 to 64 bytes of base64 after whsec_ (echo whsec_$(openssl rand -base64 32) makes one)');
/** The daily mail schedule without a source, and with one: upstream archives commit around noon UTC on weekdays. */
const DEFAULT_SCHEDULE = '0 8 * * *';
const DEFAULT_SOURCE_SCHEDULE = '30 13 * * *';

/** Where digests come from: the digests folder, a git repository's branch and subfolder, or a URL pattern by day. */
export type DigestsSource =
  | { readonly kind: 'folder'; readonly path?: string }
  | { readonly kind: 'git'; readonly spec: string; readonly url: string; readonly branch: string | undefined; readonly subfolder: string }
  | { readonly kind: 'url'; readonly spec: string; readonly pattern: string };

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

// Plain http only to this machine (tests, a local mirror); anything else must be https.
function remoteProblem(url: URL): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return undefined;
  return url.protocol === 'http:' ? 'plain http is allowed only to this machine (localhost); use https' : 'must use https';
}

/** The digests source a setting names, or what is wrong with it. */
function sourceOf(text: string | undefined, cwd: string): DigestsSource | string {
  const spec = text?.trim();
  if (spec === undefined || spec === '') return { kind: 'folder' };
  if (spec.startsWith('git+')) {
    // git+URL#branch:subfolder; without a branch, a subfolder follows the last ':' after the path began.
    const hash = spec.indexOf('#');
    let [url, branch, subfolder] = [spec.slice(4), undefined as string | undefined, ''];
    if (hash >= 0) {
      url = spec.slice(4, hash);
      const rest = spec.slice(hash + 1);
      const colon = rest.indexOf(':');
      [branch, subfolder] = colon < 0 ? [rest, ''] : [rest.slice(0, colon), rest.slice(colon + 1)];
    } else {
      const pathStart = url.indexOf('/', url.indexOf('//') + 2);
      const colon = url.lastIndexOf(':');
      if (pathStart >= 0 && colon > pathStart) [url, subfolder] = [url.slice(0, colon), url.slice(colon + 1)];
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'must be git+https://host/owner/repo[#branch][:subfolder]';
    }
    const wrong = remoteProblem(parsed);
    if (wrong) return wrong;
    if (branch === '' || (branch !== undefined && !/^[A-Za-z0-9._/-]+$/.test(branch))) return 'the branch after # is not a branch name';
    const folder = subfolder.replace(/^\/+|\/+$/g, '');
    if (folder.split('/').some((part) => part === '..' || part === '.')) return 'the subfolder after : must stay inside the repository';
    return { kind: 'git', spec, url, branch, subfolder: folder };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    let parsed: URL;
    try {
      parsed = new URL(spec.replace(/\{(yyyy|mm|dd)\}/g, '0'));
    } catch {
      return 'is not a URL';
    }
    const wrong = remoteProblem(parsed);
    if (wrong) return wrong;
    if (!['{yyyy}', '{mm}', '{dd}'].every((part) => spec.includes(part))) return 'a URL pattern must hold {yyyy}, {mm} and {dd}';
    return { kind: 'url', spec, pattern: spec };
  }
  if (!existsSync(resolve(cwd, spec)))
    return 'is neither a folder, git+https://host/owner/repo#branch:subfolder, nor an https URL pattern with {yyyy}/{mm}/{dd}';
  return { kind: 'folder', path: resolve(cwd, spec) };
}

/** A DKIM selector: a DNS label such as `paperboy` (dots allowed, as in `2026.mail`). */
export const DKIM_SELECTOR = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

const schema = z.object({
  PAPERBOY_SITE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://papers.example.org' }).optional(),
  PAPERBOY_PORT: port.default(8080),
  PAPERBOY_HOST: z
    .string()
    .regex(/^(?:[A-Za-z0-9.-]+|\[?[0-9A-Fa-f:.]+\]?)$/, 'must be an address to listen on, such as 127.0.0.1, 0.0.0.0 or ::')
    .default('127.0.0.1'),
  PAPERBOY_TRUST_PROXY: trustProxy.optional(),
  PAPERBOY_ALLOW_RESERVED_ADDRESSES: z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).optional(),
  PAPERBOY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PAPERBOY_ADMIN_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable characters without spaces')
    .optional(),
  PAPERBOY_TEMPLATES_DIR: z.string().min(1).optional(),
  PAPERBOY_FROM: z
    .string()
    .regex(/^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'must be "Name <address>" or an address')
    .default('Daily Papers <papers@localhost>'),
  PAPERBOY_SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be smtp://user:pass@host:port or smtps://…' }).optional(),
  PAPERBOY_SMTP_CONNECTIONS: z.coerce.number({ error: 'must be a whole number from 1 to 50' }).int().min(1).max(50).default(5),
  PAPERBOY_SMTP_RATE: z.coerce.number({ error: 'must be a number of messages per second (0 for no limit)' }).min(0).default(0),
  PAPERBOY_SMTP_ATTEMPTS: z.coerce.number({ error: 'must be a whole number from 1 to 20' }).int().min(1).max(20).default(4),
  PAPERBOY_SMTP_RETRY_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(0).default(2000),
  PAPERBOY_SMTP_TIMEOUT: duration.refine((text) => durationMs(text) >= 1000, 'must be a second or more').default('60s'),
  PAPERBOY_DOMAIN_RATES: z
    .string()
    .refine(
      (text) => domainRatesOf(text) !== undefined,
      'must be domain groups and their rates, such as gmail.com,googlemail.com=20/s;outlook.com,hotmail.com=10/s',
    )
    .optional(),
  PAPERBOY_SEND: z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be 1 or 0' }).optional(),
  PAPERBOY_SEND_LEASE: duration.refine((text) => durationMs(text) >= 600, 'must be 0.6s or more').default('30s'),
  PAPERBOY_SMTP_NAME: z
    .string()
    .regex(
      /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
      'must be a host name such as mail.example.org',
    )
    .optional(),
  PAPERBOY_SCHEDULE: cronExpression.optional(),
  PAPERBOY_WEEKLY_SCHEDULE: cronExpression.default('0 8 * * 1'),
  PAPERBOY_MAX_LATENESS: duration.default('2d'),
  PAPERBOY_REPEATS: z.enum(['mark', 'omit'], { error: 'must be mark or omit' }).default('mark'),
  PAPERBOY_WEBSUB_HUB: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of a WebSub hub' }).optional(),
  PAPERBOY_INBOUND_PORT: port.optional(),
  PAPERBOY_INBOUND_TRUSTED: z
    .string()
    .refine(
      (text) => list(text).every((item) => addressRangeOf(item) !== undefined),
      'must be addresses or networks, comma-separated (such as 192.0.2.10, 2001:db8::/64)',
    )
    .optional(),
  PAPERBOY_LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error', 'silent'], { error: 'must be debug, info, warn, error or silent' })
    .default('info'),
  PAPERBOY_LOG_FORMAT: z.enum(['json', 'text'], { error: 'must be json or text' }).optional(),
  PAPERBOY_TZ: timeZone.default('UTC'),
  PAPERBOY_DIGESTS_DIR: z.string().min(1).default('digests'),
  PAPERBOY_DIGESTS_SOURCE: z.string().min(1).optional(),
  PAPERBOY_SYNC_SCHEDULE: cronExpression.default('*/15 * * * *'),
  PAPERBOY_SYNC_SETTLE: duration.default('5m'),
  PAPERBOY_OUT_DIR: z.string().min(1).default('out'),
  PAPERBOY_DATA_DIR: z.string().min(1).default('data'),
  PAPERBOY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  PAPERBOY_DATABASE_URL: z
    .string()
    .refine(
      isPostgresUrl,
      'must be a postgres:// or postgresql:// URL (such as postgres://paperboy@db.example.org/paperboy); unset, the list is a SQLite file in PAPERBOY_DATA_DIR',
    )
    .optional(),
  PAPERBOY_DKIM_KEY: z.string().optional(),
  PAPERBOY_WEBHOOK_URL: webhookUrls.optional(),
  PAPERBOY_WEBHOOK_SECRET: webhookSecret.optional(),
  PAPERBOY_WEBHOOK_INCLUDE_EMAIL: z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be 1 or 0' }).optional(),
  PAPERBOY_DKIM_SELECTOR: z
    .string()
    .refine(
      (text) => text.split(',').every((item) => DKIM_SELECTOR.test(item.trim())),
      'must be a selector such as paperboy, or a comma list of them',
    )
    .optional(),
  PAPERBOY_DKIM_DOMAIN: z
    .string()
    .regex(
      /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/,
      'must be a domain such as example.org',
    )
    .optional(),
});

/** Whether a URL names a PostgreSQL database: `postgres://…` or `postgresql://…` with a host or a socket folder. */
function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text.trim());
    // The driver decodes the user, the password and the database: a stray % would stop it.
    for (const part of [url.username, url.password, url.pathname]) decodeURIComponent(part);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && (url.host !== '' || url.searchParams.has('host'));
  } catch {
    return false;
  }
}

/** The DKIM keys to sign with (files and their selectors, in order), and the `d=` domain. */
export interface DkimSettings {
  readonly keys: readonly { readonly path: string; readonly selector: string }[];
  readonly domain: string;
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

// The keys of PAPERBOY_DKIM_KEY with their selectors, and what is wrong with them (each line names its
// variable). The files themselves are read by the part that signs, when a command needs them.
function dkimOf(values: Record<string, string | undefined>, cwd: string): { keys: DkimSettings['keys']; problems: string[] } {
  const paths = list(values.PAPERBOY_DKIM_KEY).map((path) => resolve(cwd, path));
  const given = list(values.PAPERBOY_DKIM_SELECTOR);
  const selectors = given.length > 0 ? given : paths.length <= 1 ? ['paperboy'] : [];
  const problems: string[] = [];
  if (paths.length > 0 && selectors.length !== paths.length) {
    problems.push(
      `PAPERBOY_DKIM_SELECTOR: ${paths.length} keys in PAPERBOY_DKIM_KEY need ${paths.length} selectors, ` +
        `comma-separated in the same order (such as paperboy-rsa,paperboy-ed25519); got ${given.length}`,
    );
  } else if (new Set(selectors.map((s) => s.toLowerCase())).size < selectors.length) {
    problems.push('PAPERBOY_DKIM_SELECTOR: each key needs a selector of its own');
  }
  return { keys: paths.map((path, i) => ({ path, selector: selectors[i] ?? 'paperboy' })), problems };
}

/** Where webhook events go, what signs them, and whether they carry subscribers' addresses. */
export interface WebhookSettings {
  /** The receivers; none: no event is written at all. */
  readonly urls: readonly string[];
  /** The Standard Webhooks secret (`whsec_…`); set whenever `urls` are. */
  readonly secret: string;
  readonly includeEmail: boolean;
}

/** What every output needs to know about the site: its address, the newsletter's name, the language. */
export interface Site {
  readonly url: string;
  readonly title: string;
  readonly language: string;
}

/** The sender, and the parts the list's own addresses (VERP, mailto, Reply-To) are made from. */
export interface Sender {
  /** As given: `Name <address>` or an address; the From header of every message. */
  readonly from: string;
  readonly address: string;
  readonly local: string;
  readonly domain: string;
}

/** The parts of a sender setting. */
export function senderOf(from: string): Sender {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
  const at = address.lastIndexOf('@');
  return { from, address, local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** The settings, validated once and frozen. */
export interface Config {
  readonly siteUrl: string;
  /** The newsletter's name: the display name of PAPERBOY_FROM. */
  readonly title: string;
  /** The site as every output sees it (address, name, language). */
  readonly site: Site;
  readonly port: number;
  /** Where the web server and the inbound receiver listen (loopback unless told otherwise). */
  readonly host: string;
  /** The proxies in front of the web server whose X-Forwarded-For is believed (off: none). */
  readonly trustProxy: TrustProxy;
  /** Whether the subscribe form takes addresses at reserved names (`localhost`, `.test`…), for testing. */
  readonly allowReservedAddresses: boolean;
  /** The bearer token `/metrics` asks for; without one, `/metrics` is off. */
  readonly metricsToken: string | undefined;
  /** The bearer token of the admin API under /api/v1 (without one, the API is off). */
  readonly adminToken: string | undefined;
  /** The templates folder: PAPERBOY_TEMPLATES_DIR, else the project's own (undefined here). */
  readonly templatesDir: string | undefined;
  /** How the user runs paperboy here, for the commands messages suggest: `paperboy` when on PATH, else `npm run paperboy --`. */
  readonly invocation: Invocation;
  /** What was noticed about the settings without stopping: a `PAPERBOY_` name that is no setting. */
  readonly warnings: readonly string[];
  readonly from: string;
  readonly sender: Sender;
  readonly smtpUrl: string | undefined;
  /** SMTP connections kept open at once, and the most messages a second (0: no limit). */
  readonly smtpConnections: number;
  readonly smtpRate: number;
  /** Attempts per message on temporary failures, and the first wait between them (doubling). */
  readonly smtpAttempts: number;
  readonly smtpRetryMs: number;
  /** The longest wait for the relay: to connect, to greet, to answer each command. */
  readonly smtpTimeoutMs: number;
  /** The name paperboy gives itself in EHLO: PAPERBOY_SMTP_NAME, else the From domain. */
  readonly smtpName: string;
  readonly schedule: string;
  readonly weeklySchedule: string;
  /** A digest older than this is published on the web but not mailed (unless dispatched with --force). */
  readonly maxLatenessMs: number;
  readonly maxLateness: string;
  /** What the email does with a paper an earlier issue already carried: mark it, or omit it. */
  readonly repeats: 'mark' | 'omit';
  readonly websubHub: string | undefined;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** How log lines are written: PAPERBOY_LOG_FORMAT, else text on a terminal and JSON elsewhere. */
  readonly logFormat: 'json' | 'text';
  /** Where the inbound SMTP receiver listens; `start` runs it only when this is set. */
  readonly inboundPort: number | undefined;
  /** The operator's own forwarding mail servers: the inbound receiver holds them to no per-client limit. */
  readonly inboundTrusted: readonly AddressRange[];
  readonly timeZone: string;
  readonly digestsDir: string;
  /** Where digests come from: the digests folder itself, a git repository, or a URL pattern. */
  readonly source: DigestsSource;
  /** When `start` fetches from the source (with one set). */
  readonly syncSchedule: string;
  /** How long a new file must stay unchanged upstream before it is mailed. */
  readonly syncSettleMs: number;
  readonly outDir: string;
  readonly dataDir: string;
  readonly secret: string | undefined;
  /** The PostgreSQL database the list and the ledger are kept in (several processes may share it); unset: the SQLite file in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Rates of mail to some recipient domains, kept by every sender together (with PostgreSQL; per process on SQLite: unused). */
  readonly domainRates: readonly DomainRate[];
  /** Whether `start` and `dispatch` send what they queue (with PostgreSQL, `0` leaves it to `paperboy worker`). */
  readonly send: boolean;
  /** How long a sender holds the deliveries it claimed without renewing (it renews every third of it). */
  readonly sendLeaseMs: number;
  /** The DKIM keys every message is signed with (none: unsigned), and the signing domain. */
  readonly dkim: DkimSettings;
  readonly webhooks: WebhookSettings;
}

// Their values may hold passwords, so messages never repeat them.
const SECRET_VARIABLES = new Set([
  'PAPERBOY_SMTP_URL',
  'PAPERBOY_SECRET',
  'PAPERBOY_DATABASE_URL',
  'PAPERBOY_METRICS_TOKEN',
  'PAPERBOY_ADMIN_TOKEN',
  'PAPERBOY_WEBHOOK_URL',
  'PAPERBOY_WEBHOOK_SECRET',
]);

// How many single-character edits turn one name into the other.
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** A warning for each `PAPERBOY_` name that is no setting, naming the closest real one. */
function unknownSettings(names: readonly string[]): string[] {
  const known = Object.keys(schema.shape);
  return names
    .filter((name) => name.startsWith('PAPERBOY_') && !known.includes(name))
    .map((name) => {
      const closest = [...known].sort((a, b) => distance(name, a) - distance(name, b))[0] ?? '';
      return `${name} is not a setting, so it is ignored; did you mean ${closest}?`;
    });
}

function readDotEnv(cwd: string): Record<string, string> {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

/**
 * The log format asked for by name (PAPERBOY_LOG_FORMAT, from the environment or `.env`), if it is
 * one: read on its own, so that even a run whose other settings are wrong can say so in that format.
 */
export function askedLogFormat(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): 'json' | 'text' | undefined {
  const value = (env.PAPERBOY_LOG_FORMAT ?? readDotEnv(cwd).PAPERBOY_LOG_FORMAT)?.trim();
  return value === 'json' || value === 'text' ? value : undefined;
}

/** What the settings' defaults depend on besides the environment: whether standard error is a terminal. */
export interface Surroundings {
  terminal?: boolean;
}

/** Reads the `PAPERBOY_` settings from the environment and `.env`; a bad value names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), around: Surroundings = {}): Config {
  const merged: Record<string, string | undefined> = { ...readDotEnv(cwd) };
  for (const [key, value] of Object.entries(env)) if (key.startsWith('PAPERBOY_')) merged[key] = value;
  for (const key of Object.keys(merged)) if (merged[key] === '') delete merged[key];
  const parsed = schema.safeParse(merged);
  // PATH is read only to say commands in the form that runs where the user is.
  const invocation = invocationOf(env.PATH);
  const dkim = dkimOf(merged, cwd);
  // What is wrong between settings, each line naming its variable.
  const problems = [...dkim.problems];
  if (list(merged.PAPERBOY_WEBHOOK_URL).length > 0 && merged.PAPERBOY_WEBHOOK_SECRET === undefined) {
    problems.push('PAPERBOY_WEBHOOK_SECRET: must be set when PAPERBOY_WEBHOOK_URL is (echo whsec_$(openssl rand -base64 32) makes one)');
  }
  // Every machine sharing one database must sign tokens and Message-IDs with one key: a key made on first run would be each machine's own.
  if (merged.PAPERBOY_DATABASE_URL !== undefined && merged.PAPERBOY_SECRET === undefined) {
    problems.push(
      'PAPERBOY_SECRET: must be set when PAPERBOY_DATABASE_URL is, the same on every machine that shares the database (openssl rand -base64 32 makes one)',
    );
  }
  const sourced = sourceOf(merged.PAPERBOY_DIGESTS_SOURCE, cwd);
  if (typeof sourced === 'string') problems.push(`PAPERBOY_DIGESTS_SOURCE: ${sourced} (got "${merged.PAPERBOY_DIGESTS_SOURCE ?? ''}")`);
  const lines = (parsed.success ? [] : parsed.error.issues).map((issue) => {
    const name = String(issue.path[0]);
    const shown = SECRET_VARIABLES.has(name) ? '' : ` (got "${merged[name] ?? ''}")`;
    return `  ${name}: ${issue.message}${shown}`;
  });
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`bad settings:\n${[...lines, ...problems.map((line) => `  ${line}`)].join('\n')}`);
  }
  const s = parsed.data;
  const source = sourced as DigestsSource;
  // Without an address of its own, the site is where the web server listens.
  const siteUrl = (s.PAPERBOY_SITE_URL ?? `http://localhost:${s.PAPERBOY_PORT || 8080}`).replace(/\/+$/, '');
  const title = /^\s*"?([^"<]*?)"?\s*</.exec(s.PAPERBOY_FROM)?.[1] || 'Daily Papers';
  return Object.freeze<Config>({
    siteUrl,
    title,
    site: Object.freeze({ url: siteUrl, title, language: 'en' }),
    port: s.PAPERBOY_PORT,
    host: s.PAPERBOY_HOST.replace(/^\[|\]$/g, ''),
    trustProxy: trustProxyOf(s.PAPERBOY_TRUST_PROXY),
    allowReservedAddresses: ['true', '1', 'yes'].includes(s.PAPERBOY_ALLOW_RESERVED_ADDRESSES ?? 'false'),
    metricsToken: s.PAPERBOY_METRICS_TOKEN,
    adminToken: s.PAPERBOY_ADMIN_TOKEN,
    templatesDir: s.PAPERBOY_TEMPLATES_DIR === undefined ? undefined : resolve(cwd, s.PAPERBOY_TEMPLATES_DIR),
    invocation,
    warnings: Object.freeze(unknownSettings(Object.keys(merged))),
    from: s.PAPERBOY_FROM,
    sender: Object.freeze(senderOf(s.PAPERBOY_FROM)),
    smtpUrl: s.PAPERBOY_SMTP_URL,
    smtpConnections: s.PAPERBOY_SMTP_CONNECTIONS,
    smtpRate: s.PAPERBOY_SMTP_RATE,
    smtpAttempts: s.PAPERBOY_SMTP_ATTEMPTS,
    smtpRetryMs: s.PAPERBOY_SMTP_RETRY_MS,
    smtpTimeoutMs: durationMs(s.PAPERBOY_SMTP_TIMEOUT),
    smtpName: s.PAPERBOY_SMTP_NAME ?? senderOf(s.PAPERBOY_FROM).domain,
    schedule: s.PAPERBOY_SCHEDULE ?? (source.kind === 'folder' ? DEFAULT_SCHEDULE : DEFAULT_SOURCE_SCHEDULE),
    weeklySchedule: s.PAPERBOY_WEEKLY_SCHEDULE,
    maxLatenessMs: durationMs(s.PAPERBOY_MAX_LATENESS),
    maxLateness: s.PAPERBOY_MAX_LATENESS,
    repeats: s.PAPERBOY_REPEATS,
    websubHub: s.PAPERBOY_WEBSUB_HUB,
    logLevel: s.PAPERBOY_LOG_LEVEL,
    logFormat: s.PAPERBOY_LOG_FORMAT ?? (around.terminal === true ? 'text' : 'json'),
    inboundPort: s.PAPERBOY_INBOUND_PORT,
    inboundTrusted: Object.freeze(list(s.PAPERBOY_INBOUND_TRUSTED).flatMap((item) => addressRangeOf(item) ?? [])),
    timeZone: s.PAPERBOY_TZ,
    // A folder named as the source is the digests folder, unless PAPERBOY_DIGESTS_DIR names one.
    digestsDir:
      source.kind === 'folder' && source.path !== undefined && merged.PAPERBOY_DIGESTS_DIR === undefined
        ? source.path
        : resolve(cwd, s.PAPERBOY_DIGESTS_DIR),
    source,
    syncSchedule: s.PAPERBOY_SYNC_SCHEDULE,
    syncSettleMs: durationMs(s.PAPERBOY_SYNC_SETTLE),
    outDir: resolve(cwd, s.PAPERBOY_OUT_DIR),
    dataDir: resolve(cwd, s.PAPERBOY_DATA_DIR),
    secret: s.PAPERBOY_SECRET,
    databaseUrl: s.PAPERBOY_DATABASE_URL?.trim(),
    send: ['true', '1', 'yes'].includes(s.PAPERBOY_SEND ?? '1'),
    domainRates: Object.freeze(domainRatesOf(s.PAPERBOY_DOMAIN_RATES ?? '') ?? []),
    sendLeaseMs: durationMs(s.PAPERBOY_SEND_LEASE),
    webhooks: Object.freeze({
      urls: Object.freeze(list(s.PAPERBOY_WEBHOOK_URL)),
      secret: s.PAPERBOY_WEBHOOK_SECRET ?? '',
      includeEmail: ['true', '1', 'yes'].includes(s.PAPERBOY_WEBHOOK_INCLUDE_EMAIL ?? '0'),
    }),
    dkim: Object.freeze({
      keys: dkim.keys,
      domain: s.PAPERBOY_DKIM_DOMAIN?.toLowerCase() ?? senderOf(s.PAPERBOY_FROM).domain.toLowerCase(),
    }),
  });
}
