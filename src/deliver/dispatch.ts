import { setTimeout as sleep } from 'node:timers/promises';
import type { QueuedDelivery } from '../ledger/index.ts';
import type { IssueToSend } from '../site/index.ts';
import type { Cadence } from '../subscribers/index.ts';
import { dispatchByClaims } from './claimed.ts';
import type { DispatchContext, DispatchSummary } from './context.ts';
import { createMessageMaker } from './maker.ts';
import { silentProgress } from './progress.ts';
import { FailureBreaker, type Verdict } from './_breaker.ts';
import { enhancedCode } from './refusal.ts';
import { SendError } from './transport.ts';

export type { DispatchContext, DispatchSummary } from './context.ts';
export { createMessageMaker, messageIdFor, type MakerOptions } from './maker.ts';

/** One line that says what a dispatch did. */
export function describeDispatch(s: DispatchSummary): string {
  const rate = s.seconds > 0 ? s.sent / s.seconds : 0;
  return (
    `${s.issue}${s.round > 0 ? ` (round ${s.round})` : ''}: ${s.sent} sent, ${s.skipped} skipped, ${s.failed} failed` +
    `${s.doubt > 0 ? `, ${s.doubt} in doubt` : ''}${s.queued > 0 ? `, ${s.queued} still queued` : ''}` +
    `${s.refused > 0 ? ` (${s.refused} refused by the relay)` : ''} in ${s.seconds.toFixed(1)} s (${rate.toFixed(0)} messages a second)`
  );
}

// More than half of this many recent attempts failing for the relay's or the sender's reasons stops a
// dispatch: the relay is down, or refuses what it is sent, and the failures say nothing about the recipients.
const BREAKER_WINDOW = 20;

/**
 * Mails an issue to every confirmed subscriber of a cadence, once each. Deliveries are queued in
 * the ledger first and marked sent only after the server's 250, so a dispatch that is stopped or
 * killed is resumed by running it again, which sends only what is not yet sent. Temporary failures
 * are retried with backoff. A refusal counts against a subscriber only when it is about their
 * mailbox (`classifyRefusal`) and the relay was taking most messages around it; a refusal for
 * policy, rate, content or quota is left queued and counted against nobody. A relay that refuses
 * to send at all (login, sender, relaying), or fails more than half of the recent attempts for
 * reasons that are not one recipient's own (`countsAgainstRelay`: a full mailbox is not), stops the
 * dispatch with everything left queued and nobody's bounce counted. A message the relay took without answering is "in doubt": it is not sent again, and the dispatch stops.
 * `force` starts a new round, so an issue already sent goes out again (once per subscriber).
 */
