/** How much a logger says: each level includes the ones after it. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** How a log line is written: one JSON object (for machines), or one readable line (for people). */
export type LogFormat = 'json' | 'text';

/** Structured logging: one event a line, with its time and level. */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** How a logger writes besides its level: the format (JSON by default) and its clock. */
export interface LogOptions {
  format?: LogFormat;
  now?: () => Date;
}

// A field whose name says it holds a credential is never written, whatever the level.
const SECRET_FIELD = /token|secret|password|authorization|cookie/i;

// A field's value fit for the log: credentials hidden; addresses and link tokens too unless `open` (debug).
function fitted(key: string, value: unknown, open: boolean): unknown {
  if (SECRET_FIELD.test(key) && value !== undefined && value !== null) return '[hidden]';
  if (typeof value === 'string') return open ? value : scrubbed(value);
  if (Array.isArray(value)) return value.map((item) => fitted('', item, open));
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([inner, item]) => [inner, fitted(inner, item, open)]));
  }
  return value;
}

// A value as `key=value` shows it: bare when it is one word, JSON-quoted otherwise.
function shown(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One event as a readable line: `2026-12-06 18:25:03 warn  event: message key=value …`. */
export function textLine(time: Date, level: LogLevel, event: string, fields: Record<string, unknown>): string {
  const { message, ...rest } = fields;
  const pairs = Object.entries(rest)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}=${shown(value)}`);
  const said = message === undefined ? '' : `: ${String(message).replace(/\s*\n\s*/g, ' ')}`;
  return `${time.toISOString().slice(0, 19).replace('T', ' ')} ${level.padEnd(5)} ${event}${said}${pairs.join('')}`;
}

/** A logger writing lines at `level` and above to `write`; below debug, no address or link token is written. */
export function createLogger(level: LogLevel, write: (line: string) => void, options: LogOptions = {}): Logger {
  const at = ORDER.indexOf(level);
  const open = level === 'debug';
  const now = options.now ?? (() => new Date());
  const log =
    (lvl: LogLevel) =>
    (event: string, given: Record<string, unknown> = {}) => {
      if (ORDER.indexOf(lvl) < at) return;
      const fields = fitted('', given, open) as Record<string, unknown>;
      const said = open ? event : scrubbed(event);
      const time = now();
      const line =
        options.format === 'text'
          ? textLine(time, lvl, said, fields)
          : JSON.stringify({ time: time.toISOString(), level: lvl, event: said, ...fields });
      write(`${line}\n`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** The logger the settings ask for (their level and format), writing to `write`. */
export function loggerFor(settings: { logLevel: LogLevel; logFormat: LogFormat }, write: (line: string) => void): Logger {
  return createLogger(settings.logLevel, write, { format: settings.logFormat });
}

/** A logger that says nothing. */
export const silentLogger: Logger = createLogger('silent', () => undefined);

// An address (`ann@example.org`, a list address with a token in it, a quoted local part, a domain
// literal, an `@` written `%40` in a link) and a link token (`u1a-0-<24 hex>`, in either case).
const ADDRESS = /(?:"[^"\r\n]*"|[^\s<>()[\]"',;:@]+)(?:@|%40)(?:\[[^\]\s]*\]|[^\s<>()[\]"',;:@%]+)/gi;
const TOKEN = /\b[cupb][0-9a-z]+-[0-9a-z]+-[0-9a-f]{24}\b|([?&]token=)[^&\s"']+/gi;

// A URL's scheme and user (`postgres://paperboy@`, `smtp://papers:PASSWORD@`): the operator's own
// settings, not a subscriber's address. The user stays; a password is hidden.
const URL_USER = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"<>:]+)(:[^\s/?#@"<>]*)?@/;
// Either, whichever comes first in a text.
const ADDRESS_OR_URL_USER = new RegExp(`${URL_USER.source}|${ADDRESS.source}`, 'gi');

/**
 * A text made fit for a log: every email address and every link token in it replaced by a
 * placeholder, and the password of a URL too; a URL's user and host stay (`postgres://paperboy@db:5432/…`).
 */
export function scrubbed(text: string): string {
  return text
    .replace(ADDRESS_OR_URL_USER, (_match, scheme: string | undefined, user: string | undefined, password: string | undefined) =>
      scheme === undefined ? '[address]' : `${scheme}${user}${password === undefined ? '' : ':***'}@`,
    )
    .replace(TOKEN, (_match, query: string | undefined) => (query === undefined ? '[token]' : `${query}[token]`));
}
