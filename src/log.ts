/** How much a logger says: each level includes the ones after it. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Structured logging: one JSON event a line, with its time and level. */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** A logger writing lines at `level` and above to `write`. */
export function createLogger(level: LogLevel, write: (line: string) => void, now: () => Date = () => new Date()): Logger {
  const at = ORDER.indexOf(level);
  const log = (lvl: LogLevel) => (event: string, fields: Record<string, unknown> = {}) => {
    if (ORDER.indexOf(lvl) < at) return;
    write(`${JSON.stringify({ time: now().toISOString(), level: lvl, event, ...fields })}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that says nothing. */
export const silentLogger: Logger = createLogger('silent', () => undefined);

// An address (`ann@example.org`, a list address with a token in it) and a link token (`u1a-0-<24 hex>`).
const ADDRESS = /[^\s<>()[\]"',;:@]+@[^\s<>()[\]"',;:@]+/g;
const TOKEN = /\b[cupb][0-9a-z]+-[0-9a-z]+-[0-9a-f]{24}\b|([?&]token=)[^&\s"']+/g;

/** A text made fit for a log: every email address and every link token in it replaced by a placeholder. */
export function scrubbed(text: string): string {
  return text.replace(ADDRESS, '[address]').replace(TOKEN, (_match, query: string | undefined) => (query === undefined ? '[token]' : `${query}[token]`));
}