export async function dispatchIssue(
  issue: IssueToSend,
  ctx: DispatchContext,
  options: { force?: boolean; cadence?: Cadence; queueOnly?: boolean | undefined } = {},
): Promise<DispatchSummary> {
  if (ctx.claiming !== undefined) return dispatchByClaims(issue, ctx, ctx.claiming, options);
  const started = performance.now();
  const ledger = ctx.ledger.rounds;
  const progress = ctx.progress ?? silentProgress;
  const lock = await ctx.ledger.acquire('dispatch');
  try {
    const date = issue.id;
    const latest = await ledger.latestRound(date);
    const roundNumber = latest === undefined ? 0 : options.force && latest.status === 'done' ? latest.round + 1 : latest.round;
    const round = await ledger.open(date, roundNumber, options.cadence ?? 'daily');
    const make = createMessageMaker(issue, ctx, roundNumber);
    const counts = { sent: 0, skipped: 0, failed: 0, deferred: 0, doubt: 0, refused: 0 };
    await progress.start((await ledger.tally(date, roundNumber)).queued);

    let stopped: string | undefined;
    const stop = (why: string) => (stopped ??= why);
    const parallel = ctx.parallel + (ctx.transport.ahead ?? 0);
    type Held = { delivery: QueuedDelivery; messageId: string; attempts: number };
    const breaker = new FailureBreaker<Held>(BREAKER_WINDOW);
    let lastRefusal = '';
    // Refused in this run: not tried again in it.
    const refusedNow = new Set<number>();
    const done = (outcome: keyof typeof counts) => {
      counts[outcome]++;
      progress.tick(outcome === 'doubt' ? 'failed' : outcome === 'refused' ? 'deferred' : outcome);
    };
    // Left queued for the next run, counted against nobody, with the reply and its code for `status`.
    const refused = async (subscriberId: number, attempts: number, reply: string) => {
      lastRefusal = reply;
      refusedNow.add(subscriberId);
      await ledger.refuse(date, roundNumber, subscriberId, { attempts, reply, code: enhancedCode(reply) });
      done('refused');
    };
    // Held refusals of recipients, once judged: the subscribers' own, or the relay's.
    const judged = async (verdict: Verdict<Held>) => {
      for (const { delivery: held, error } of verdict.theirs) {
        await ledger.record(date, roundNumber, held.delivery.subscriberId, 'failed', {
          messageId: held.messageId,
          attempts: held.attempts,
          reply: error.reply,
        });
        await ctx.store.recordBounce(held.delivery.subscriberId, 'hard', error.reply);
        done('failed');
      }
      for (const { delivery: held, error } of verdict.relay) await refused(held.delivery.subscriberId, held.attempts, error.reply);
    };
    const attempted = async (failure: SendError | undefined, reply: string) => {
      await judged(breaker.attempt(failure));
      if (!breaker.tripped) return;
      const { failed: count, of } = breaker.recent;
      const why = `the relay failed ${count} of the last ${of} attempts (last reply: ${reply})`;
      stop(`${why}; that is the relay's doing, so no subscriber's bounce was counted`);
    };

    const deliver = async (d: QueuedDelivery) => {
      if (d.status !== 'confirmed') {
        await ledger.record(date, roundNumber, d.subscriberId, 'skipped', {
          attempts: d.attempts,
          reason: `${d.status} before it was sent`,
        });
        return done('skipped');
      }
      const message = await make({ id: d.subscriberId, email: d.email, topics: d.topics, tokenKey: d.tokenKey });
      if ('skip' in message) {
        await ledger.record(date, roundNumber, d.subscriberId, 'skipped', { attempts: d.attempts, reason: message.skip });
        return done('skipped');
      }
      let attempts = d.attempts;
      for (let tries = 1; ; tries++) {
        attempts++;
        try {
          const reply = await ctx.transport.send(message);
          await ledger.record(date, roundNumber, d.subscriberId, 'sent', { messageId: message.messageId, attempts, reply });
          await ctx.store.recordDelivered(d.subscriberId);
          done('sent');
          return await attempted(undefined, reply);
        } catch (error) {
          if (!(error instanceof SendError)) throw error;
          const requeue = async () => {
            await ledger.record(date, roundNumber, d.subscriberId, 'queued', { attempts, reply: error.reply });
            done('deferred');
          };
          if (error.kind === 'doubt') {
            await ledger.record(date, roundNumber, d.subscriberId, 'doubt', { messageId: message.messageId, attempts, reply: error.reply });
            done('doubt');
            stop(`the relay stopped answering after taking a whole message (${error.reply})`);
            return;
          }
          if (error.kind === 'relay') {
            await requeue();
            stop(`the relay refuses to send: ${error.reply}`);
            return;
          }
          await attempted(error, error.reply);
          if (error.kind === 'refused') return refused(d.subscriberId, attempts, error.reply);
          if (error.kind === 'recipient') {
            // Once the dispatch stopped, a refusal can no longer be weighed against the attempts after it.
            if (stopped !== undefined) return refused(d.subscriberId, attempts, error.reply);
            return await judged(breaker.hold({ delivery: { delivery: d, messageId: message.messageId, attempts }, error }));
          }
          if (stopped !== undefined || tries >= ctx.retry.attempts || ctx.signal?.aborted) return requeue();
          await sleep(ctx.retry.delayMs * 2 ** (tries - 1));
        }
      }
    };

    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    // Deliveries the relay refused in an earlier run go last: a relay that refuses some of the list
    // must not keep the rest from being tried.
    let after = 0;
    let refusedBefore = false;
    paging: for (;;) {
      const page = await ledger.queued(date, roundNumber, after, 500, refusedBefore);
      if (page.length === 0) {
        if (refusedBefore) break;
        refusedBefore = true;
        after = 0;
        continue;
      }
      for (const delivery of page) {
        while (inFlight.size >= parallel) await Promise.race(inFlight);
        if (stopped !== undefined || failure !== undefined) break paging;
        if (ctx.signal?.aborted) {
          stop('stopped on request');
          break paging;
        }
        after = delivery.subscriberId;
        if (refusedNow.has(delivery.subscriberId)) continue;
        const task: Promise<void> = deliver(delivery)
          .catch((error: unknown) => {
            failure ??= error;
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
    }
    await Promise.all(inFlight);
    await judged(breaker.end(counts.sent > 0));
    progress.finish();
    if (failure !== undefined) throw failure;

    const final = await ledger.tally(date, roundNumber);
    if (stopped === undefined && counts.refused > 0) {
      const offered = counts.refused + counts.sent + counts.failed;
      const why = `the relay refused ${counts.refused} of ${offered} deliveries (last reply: ${lastRefusal})`;
      stop(`${why}; that is its doing or the sender's, so no subscriber's bounce was counted`);
    }
    if (stopped === undefined && final.queued > 0) {
      stop(
        `${final.queued} ${final.queued === 1 ? 'delivery' : 'deliveries'} could not be made now (${counts.deferred} deferred after ${ctx.retry.attempts} attempts)`,
      );
    }
    const doubtNote = final.doubt > 0 ? `${final.doubt} in doubt (the relay took them without answering; not sent again)` : '';
    await ledger.close(round.id, final, [stopped, doubtNote].filter(Boolean).join('; '));
    return {
      issue: date,
      round: roundNumber,
      sent: counts.sent,
      skipped: counts.skipped,
      failed: counts.failed,
      doubt: final.doubt,
      queued: final.queued,
      refused: counts.refused,
      seconds: (performance.now() - started) / 1000,
      stopped,
    };
  } finally {
    await lock.release();
  }
}
