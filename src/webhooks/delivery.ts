import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookSettings } from '../config.ts';
import type { PendingWebhook, WebhookEvents } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { secretKey, signedHeaders } from './sign.ts';

/** How the delivery loop paces itself. */
export interface DeliveryTiming {
  /** The wait after a first failure; it doubles with each one after. */
  firstRetryMs: number;
  /** The longest wait between two attempts at one event. */
  maxRetryMs: number;
  /** How often the queue is looked at for events written by this or another process. */
  pollMs: number;
  /** How long one request may take, answer included. */
  timeoutMs: number;
}

/** The pace of a running program: retries within seconds, then at most ten minutes apart. */
export const DEFAULT_TIMING: DeliveryTiming = { firstRetryMs: 5_000, maxRetryMs: 600_000, pollMs: 1_000, timeoutMs: 10_000 };

/** What the delivery loop is handed. */
export interface DeliveryContext {
  queue: WebhookEvents;
  settings: WebhookSettings;
  fetch: typeof globalThis.fetch;
  now: () => Date;
  log: Logger;
  /** Counts a failed attempt (the metrics). */
  onFailure?: (() => void) | undefined;
  timing?: Partial<DeliveryTiming> | undefined;
}

/** A running delivery loop. */
export interface WebhookDelivery {
  /** Stops taking work and abandons requests on their way (they are tried again at the next start). */
  stop(): Promise<void>;
}

// At most this many requests at once; events of one subscriber (or issue) never go side by side.
const PARALLEL = 8;

/** The wait before attempt `failures + 1` of an event that failed `failures` times. */
export function retryDelayMs(failures: number, timing: Pick<DeliveryTiming, 'firstRetryMs' | 'maxRetryMs'> = DEFAULT_TIMING): number {
  return Math.min(timing.maxRetryMs, timing.firstRetryMs * 2 ** Math.max(0, failures - 1));
}

// Why a request failed, in words that carry neither the secret nor the receiver's path.
function failureOf(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  return e.cause?.code ?? e.name ?? 'request failed';
}

/**
 * Delivers the queued webhook events until stopped: each signed the Standard Webhooks way and
 * POSTed to its receiver, deleted from the queue on a 2xx, otherwise tried again later, waiting
 * longer after each failure. A subject's events go in order: the next waits until the one before
 * it was taken. Starting makes everything waiting due at once.
 */
export function startWebhookDelivery(ctx: DeliveryContext): WebhookDelivery {
  const timing = { ...DEFAULT_TIMING, ...ctx.timing };
  const { queue, log } = ctx;
  const key = secretKey(ctx.settings.secret);
  const stopping = new AbortController();
  const { signal } = stopping;

  const attempt = async (event: PendingWebhook): Promise<void> => {
    let failure: string;
    try {
      const response = await ctx.fetch(event.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'paperboy', ...signedHeaders(key, event.id, ctx.now(), event.body) },
        body: event.body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(timing.timeoutMs)]),
      });
      // The answer's body is never read: its status says all.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await queue.delivered(event.seq);
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      if (signal.aborted) return;
      failure = failureOf(error, timing.timeoutMs);
    }
    ctx.onFailure?.();
    const waitMs = retryDelayMs(event.attempts + 1, timing);
    await queue.failed(event.seq, failure, new Date(ctx.now().getTime() + waitMs));
    const receiver = new URL(event.url).origin;
    log.warn('webhook not delivered', {
      type: event.type,
      id: event.id,
      receiver,
      attempts: event.attempts + 1,
      error: failure,
      retryInSeconds: waitMs / 1000,
    });
  };

  const pause = async (ms: number) => {
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  };

  const run = async () => {
    try {
      const dropped = await queue.dropOthers(ctx.settings.urls);
      if (dropped > 0) log.warn('webhook events dropped', { count: dropped, why: 'their receiver is no longer in PAPERBOY_WEBHOOK_URL' });
      await queue.dueNow();
    } catch (error) {
      log.error('webhook queue not read', { error: (error as Error).message });
    }
    while (!signal.aborted) {
      try {
        const batch = await queue.claim(PARALLEL, timing.timeoutMs + 5_000);
        if (batch.length > 0) {
          await Promise.all(batch.map(attempt));
          continue;
        }
        const due = await queue.nextDue();
        await pause(due === undefined ? timing.pollMs : Math.max(50, Math.min(timing.pollMs, due.getTime() - ctx.now().getTime())));
      } catch (error) {
        if (signal.aborted) break;
        log.error('webhook delivery failed', { error: (error as Error).message });
        await pause(timing.pollMs);
      }
    }
  };

  const running = run();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
