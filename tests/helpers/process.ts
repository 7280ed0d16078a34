import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, childEnv, sampleProject } from './cli.ts';
import { need } from './peers.ts';

/**
 * The options of a test that starts the real program: on a loaded machine one start alone (loading
 * the program, building the site) takes seconds, so such a test gets more time than the in-process
 * ones, and each wait in it (`waitFor`, on a condition) fails first, naming what it waited for.
 */
export const PROCESS_TEST = { timeout: 120_000 };

/** `paperboy start` running in a child process, its output collected as it comes. */
export interface Running {
  child: ChildProcess;
  stdout: () => string;
  /** The structured log events seen so far. */
  events: () => Record<string, unknown>[];
  /** Resolves once `predicate` holds, checked each time the process writes something (and every 50 ms). */
  waitFor: (predicate: () => boolean, what: string, ms?: number) => Promise<void>;
  /** The web server's address, once it printed it. */
  webUrl: () => Promise<string>;
  /** Sends a signal (to its process group, when it has one) and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Starts `paperboy start` (the real binary, in its own process) with only the given PAPERBOY_ settings;
 * `group` starts it in a process group of its own, which `stop` signals as a whole.
 */
export function startPaperboy(env: Record<string, string>, options: { group?: boolean } = {}): Running {
  need('processes');
  const child = spawn(process.execPath, [BIN, 'start'], {
    cwd: sampleProject(),
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
    wake();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    wake();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.on('exit', wake);
  const events = () =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitFor = (predicate: () => boolean, what: string, ms = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate()) finish(() => resolve());
        // Ended by a signal (a crash, the OOM killer), it has no exit code: that is seen too, and named.
        else if (child.exitCode !== null || child.signalCode !== null) {
          finish(() =>
            reject(new Error(`paperboy start exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}:\n${stderr}`)),
          );
        }
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}; log so far:\n${stderr}`))), ms);
      // Also looked at now and then: a predicate may watch something outside the process (a sink).
      const poll = setInterval(check, 50);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        clearInterval(poll);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  return {
    child,
    stdout: () => stdout,
    events,
    waitFor,
    async webUrl() {
      const pattern = /web: .*listening on ([\d.]+):(\d+)/;
      await waitFor(() => pattern.test(stdout), 'the web server');
      const [, host, port] = pattern.exec(stdout) ?? [];
      return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        if (options.group === true && child.pid !== undefined) process.kill(-child.pid, signal);
        else child.kill(signal);
      }
      return exited;
    },
  };
}
