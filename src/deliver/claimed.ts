import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { refusedReason, type QueuedDelivery, type Round, type RunningRound, type Tally } from '../ledger/index.ts';
import type { IssueToSend } from '../site/index.ts';
import type { Cadence } from '../subscribers/index.ts';
import { FailureBreaker, type Verdict } from './_breaker.ts';
import type { Claiming, DispatchContext, DispatchSummary } from './context.ts';
import { createMessageMaker } from './maker.ts';
import { NotStarted } from './not-started.ts';
import { SharedPace } from './shared-pace.ts';
import { silentProgress } from './progress.ts';
import { enhancedCode } from './refusal.ts';
import { SendError } from './transport.ts';

/** How a sender holds what it claims: its name in the ledger, its lease and how often it renews it. */
export interface LeaseSettings {
  /** The sender's id, unique among every sender of the database (host, pid and a random part). */
  owner: string;
  leaseMs: number;
  heartbeatMs: number;
}

// One claimed batch: until when, by this process's monotonic clock, the sender can show it holds it.
interface Batch {
  heldUntil: number;
}

/**
 * Keeps a sender's leases: renews them every heartbeat, and knows, by the monotonic clock, until when
 * each claimed batch is surely still held: the time its claim (or last renewal) was SENT, plus the
 * lease, less a margin. A renewal that fails or never answers extends nothing.
 */
export class LeaseKeeper {
  readonly settings: LeaseSettings;
  readonly #ctx: Pick<DispatchContext, 'ledger'>;
  readonly #batches = new Set<Batch>();
  readonly #margin: number;
  #timer: NodeJS.Timeout | undefined;
  #beating = false;
  /** Told after each heartbeat, whether it went through. */
  onBeat: (() => Promise<void>) | undefined;

  constructor(ctx: Pick<DispatchContext, 'ledger'>, settings: LeaseSettings) {
    this.#ctx = ctx;
    this.settings = settings;
    this.#margin = Math.min(settings.leaseMs / 4, 5_000);
  }

