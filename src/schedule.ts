import cron from 'node-cron';
import type { Logger } from './log.ts';

/** The running schedules: when they next fire, and how to stop them. */
export interface Schedules {
  nextDaily(): Date | null;
  nextWeekly(): Date | null;
  /** Runs a job now, as a tick would (skipped if one is under way); resolves with what it did. */
  runNow(name: 'daily' | 'weekly'): Promise<string | undefined>;
  /** Stops firing; resolves once a job under way has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `daily` and `weekly` on their cron expressions in a time zone. One job at a time: a tick
 * that finds a job still running is skipped, with a log line.
 */
export function startSchedules(
  times: { daily: string; weekly: string; timeZone: string },
  jobs: { daily: () => Promise<string>; weekly: () => Promise<string> },
  log: Logger,
): Schedules {
  let running: Promise<string | undefined> | undefined;
  const run = (name: 'daily' | 'weekly') => async (): Promise<string | undefined> => {
    if (running) {
      log.info('tick skipped', { schedule: name, reason: 'the previous job is still running' });
      return undefined;
    }
    running = (async () => {
      try {
        const outcome = await jobs[name]();
        log.info('tick', { schedule: name, outcome });
        return outcome;
      } catch (error) {
        log.error('job failed', { schedule: name, error: (error as Error).message });
        return `failed: ${(error as Error).message}`;
      }
    })();
    const outcome = await running;
    running = undefined;
    return outcome;
  };
  const daily = cron.schedule(times.daily, () => void run('daily')(), {
    timezone: times.timeZone,
    name: 'daily',
    suppressMissedWarning: true,
  });
  const weekly = cron.schedule(times.weekly, () => void run('weekly')(), {
    timezone: times.timeZone,
    name: 'weekly',
    suppressMissedWarning: true,
  });
  return {
    runNow: (name) => run(name)(),
    nextDaily: () => daily.getNextRun(),
    nextWeekly: () => weekly.getNextRun(),
    async stop() {
      await daily.stop();
      await weekly.stop();
      await running;
    },
  };
}

/** When a cron expression next fires in a time zone, without scheduling anything. */
export function nextRun(expression: string, timeZone: string): Date | null {
  // Only a started task knows its next run; this one does nothing and is gone at once.
  const task = cron.createTask(expression, () => undefined, { timezone: timeZone });
  void task.start();
  const next = task.getNextRun();
  void task.destroy();
  return next;
}

/** A time as the operator reads it: in the schedule's time zone, with the zone named. */
export function inZone(date: Date | null, timeZone: string): string {
  if (!date) return 'never';
  const local = date.toLocaleString('sv-SE', { timeZone, hour12: false }).replace(' ', ' ');
  return `${local} ${timeZone}`;
}

// How far back `lastDue` looks: a week and a day covers any daily or weekly expression.
const LOOK_BACK_MS = 8 * 86_400_000;
// A zone's offset from UTC is a whole number of quarter hours, so a local minute is one of these UTC minutes.
const QUARTERS = [0, 15, 30, 45];

/**
 * When a cron expression last came due in a time zone, at or before a time: a function that
 * remembers what it found, so each call searches back only to the one before (a week and a day
 * at most); null when it was not due in that time.
 */
export function dueTimes(expression: string, timeZone: string): (at: Date) => Date | null {
  const fields = cron.parse(expression);
  const seconds = [...fields.second].sort((a, b) => b - a);
  const task = cron.createTask(expression, () => undefined, { timezone: timeZone });
  let known: { at: number; due: number | null } | undefined;
  return (at) => {
    const end = Math.floor(at.getTime() / 1000) * 1000;
    const floor = known && known.at <= end ? known.at : end - LOOK_BACK_MS;
    for (let minute = end - (end % 60_000); minute > floor - 60_000; minute -= 60_000) {
      const utcMinute = new Date(minute).getUTCMinutes();
      if (!QUARTERS.some((q) => fields.minute.includes((utcMinute + q) % 60))) continue;
      const found = seconds.map((s) => minute + s * 1000).find((t) => t <= end && t > floor && task.match(new Date(t)));
      if (found !== undefined) {
        known = { at: end, due: found };
        return new Date(found);
      }
    }
    known = { at: end, due: known && known.at <= end ? known.due : null };
    return known.due === null ? null : new Date(known.due);
  };
}

/** A job repeated on a cron expression; a tick that finds the last run still going is skipped. */
export interface Repeating {
  /** Runs the job now, unless a run is under way. */
  runNow(): Promise<void>;
  next(): Date | null;
  /** Stops firing; resolves once a run under way has finished. */
  stop(): Promise<void>;
}

/** Runs `job` on a cron expression in a time zone, one run at a time; the job handles its own failures. */
export function startRepeating(name: string, expression: string, timeZone: string, job: () => Promise<void>): Repeating {
  let running: Promise<void> | undefined;
  const runNow = async () => {
    if (running) return;
    running = job().finally(() => (running = undefined));
    await running;
  };
  const task = cron.schedule(expression, () => void runNow(), { timezone: timeZone, name, suppressMissedWarning: true });
  return {
    runNow,
    next: () => task.getNextRun(),
    async stop() {
      await task.stop();
      await running;
    },
  };
}
