import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { root } from './paths.ts';

/** `paperboy start` running in a child process, its output collected as it comes. */
export interface Running {
  child: ChildProcess;
  stdout: () => string;
  /** The structured log events seen so far. */
  events: () => Record<string, unknown>[];
  waitFor: (predicate: () => boolean, what: string, ms?: number) => Promise<void>;
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts `paperboy start` with only the given PAPERBOY_ settings. */
export function startPaperboy(env: Record<string, string>): Running {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('PAPERBOY_')) clean[key] = value;
  const child = spawn(process.execPath, [join(root, 'bin', 'paperboy.js'), 'start'], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const events = () =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    child,
    stdout: () => stdout,
    events,
    async waitFor(predicate, what, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log so far:\n${stderr}`);
        if (child.exitCode !== null) throw new Error(`paperboy start exited (${child.exitCode}) while waiting for ${what}:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
