import type { Logger } from '../log.ts';

/** What became of one delivery, as progress counts it. */
export type Outcome = 'sent' | 'skipped' | 'failed' | 'deferred';

/** Reports a dispatch as it goes. */
export interface Progress {
  /** Told how many are queued, once the round is open; the dispatch waits for what it returns. */
  start(total: number): void | Promise<void>;
  tick(outcome: Outcome): void;
  finish(): void;
}

/** Progress drawn on a terminal or told in a log: it starts at once. */
export interface DrawnProgress extends Progress {
  start(total: number): void;
}

/** Reports nothing. */
export const silentProgress: Progress = { start() {}, tick() {}, finish() {} };

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * On a terminal, a bar redrawn in place (done / total, rate, time left); in a log, one line per
 * thousand deliveries, through `log` when given (then never a bar: the log's lines are JSON).
 */
export function createProgress(
  stream: NodeJS.WriteStream,
  label: string,
  log?: Logger,
  now: () => number = () => performance.now(),
): DrawnProgress {
  let total = 0;
  let done = 0;
  let sent = 0;
  let started = 0;
  let drawn = 0;
  const tty = stream.isTTY === true && log === undefined;
  const line = () => {
    const seconds = (now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    return { rate, left: rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY };
  };
  const draw = () => {
    const { rate, left } = line();
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    stream.write(
      `\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} · ${sent} sent · ${rate.toFixed(0)}/s · ${clock(left)} left `,
    );
  };
  return {
    start(n) {
      total = n;
      started = now();
      if (tty) draw();
    },
    tick(outcome) {
      done++;
      if (outcome === 'sent') sent++;
      if (tty) {
        if (now() - drawn > 100 || done === total) {
          drawn = now();
          draw();
        }
      } else if (done % 1000 === 0 && log) {
        log.info('progress', { of: label, done, total, sent, rate: Number(line().rate.toFixed(0)) });
      } else if (done % 1000 === 0) {
        stream.write(`${label}: ${done}/${total} done, ${sent} sent, ${line().rate.toFixed(0)} a second\n`);
      }
    },
    finish() {
      if (tty) {
        draw();
        stream.write('\n');
      }
    },
  };
}
