import { randomBytes } from 'node:crypto';
import type { WebhookSettings } from '../config.ts';
import type { WebhookEvents } from '../db/index.ts';
import type { LedgerChange, LedgerChanges } from '../ledger/index.ts';
import { scrubbed } from '../log.ts';
import type { Subscriber, SubscriberChange, SubscriberChanges } from '../subscribers/index.ts';

/** The events a receiver may be sent. */
export const WEBHOOK_EVENT_TYPES = [
  'subscriber.confirmed',
  'subscriber.unsubscribed',
  'subscriber.bounced',
  'subscriber.complained',
  'subscriber.removed',
  'subscriber.erased',
  'issue.published',
  'dispatch.finished',
  'dispatch.stopped',
] as const;

/** One of the events a receiver may be sent. */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An event as its receiver reads it: the JSON body of the request. */
export interface WebhookPayload {
  type: WebhookEventType;
  /** When the change happened (ISO 8601). */
  timestamp: string;
  data: Record<string, unknown>;
}

/** A new event's id: the `webhook-id` every attempt at it carries. */
export function newEventId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

// What a subscriber event says of them: their id, and their address only when the operator asked.
function who(subscriber: Subscriber, includeEmail: boolean): Record<string, unknown> {
  return includeEmail ? { subscriberId: subscriber.id, email: subscriber.email } : { subscriberId: subscriber.id };
}

// An event as made from a change: its type and its data.
type Made = { type: WebhookEventType; data: Record<string, unknown> };

// The event that tells of a change to a subscriber.
function subscriberEvent(change: SubscriberChange, includeEmail: boolean): Made & { subjectId: number } {
  switch (change.type) {
    case 'erased':
      // An erased subscriber's address is never sent, whatever the settings say.
      return { type: 'subscriber.erased', subjectId: change.subscriberId, data: { subscriberId: change.subscriberId } };
    case 'bounced': {
      const { subscriber, bounce, previous } = change;
      const data = { ...who(subscriber, includeEmail), bounce, status: subscriber.status, previousStatus: previous };
      return { type: 'subscriber.bounced', subjectId: subscriber.id, data };
    }
    case 'removed': {
      const { subscriber } = change;
      return {
        type: 'subscriber.removed',
        subjectId: subscriber.id,
        data: { ...who(subscriber, includeEmail), status: subscriber.status },
      };
    }
    case 'complained': {
      const { subscriber, reason } = change;
      const data = { ...who(subscriber, includeEmail), status: subscriber.status, reason: scrubbed(reason) };
      return { type: 'subscriber.complained', subjectId: subscriber.id, data };
    }
    default: {
      const { subscriber, previous, reason } = change;
      const data = { ...who(subscriber, includeEmail), status: subscriber.status, previousStatus: previous, reason: scrubbed(reason) };
      return { type: `subscriber.${change.type}`, subjectId: subscriber.id, data };
    }
  }
}

// The event that tells of a round closed or an issue published; a note never carries an address.
function ledgerEvent(change: LedgerChange): Made & { issue: string } {
  if (change.type === 'published') {
    const { issue, publishedAt, mailed, note } = change.publication;
    return { type: 'issue.published', issue, data: { issue, publishedAt, mailed, note: scrubbed(note) } };
  }
  const { round, queued, doubt } = change;
  const { issue, startedAt, finishedAt, sent, skipped, failed } = round;
  const counts = { issue, round: round.round, startedAt, finishedAt, sent, skipped, failed, doubt };
  if (round.status === 'done') return { type: 'dispatch.finished', issue: round.issue, data: counts };
  return { type: 'dispatch.stopped', issue: round.issue, data: { ...counts, queued, reason: scrubbed(round.note) } };
}

/** What writes webhook events: one listener for the subscriber list, one for the ledger. */
export interface WebhookRecorder {
  subscribers: SubscriberChanges;
  ledger: LedgerChanges;
}

/**
 * Writes an event for each change into the queue, for every receiver, inside the change's own
 * transaction. An erasure also takes the address out of the subscriber's events still waiting.
 */
export function webhookRecorder(settings: WebhookSettings, queue: WebhookEvents, now: () => Date): WebhookRecorder {
  const write = (type: WebhookEventType, subject: string, data: Record<string, unknown>) => {
    const payload: WebhookPayload = { type, timestamp: now().toISOString(), data };
    return queue.add({ id: newEventId(), type, subject, body: JSON.stringify(payload) }, settings.urls);
  };
  return {
    subscribers: async (change) => {
      const event = subscriberEvent(change, settings.includeEmail);
      const subject = `subscriber:${event.subjectId}`;
      if (change.type === 'erased') await queue.rewrite(subject, withoutAddress);
      await write(event.type, subject, event.data);
    },
    ledger: async (change) => {
      const event = ledgerEvent(change);
      await write(event.type, `issue:${event.issue}`, event.data);
    },
  };
}

// A waiting event's body with the subscriber's address taken out.
function withoutAddress(body: string): string {
  const payload = JSON.parse(body) as WebhookPayload;
  delete payload.data.email;
  return JSON.stringify(payload);
}
