import type { Subscriber, SubscriberStore } from './store.ts';
import type { Suppressions } from './suppressions.ts';

/** One delivery of an issue to a subscriber, as their data export shows it. */
export interface DeliveryRecord {
  issue: string;
  round: number;
  status: string;
  messageId: string;
  updatedAt: string;
}

/** Everything kept about one subscriber, as they may download it. */
export interface PersonalData {
  address: string;
  name: string;
  status: string;
  topics: string[];
  cadence: string;
  source: string;
  createdAt: string;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  leftAt: string | null;
  bounces: { hard: number; soft: number };
  history: { at: string; kind: string; detail: string }[];
  deliveries: DeliveryRecord[];
}

/** What the privacy flows work with, handed in: the list, the suppressions, the ledger's deliveries, the outbox. */
export interface PrivacyContext {
  store: SubscriberStore;
  suppressions: Suppressions;
  deliveriesOf: (subscriberId: number) => Promise<DeliveryRecord[]>;
  /** Removes the messages naming this address kept as files (the outbox, the receiver's set-aside ones); says how many. */
  forgetMail: (email: string) => Promise<number>;
}

/** What an erasure did: whether the address was on the list, and how many kept messages to it were removed. */
export interface Erasure {
  listed: boolean;
  messages: number;
}

/** Everything kept about a subscriber: their record, their history, the deliveries made to them. */
export async function personalData(ctx: PrivacyContext, subscriber: Subscriber): Promise<PersonalData> {
  return {
    address: subscriber.email,
    name: subscriber.name,
    status: subscriber.status,
    topics: subscriber.topics,
    cadence: subscriber.cadence,
    source: subscriber.source,
    createdAt: subscriber.createdAt,
    confirmedAt: subscriber.confirmedAt,
    unsubscribedAt: subscriber.unsubscribedAt,
    leftAt: subscriber.leftAt,
    bounces: { hard: subscriber.hardBounces, soft: subscriber.softBounces },
    history: await ctx.store.history(subscriber.id),
    deliveries: await ctx.deliveriesOf(subscriber.id),
  };
}

/**
 * Erases an address and everything about it, the messages to it kept in the outbox included; only a
 * keyed hash stays in the suppression list, so no import and no old form brings it back (its
 * owner's fresh, confirmed subscription can).
 */
export async function eraseSubscriber(ctx: PrivacyContext, email: string): Promise<Erasure> {
  // The suppression is written in the erasure's transaction: an address is never gone from the list
  // without being suppressed. The files go after, and are looked for even when the address was not
  // on the list, so running it again finishes an erasure that stopped halfway.
  const listed = await ctx.store.erase(email, () => ctx.suppressions.add(email, 'erased'));
  return { listed, messages: await ctx.forgetMail(email) };
}