  /** Says the sender is alive (in the senders table, for `status`) and starts renewing its leases. */
  async open(fingerprint = ''): Promise<void> {
    await this.#ctx.ledger.claims.register({
      id: this.settings.owner,
      host: hostname(),
      pid: process.pid,
      leaseMs: this.settings.leaseMs,
      fingerprint,
    });
    this.#timer ??= setInterval(() => void this.beat(), this.settings.heartbeatMs);
  }

  /** Renews the leases now (a heartbeat). */
  async beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    const sentAt = performance.now();
    try {
      await this.#ctx.ledger.claims.renew(this.settings.owner, this.settings.leaseMs);
      // Only the batches still surely held when the renewal was sent were renewed by it.
      for (const batch of this.#batches) if (batch.heldUntil > sentAt) batch.heldUntil = this.#until(sentAt);
    } catch {
      // Not renewed: the batches run out as they would have.
    } finally {
      this.#beating = false;
    }
    await this.onBeat?.().catch(() => undefined);
  }

  #until(sentAt: number): number {
    return sentAt + this.settings.leaseMs - this.#margin;
  }

  /** Claims up to `limit` deliveries of a round; the batch is held from the moment the claim was sent. */
  async claim(round: RunningRound, limit: number): Promise<{ batch: Batch; rows: QueuedDelivery[] }> {
    const sentAt = performance.now();
    const rows = await this.#ctx.ledger.claims.claim(round.issue, round.round, this.settings.owner, limit, this.settings.leaseMs);
    const batch = { heldUntil: this.#until(sentAt) };
    if (rows.length > 0) this.#batches.add(batch);
    return { batch, rows };
  }

  /** Whether the batch can still be shown to be held. */
  holds(batch: Batch): boolean {
    return performance.now() < batch.heldUntil;
  }

  /** A batch whose deliveries all started (or were given up): it no longer needs renewing. */
  done(batch: Batch): void {
    this.#batches.delete(batch);
  }

  /** Stops renewing, gives back what is held and was not started, and is no longer shown as a sender. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#batches.clear();
    await this.#ctx.ledger.claims.unregister(this.settings.owner).catch(() => undefined);
  }
}

/** What one sender did in a round. */
export interface ClaimedSummary {
  sent: number;
  skipped: number;
  failed: number;
  doubt: number;
  /** Put back in the queue to be tried later (temporary failures), or set aside for the rest of the run. */
  deferred: number;
  refused: number;
  /** Claimed, then not started because the lease could no longer be shown to be held. */
  notStarted: number;
  /** Why this sender stopped sending the round before its end, if it did (a relay fault, another sender's stop, a request). */
  stopped: string | undefined;
  /** This sender closed the round. */
  closed: boolean;
}

// More than half of this many recent attempts failing for the relay's or the sender's reasons stops the round.
const BREAKER_WINDOW = 20;

/** How long a sender waits before looking again at a round whose rest others hold or waits for its time. */
const POLL_MS = 250;

/**
 * Sends a running round as one of possibly several senders: claims a batch of queued deliveries on a
 * lease, starts no SMTP transaction for one whose lease it can no longer show it holds, records each
 * outcome, and claims more. A temporary failure goes back to the queue with a not-before time (set
 * aside once it failed `retry.attempts` times); a relay fault stops the round for every sender; whoever
 * sees the round end closes it, once. Returns when the round ended, or this sender stopped.
 */
export async function sendClaimed(
  issue: IssueToSend,
  round: RunningRound,
  ctx: DispatchContext,
  keeper: LeaseKeeper,
): Promise<ClaimedSummary> {
  const { claims, rounds } = ctx.ledger;
  const owner = keeper.settings.owner;
  const progress = ctx.progress ?? silentProgress;
  const make = createMessageMaker(issue, ctx, round.round, { date: new Date(round.startedAt) });
  const counts = { sent: 0, skipped: 0, failed: 0, doubt: 0, deferred: 0, refused: 0, notStarted: 0 };
  const done = (outcome: Exclude<keyof typeof counts, 'notStarted'>) => {
    counts[outcome]++;
    progress.tick(outcome === 'doubt' ? 'failed' : outcome === 'refused' ? 'deferred' : outcome);
  };
  let stopped: string | undefined;
  // A relay fault seen here: the round stops for every sender.
  let fault: string | undefined;
  const stop = (why: string, relay = true) => {
    stopped ??= why;
    if (relay) fault ??= why;
  };
  const previousBeat = keeper.onBeat;
  keeper.onBeat = async () => {
    await previousBeat?.();
    if (stopped === undefined && (await claims.statusOf(round.id)) === 'stopped') stop('the round was stopped by another sender', false);
  };
  const key = [round.issue, round.round] as const;
  // The shared rates: the relay's reserved a connection's worth of slots at a time, a domain's one by one.
  const paces = (ctx.claiming?.rates ?? []).map(
    (rate) => new SharedPace(ctx.ledger.budgets, rate, rate.domains.length === 0 ? Math.max(1, Math.floor(ctx.parallel / 2)) : 1),
  );
  type Held = { delivery: QueuedDelivery; messageId: string; attempts: number };
  const breaker = new FailureBreaker<Held>(BREAKER_WINDOW);

  const refuse = async (d: QueuedDelivery, attempts: number, reply: string) => {
    await claims.putBack(...key, d.subscriberId, owner, { attempts, reply, reason: refusedReason(enhancedCode(reply)), delayMs: 'aside' });
    done('refused');
  };
  const judged = async (verdict: Verdict<Held>) => {
    for (const { delivery: held, error } of verdict.theirs) {
      await rounds.record(...key, held.delivery.subscriberId, 'failed', {
        messageId: held.messageId,
        attempts: held.attempts,
        reply: error.reply,
      });
      await ctx.store.recordBounce(held.delivery.subscriberId, 'hard', error.reply);
      done('failed');
    }
    for (const { delivery: held, error } of verdict.relay) await refuse(held.delivery, held.attempts, error.reply);
  };
  const attempted = async (failure: SendError | undefined, reply: string) => {
    await judged(breaker.attempt(failure));
    if (!breaker.tripped) return;
    const { failed: count, of } = breaker.recent;
    stop(
      `the relay failed ${count} of the last ${of} attempts (last reply: ${reply}); that is the relay's doing, so no subscriber's bounce was counted`,
    );
  };

  const deliver = async (d: QueuedDelivery, batch: Batch) => {
    if (d.status !== 'confirmed') {
      await rounds.record(...key, d.subscriberId, 'skipped', { attempts: d.attempts, reason: `${d.status} before it was sent` });
      return done('skipped');
    }
    const made = await make({ id: d.subscriberId, email: d.email, topics: d.topics, tokenKey: d.tokenKey });
    if ('skip' in made) {
      await rounds.record(...key, d.subscriberId, 'skipped', { attempts: d.attempts, reason: made.skip });
      return done('skipped');
    }
    // Asked when a connection is free for it: the lease must still be surely held, and the round not stopped.
    const message = { ...made, mayStart: () => stopped === undefined && keeper.holds(batch) };
    const attempts = d.attempts + 1;
    for (const pace of paces) if (pace.covers(d.email)) await pace.wait();
    try {
      const reply = await ctx.transport.send(message);
      await rounds.record(...key, d.subscriberId, 'sent', { messageId: message.messageId, attempts, reply });
      // A delivery clears the bounces counted against them: one statement fewer per message when there are none.
      if (d.bounces !== 0) await ctx.store.recordDelivered(d.subscriberId);
      done('sent');
      return await attempted(undefined, reply);
    } catch (error) {
      // Not started: given back, if this sender still holds it (else someone else has it already).
      if (error instanceof NotStarted) {
        counts.notStarted++;
        return claims.giveBack(...key, owner, [d.subscriberId]);
      }
      if (!(error instanceof SendError)) throw error;
      if (error.kind === 'doubt') {
        await rounds.record(...key, d.subscriberId, 'doubt', { messageId: message.messageId, attempts, reply: error.reply });
        done('doubt');
        return stop(`the relay stopped answering after taking a whole message (${error.reply})`);
      }
      if (error.kind === 'relay') {
        await claims.putBack(...key, d.subscriberId, owner, { attempts, reply: error.reply, delayMs: 0 });
        done('deferred');
        return stop(`the relay refuses to send: ${error.reply}`);
      }
      await attempted(error, error.reply);
      if (error.kind === 'refused') return refuse(d, attempts, error.reply);
      if (error.kind === 'recipient') {
        if (stopped !== undefined) return refuse(d, attempts, error.reply);
        return judged(breaker.hold({ delivery: { delivery: d, messageId: message.messageId, attempts }, error }));
      }
      // A temporary failure: back to the queue with a not-before time, set aside once it failed too often.
      const delayMs = attempts >= ctx.retry.attempts ? ('aside' as const) : ctx.retry.delayMs * 2 ** (attempts - 1);
      await claims.putBack(...key, d.subscriberId, owner, { attempts, reply: error.reply, delayMs });
      done('deferred');
    }
  };

  const parallel = ctx.parallel + (ctx.transport.ahead ?? 0);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let closed = false;
  try {
    for (;;) {
      if (stopped !== undefined || failure !== undefined) break;
      if (ctx.signal?.aborted) {
        stop('stopped on request', false);
        break;
      }
      const status = await claims.statusOf(round.id);
      if (status !== 'running') {
        if (status !== 'done') stop('the round was stopped by another sender', false);
        break;
      }
      const { batch, rows } = await keeper.claim(round, parallel);
      if (rows.length === 0) {
        if (inFlight.size > 0) {
          await Promise.race(inFlight);
          continue;
        }
        const left = await claims.left(...key);
        if (left.held === 0 && left.waiting === 0 && (await closeRound(ctx, round, counts))) {
          closed = true;
          break;
        }
        await sleep(POLL_MS);
        continue;
      }
      const started: Promise<void>[] = [];
      let next = 0;
      for (; next < rows.length; next++) {
        while (inFlight.size >= parallel) await Promise.race(inFlight);
        // Stopping, or held no longer for sure: the rest of the batch is given back (if still held), for whoever takes it.
        if (stopped !== undefined || failure !== undefined || ctx.signal?.aborted || !keeper.holds(batch)) break;
        const task: Promise<void> = deliver(rows[next] as QueuedDelivery, batch)
          .catch((error: unknown) => {
            failure ??= error;
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
        started.push(task);
      }
      // The batch is renewed while any of it is on its way.
      void Promise.allSettled(started).then(() => keeper.done(batch));
      if (next < rows.length) {
        await claims.giveBack(
          ...key,
          owner,
          rows.slice(next).map((r) => r.subscriberId),
        );
        if (stopped !== undefined || failure !== undefined || ctx.signal?.aborted) break;
      }
    }
    await Promise.all(inFlight);
    await judged(breaker.end(counts.sent > 0));
  } finally {
    keeper.onBeat = previousBeat;
    await claims.release(owner).catch(() => undefined);
  }
  if (failure !== undefined) throw failure;
  if (fault !== undefined) await claims.stop(round.id, await rounds.tally(...key), fault);
  return { ...counts, stopped, closed };
}

// Closes the round once nothing of it is held or waiting: done, or stopped with what was set aside.
async function closeRound(ctx: DispatchContext, round: RunningRound, counts: { refused: number }): Promise<boolean> {
  const { rounds } = ctx.ledger;
  const ended = async () => {
    const left = await ctx.ledger.claims.left(round.issue, round.round);
    return left.held === 0 && left.waiting === 0 && left.queued === left.aside;
  };
  return rounds.closeRunning(
    round.id,
    ended,
    () => rounds.tally(round.issue, round.round),
    (tally: Tally) => {
      const notes: string[] = [];
      if (tally.queued > 0)
        notes.push(
          `${tally.queued} ${tally.queued === 1 ? 'delivery' : 'deliveries'} could not be made now (refused by the relay, or failing ${ctx.retry.attempts} times)` +
            `${counts.refused > 0 ? `; ${counts.refused} refused by the relay` : ''}`,
        );
      if (tally.doubt > 0) notes.push(`${tally.doubt} in doubt (the relay took them without answering; not sent again)`);
      return notes.join('; ');
    },
  );
}

/**
 * A dispatch over a shared ledger: opens (or resumes) the round under the dispatch lock, as a
 * dispatch on one machine does, records the fingerprint of its messages, and then, unless told to
 * leave it to the workers, sends it like any worker until it ends.
 */
export async function dispatchByClaims(
  issue: IssueToSend,
  ctx: DispatchContext,
  claiming: Claiming,
  options: { force?: boolean | undefined; cadence?: Cadence | undefined; queueOnly?: boolean | undefined },
): Promise<DispatchSummary> {
  const started = performance.now();
  const { rounds, claims } = ctx.ledger;
  const progress = ctx.progress ?? silentProgress;
  const date = issue.id;
  const lock = await ctx.ledger.acquire('dispatch');
  let round: Round;
  try {
    const latest = await rounds.latestRound(date);
    const number = latest === undefined ? 0 : options.force && latest.status === 'done' ? latest.round + 1 : latest.round;
    round = await rounds.open(date, number, options.cadence ?? 'daily');
    await claims.bringBack(date, number);
    await claims.stamp(round.id, await claiming.fingerprint(issue));
  } finally {
    await lock.release();
  }
  const key = [date, round.round] as const;
  await progress.start((await rounds.tally(...key)).queued);
  let sent: ClaimedSummary | undefined;
  const sends = claiming.sends && options.queueOnly !== true;
  if (sends) {
    const keeper = new LeaseKeeper(ctx, claiming.lease);
    await keeper.open();
    try {
      sent = await sendClaimed(issue, { ...round, fingerprint: '' }, ctx, keeper);
    } finally {
      await keeper.stop();
    }
  }
  progress.finish();
  const final = await rounds.tally(...key);
  const now = await rounds.latestRound(date);
  const ended = now?.round === round.round ? now : undefined;
  const stopped = !sends ? undefined : (sent?.stopped ?? (ended?.status === 'stopped' ? ended.note || 'stopped' : undefined));
  return {
    issue: date,
    round: round.round,
    sent: sent?.sent ?? 0,
    skipped: sent?.skipped ?? 0,
    failed: sent?.failed ?? 0,
    doubt: final.doubt,
    queued: final.queued,
    refused: sent?.refused ?? 0,
    seconds: (performance.now() - started) / 1000,
    stopped,
  };
}
