import { UsageError } from '../errors.ts';
import type { App } from '../app.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Output } from '../output.ts';

/** How a command opens the program: as a server (never blocking on the database), only reading, or to send mail. */
export interface AppOpening {
  server?: boolean;
  readOnly?: boolean;
  sends?: boolean;
  /** Only sends (`paperboy worker`). */
  onlySends?: boolean;
}

/** What a command is handed: where to write, where it runs, its settings, and the program's parts. */
export interface CommandContext {
  output: Output;
  /** The working folder: relative paths on the command line are read from here. */
  cwd: string;
  /** The settings, read from the environment and `.env` on first use. */
  config(): Config;
  /** The logger the settings ask for: every warning a command gives goes through it. */
  log(): Logger;
  /**
   * The program's parts, opened on first use (with `options` then) and closed when the command ends.
   * A command that sends mail says so: a bad DKIM key then stops it at once.
   */
  app(options?: AppOpening): App;
  /** Resolves when the command is asked to stop (SIGINT, SIGTERM, or the caller's signal). */
  stopped(): Promise<void>;
  /** Standard error when it is the process's own (a progress bar is drawn there when it is a terminal and logs are text). */
  progress: NodeJS.WriteStream | undefined;
}

/** A `--port` value, or the default. */
export function portOption(value: unknown, fallback: number): number {
  if (typeof value !== 'string') return fallback;
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port takes a port number, not "${value}"`);
  return port;
}
