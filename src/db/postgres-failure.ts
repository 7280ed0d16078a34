import { DatabaseFailure } from './failure.ts';

/** A PostgreSQL URL's parts that messages may show, and the password they must never show. */
export interface ServerAddress {
  /** `postgres://user@host:port/database`: no password, no query. */
  readonly name: string;
  readonly user: string;
  readonly host: string;
  readonly port: string;
  readonly database: string;
  /** The password as written in the URL and as decoded (empty strings when there is none). */
  readonly secrets: readonly string[];
}

/** What messages may say about a `postgres://` or `postgresql://` URL; undefined when it is not one. */
export function serverAddressOf(url: string): ServerAddress | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return undefined;
  // The driver decodes each part: one it cannot decode (a stray %) is no URL it can use.
  if (![parsed.username, parsed.password, parsed.pathname].every(decodes)) return undefined;
  const user = decodeURIComponent(parsed.username);
  const host = parsed.hostname || 'localhost';
  const port = parsed.port || '5432';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  const secrets = [parsed.password, decodeURIComponent(parsed.password), parsed.searchParams.get('password') ?? ''].filter((s) => s !== '');
  const who = user === '' ? '' : `${encodeURIComponent(user)}@`;
  return { name: `${parsed.protocol}//${who}${parsed.host || host}/${encodeURIComponent(database)}`, user, host, port, database, secrets };
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** `text` with every appearance of a secret replaced. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

// The SQLSTATE of a server's error, or Node's code for a socket's.
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

const LOST = /Connection terminated|connection error|not queryable|Client was closed|ECONNRESET|socket hang up/i;

/**
 * Whether an error says the connection to the server was lost or could not be made for now (the
 * server restarting, shutting down, still starting): the statement may be tried again.
 */
export function isConnectionLost(error: unknown): boolean {
  const code = codeOf(error);
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return true;
  // 57P01–57P03: the server is shutting down or starting; 08…: the connection failed.
  if (/^(57P0[123]|08...)$/.test(code)) return true;
  return code === '' && LOST.test((error as Error | undefined)?.message ?? '');
}

/** Whether the server gave up a transaction that may succeed when run again: a serialization failure or a deadlock. */
export function isConflict(error: unknown): boolean {
  return ['40001', '40P01'].includes(codeOf(error));
}

/** Whether the server stopped waiting for a lock (`lock_timeout`). */
export function isLockTimeout(error: unknown): boolean {
  return codeOf(error) === '55P03';
}

/**
 * The one-line failure for an error that says the server cannot be used as the URL says (it cannot
 * be reached, the database is missing, the login or a right is refused, the disk is full), naming
 * the URL without its password; undefined for any other error (a statement's own mistake).
 */
export function serverFailure(address: ServerAddress, error: unknown, timeoutMs = 10_000): DatabaseFailure | undefined {
  if (error instanceof DatabaseFailure) return error;
  const code = codeOf(error);
  const message = redact((error as Error | undefined)?.message ?? String(error), address.secrets);
  const where = `${address.host}:${address.port}`;
  const cause = (() => {
    switch (code) {
      case 'ECONNREFUSED':
        return `cannot reach the server: nothing listens at ${where} (is PostgreSQL running there?)`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `cannot reach the server: the host "${address.host}" is not known`;
      case 'ETIMEDOUT':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return `cannot reach the server at ${where} (${code})`;
      case '3D000':
        return `the database "${address.database}" does not exist (create it: createdb -O ${address.user || 'USER'} ${address.database})`;
      case '28P01':
        return `the server refused the password of user "${address.user}"`;
      case '28000':
        return `the server refused the login: ${message}`;
      case '42501':
        return `user "${address.user}" lacks a right paperboy needs (${message}); the schema needs CREATE on it: GRANT CREATE ON SCHEMA public TO "${address.user}"`;
      case '53100':
        return "the server's disk is full; nothing was half-written";
      case '53300':
        return 'the server takes no more connections (too many clients)';
      case '57P03':
        return 'the server is starting up or shutting down; try again in a moment';
      case '25006':
        return 'the server takes no writes (a read-only standby, or default_transaction_read_only)';
    }
    // node-postgres's pool waited that long for one of its connections to be free.
    if (message === 'timeout exceeded when trying to connect') {
      return `every connection to the server stayed busy for ${Math.round(timeoutMs / 1000)} s: the server is slow to answer, or overloaded`;
    }
    if (/^SASL: /.test(message)) return `the server asks user "${address.user}" for a password, and the URL has none (or an unusable one)`;
    if (/timeout/i.test(message) && code === '')
      return `cannot reach the server at ${where}: no answer within ${Math.round(timeoutMs / 1000)} s`;
    if (isConnectionLost(error)) return `lost the connection to the server: ${message}`;
    if (/^(28|3D|42501|53|57)/.test(code)) return message;
    return undefined;
  })();
  return cause === undefined ? undefined : new DatabaseFailure(address.name, code, `${cause}${code === '' ? '' : ` [${code}]`}`);
}

/** A statement the server refused (a mistake in it, a broken constraint); the message names the URL without its password. */
export class StatementError extends Error {
  override name = 'StatementError';
  /** The server's SQLSTATE (`23505` for a duplicate key…). */
  readonly code: string;
  /** The constraint broken, when one was. */
  readonly constraint: string | undefined;
  constructor(address: ServerAddress, error: unknown) {
    const code = codeOf(error);
    super(`${address.name}: ${redact((error as Error | undefined)?.message ?? String(error), address.secrets)}${code ? ` [${code}]` : ''}`);
    this.code = code;
    const constraint = (error as { constraint?: unknown } | undefined)?.constraint;
    this.constraint = typeof constraint === 'string' ? constraint : undefined;
  }
}

/** The error to throw for a failure of the server at `address`: a one-line failure, or the statement's own error. */
export function postgresError(address: ServerAddress, error: unknown, timeoutMs?: number): Error {
  if (error instanceof StatementError) return error;
  return serverFailure(address, error, timeoutMs) ?? new StatementError(address, error);
}
