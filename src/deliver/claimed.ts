import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { refusedReason, type Outcome, type QueuedDelivery, type RunningRound, type Tally } from '../ledger/index.ts';
import type { IssueToSend } from '../site/index.ts';
import { GarbageBudget } from './garbage.ts';
import { FailureBreaker, type Verdict } from './_breaker.ts';
import type { DispatchContext } from './context.ts';
import { createMessageMaker } from './maker.ts';
import { NotStarted } from './not-started.ts';
import { perTurn } from './per-turn.ts';
import { SharedPace } from './shared-pace.ts';
import { silentProgress } from './progress.ts';
import { enhancedCode } from './refusal.ts';
import { SendError, type Outgoing } from './transport.ts';

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

  /**
   * Starts renewing its leases and, when `listed`, says the sender is alive (in the senders table, for
   * `status`); a sole sender is not listed: the dispatch lock says it is alive.
   */
  async open(options: { listed?: boolean } = {}): Promise<void> {
    if (options.listed !== false)
      await this.#ctx.ledger.claims.register({
        id: this.settings.owner,
        host: hostname(),
        pid: process.pid,
        leaseMs: this.settings.leaseMs,
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

  /**
   * Claims up to `limit` deliveries of a round, the first after subscriber `after`; the batch is held
   * from the moment the claim was sent.
   */
  async claim(round: RunningRound, limit: number, after = 0): Promise<{ batch: Batch; rows: QueuedDelivery[] }> {
    const sentAt = performance.now();
    const { owner, leaseMs } = this.settings;
    const rows = await this.#ctx.ledger.claims.claim(round.issue, round.round, owner, limit, leaseMs, after);
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

// A sole sender's batch holds this many times what may be on its way at once: fewer claims (each a
// write to the ledger).
const CLAIMED_AHEAD = 4;

/** How long a sender waits before looking again at a round whose rest others hold or waits for its time. */
const POLL_MS = 250;

/**
 * Sends a running round as one of possibly several senders: claims a batch of queued deliveries on a
 * lease, starts no SMTP transaction for one whose lease it can no longer show it holds, records each
 * outcome, and claims more. A temporary failure goes back to the queue with a not-before time (set
 * aside once it failed `retry.attempts` times in this run); a refusal by the relay that is not the
 * recipient's (`classifyRefusal`) is set aside, counted against nobody; a relay fault (the relay
 * refuses to send, fails more than half of the recent attempts, or takes a message without answering)
 * stops the round for every sender; whoever sees the round end closes it, once. Returns when the
 * round ended, or this sender stopped.
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
  const garbage = new GarbageBudget();
  const done = (outcome: Exclude<keyof typeof counts, 'notStarted'>) => {
    counts[outcome]++;
    garbage.tick();
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
  // Outcomes are recorded as they come. A sole sender writes those of one turn of the event loop in one
  // transaction (on SQLite, the commits were most of what recording cost); one of several writes each
  // on its own (on PostgreSQL a transaction takes the database's write lock, which the others wait for).
  // Either way a delivery's connection is free for the next only once its outcome is written.
  const record: (outcome: Outcome) => Promise<void> = ctx.claiming.shared
    ? (o) => rounds.record(...key, o.subscriberId, o.status, o)
    : perTurn((outcomes) => rounds.recordAll(...key, outcomes));
  // The shared rates: the relay's reserved a connection's worth of slots at a time, a domain's one by one.
  const paces = ctx.claiming.rates.map(
    (rate) => new SharedPace(ctx.ledger.budgets, rate, rate.domains.length === 0 ? Math.max(1, Math.floor(ctx.parallel / 2)) : 1),
  );
  // The deliveries of each batch started and not yet settled (a refusal held by the breaker is not):
  // the batch is renewed until none is left.
  const unsettled = new Map<Batch, number>();
  const settle = (batch: Batch, count = 1) => {
    const left = (unsettled.get(batch) ?? 0) - count;
    if (left > 0) unsettled.set(batch, left);
    else {
      unsettled.delete(batch);
      keeper.done(batch);
    }
  };
  // How often each delivery failed for now in this run: a run gives each `retry.attempts` tries.
  const tries = new Map<number, number>();
  type Held = { delivery: QueuedDelivery; messageId: string; attempts: number; batch: Batch };
  const breaker = new FailureBreaker<Held>(BREAKER_WINDOW);

  const refuse = async (d: QueuedDelivery, attempts: number, reply: string) => {
    await claims.putBack(...key, d.subscriberId, owner, { attempts, reply, reason: refusedReason(enhancedCode(reply)), delayMs: 'aside' });
    done('refused');
  };
  const judged = async (verdict: Verdict<Held>) => {
    for (const { delivery: held, error } of verdict.theirs) {
      await record({
        subscriberId: held.delivery.subscriberId,
        status: 'failed',
        messageId: held.messageId,
        attempts: held.attempts,
        reply: error.reply,
      });
      await ctx.store.recordBounce(held.delivery.subscriberId, 'hard', error.reply);
      done('failed');
      settle(held.batch);
    }
    for (const { delivery: held, error } of verdict.relay) {
      await refuse(held.delivery, held.attempts, error.reply);
      settle(held.batch);
    }
  };
  const attempted = async (failure: SendError | undefined, reply: string) => {
    await judged(breaker.attempt(failure));
    if (!breaker.tripped) return;
    const { failed: count, of } = breaker.recent;
    stop(
      `the relay failed ${count} of the last ${of} attempts (last reply: ${reply}); that is the relay's doing, so no subscriber's bounce was counted`,
    );
  };

  // Sends one delivery; says whether its outcome is settled (false: a refusal held by the breaker).
  const deliver = async (d: QueuedDelivery, batch: Batch): Promise<boolean> => {
    if (d.status !== 'confirmed') {
      await record({ subscriberId: d.subscriberId, status: 'skipped', attempts: d.attempts, reason: `${d.status} before it was sent` });
      done('skipped');
      return true;
    }
    const made = await make({ id: d.subscriberId, email: d.email, topics: d.topics, tokenKey: d.tokenKey });
    if ('skip' in made) {
      await record({ subscriberId: d.subscriberId, status: 'skipped', attempts: d.attempts, reason: made.skip });
      done('skipped');
      return true;
    }
    // Asked when a connection is free for it: the lease must still be surely held, and the round not stopped.
    const message: Outgoing = made;
    message.mayStart = () => stopped === undefined && keeper.holds(batch);
    const attempts = d.attempts + 1;
    for (const pace of paces) if (pace.covers(d.email)) await pace.wait();
    try {
      const reply = await ctx.transport.send(message);
      // One statement records the outcome and lets go of the claim.
      await record({ subscriberId: d.subscriberId, status: 'sent', messageId: message.messageId, attempts, reply });
      // A delivery clears the bounces counted against them: one statement fewer per message when there are none.
      if (d.bounces !== 0) await ctx.store.recordDelivered(d.subscriberId);
      tries.delete(d.subscriberId);
      done('sent');
      await attempted(undefined, reply);
      return true;
    } catch (error) {
      // Not started: given back, if this sender still holds it (else someone else has it already).
      if (error instanceof NotStarted) {
        counts.notStarted++;
        await claims.giveBack(...key, owner, [d.subscriberId]);
        return true;
      }
      if (!(error instanceof SendError)) throw error;
      if (error.kind === 'doubt') {
        await record({ subscriberId: d.subscriberId, status: 'doubt', messageId: message.messageId, attempts, reply: error.reply });
        done('doubt');
        stop(`the relay stopped answering after taking a whole message (${error.reply})`);
        return true;
      }
      if (error.kind === 'relay') {
        await claims.putBack(...key, d.subscriberId, owner, { attempts, reply: error.reply, delayMs: 0 });
        done('deferred');
        stop(`the relay refuses to send: ${error.reply}`);
        return true;
      }
      await attempted(error, error.reply);
      if (error.kind === 'refused') {
        await refuse(d, attempts, error.reply);
        return true;
      }
      if (error.kind === 'recipient') {
        // Once the round stopped here, a refusal can no longer be weighed against the attempts after it.
        if (stopped !== undefined) {
          await refuse(d, attempts, error.reply);
          return true;
        }
        await judged(breaker.hold({ delivery: { delivery: d, messageId: message.messageId, attempts, batch }, error }));
        return false;
      }
      // A temporary failure: back to the queue with a not-before time, set aside once it failed too often in this run.
      const tried = (tries.get(d.subscriberId) ?? 0) + 1;
      tries.set(d.subscriberId, tried);
      const delayMs = tried >= ctx.retry.attempts ? ('aside' as const) : ctx.retry.delayMs * 2 ** (tried - 1);
      await claims.putBack(...key, d.subscriberId, owner, { attempts, reply: error.reply, delayMs });
      done('deferred');
      return true;
    }
  };

  const parallel = ctx.parallel + (ctx.transport.ahead ?? 0);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let closed = false;
  // Where this sender goes on claiming, in subscriber order, and when it last looked at the round's
  // status: then it starts from the first again, so that deliveries let go by a dead sender, or due
  // for another try, are not left waiting for the end of the list.
  let after = 0;
  let lookedAt = Number.NEGATIVE_INFINITY;
  // How many to claim next. A sole sender claims ahead (fewer writes to the ledger); one of several
  // claims only what its free connections can start now, once half of them are free: what it holds
  // and has not started is what a dead sender leaves waiting for its lease, and what the others
  // must get through before they reach it.
  const claimable = async (): Promise<number> => {
    if (!ctx.claiming.shared) return CLAIMED_AHEAD * parallel;
    while (inFlight.size > parallel / 2) await Promise.race(inFlight);
    return parallel - inFlight.size;
  };
  try {
    for (;;) {
      if (stopped !== undefined || failure !== undefined) break;
      if (ctx.signal?.aborted) {
        stop('stopped on request', false);
        break;
      }
      if (performance.now() - lookedAt >= POLL_MS) {
        lookedAt = performance.now();
        after = 0;
        const status = await claims.statusOf(round.id);
        if (status !== 'running') {
          if (status !== 'done') stop('the round was stopped by another sender', false);
          break;
        }
      }
      const from = after;
      const { batch, rows } = await keeper.claim(round, await claimable(), from);
      after = rows.at(-1)?.subscriberId ?? 0;
      if (rows.length === 0) {
        // Nothing after where it was: from the start again (what was put back, given back, or let go).
        if (from > 0) continue;
        if (inFlight.size > 0) {
          await Promise.race(inFlight);
          continue;
        }
        // Nothing more to weigh them against for now: the refusals held are judged.
        if (breaker.holding) {
          await judged(breaker.end(counts.sent > 0));
          continue;
        }
        const left = await claims.left(...key);
        if (left.held === 0 && left.waiting === 0 && left.last === 0 && (await closeRound(ctx, round))) {
          closed = true;
          break;
        }
        // Those the relay refused in an earlier run, once nothing else can be tried.
        if (left.last > 0 && (await claims.bringBackLast(...key)) > 0) continue;
        await sleep(POLL_MS);
        continue;
      }
      unsettled.set(batch, rows.length);
      let next = 0;
      for (; next < rows.length; next++) {
        while (inFlight.size >= parallel) await Promise.race(inFlight);
        // Stopping, or held no longer for sure: the rest of the batch is given back (if still held), for whoever takes it.
        if (stopped !== undefined || failure !== undefined || ctx.signal?.aborted || !keeper.holds(batch)) break;
        const task: Promise<void> = deliver(rows[next] as QueuedDelivery, batch)
          .then(
            (settled) => {
              if (settled) settle(batch);
            },
            (error: unknown) => {
              failure ??= error;
              settle(batch);
            },
          )
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      if (next < rows.length) {
        settle(batch, rows.length - next);
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
  if (fault !== undefined) {
    const tally = await rounds.tally(...key);
    await claims.stop(round.id, tally, [fault, doubtNote(tally)].filter(Boolean).join('; '));
  }
  return { ...counts, stopped, closed };
}

/** What the deliveries in doubt of a round mean, if it has any ('' when none). */
export function doubtNote(tally: Tally): string {
  return tally.doubt > 0 ? `${tally.doubt} in doubt (the relay took them without answering; not sent again)` : '';
}

const deliveries = (n: number) => `${n} ${n === 1 ? 'delivery' : 'deliveries'}`;

// Closes the round once nothing of it is held or waiting: done, or stopped with what was set aside and why.
async function closeRound(ctx: DispatchContext, round: RunningRound): Promise<boolean> {
  const { rounds } = ctx.ledger;
  const ended = async () => {
    const left = await ctx.ledger.claims.left(round.issue, round.round);
    return left.held === 0 && left.waiting === 0 && left.last === 0 && left.queued === left.aside;
  };
  return rounds.closeRunning(
    round.id,
    ended,
    () => rounds.tally(round.issue, round.round),
    async (tally: Tally) => {
      const notes: string[] = [];
      const refusals = await rounds.refusals(round.issue, round.round);
      const refused = refusals.reduce((sum, r) => sum + r.count, 0);
      if (refused > 0) {
        const offered = tally.sent + tally.failed + tally.doubt + refused;
        notes.push(
          `the relay refused ${refused} of ${offered} deliveries (last reply: ${refusals[0]?.reply ?? ''}); ` +
            "that is its doing or the sender's, so no subscriber's bounce was counted",
        );
      }
      if (tally.queued > refused)
        notes.push(`${deliveries(tally.queued - refused)} could not be made now (each failed ${ctx.retry.attempts} times in this run)`);
      notes.push(doubtNote(tally));
      return notes.filter(Boolean).join('; ');
    },
  );
}
