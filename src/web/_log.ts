import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { scrubbed, type Logger } from '../log.ts';

type Level = 'error' | 'warn' | 'info' | 'debug';

// What a log call's fields become: an error as its kind and message, text without addresses or tokens.
function field(value: unknown): unknown {
  if (value instanceof Error) {
    const status = (value as { statusCode?: unknown }).statusCode;
    return { type: value.name, message: scrubbed(value.message), ...(typeof status === 'number' ? { status } : {}) };
  }
  if (typeof value === 'string') return scrubbed(value);
  if (Array.isArray(value)) return value.map(field);
  // Plain data only: a request or a reply object is neither small nor free of addresses.
  if (value !== null && typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null
      ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, field(inner)]))
      : undefined;
  }
  return value;
}

// The framework's objects it hands its logger, which paperboy's lines leave out.
const FRAMEWORK_FIELDS = new Set(['req', 'res', 'reply', 'request']);

/** What the framework says about each request: nothing for one that went well, a line for one that failed. */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (error) super.requestCompleted(error, request, reply, metadata);
  }

  override routeNotFound(): void {}
}

/**
 * The web framework's logger, writing through paperboy's own: one line per event, the request's id
 * with it, no address or token in it. The framework's own notices outside a request (the address it
 * listens on, which the command prints itself) are debug.
 */
export function frameworkLogger(log: Logger, bindings: Record<string, unknown> = {}): FastifyBaseLogger {
  const inRequest = 'request' in bindings;
  const write = (level: Level) => (first?: unknown, second?: unknown) => {
    const fields: Record<string, unknown> = { ...bindings };
    let event = typeof second === 'string' ? second : typeof first === 'string' ? first : 'web';
    if (first instanceof Error) {
      fields.error = field(first);
      if (typeof second !== 'string') event = 'server error';
    } else if (first !== null && typeof first === 'object') {
      for (const [key, value] of Object.entries(first))
        if (!FRAMEWORK_FIELDS.has(key)) fields[key === 'err' ? 'error' : key] = field(value);
    }
    log[level === 'info' && !inRequest ? 'debug' : level](scrubbed(event), fields);
  };
  const logger = {
    level: 'info',
    fatal: write('error'),
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    trace: () => undefined,
    silent: () => undefined,
    child: (more: Record<string, unknown>) => {
      const { reqId, ...rest } = more;
      return frameworkLogger(log, { ...bindings, ...rest, ...(reqId === undefined ? {} : { request: reqId }) });
    },
  };
  return logger as unknown as FastifyBaseLogger;
}
