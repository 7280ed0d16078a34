import { chmod, mkdir } from 'node:fs/promises';
import { removeLeftovers, writeAtomically, writeError } from '../files.ts';
import { join } from 'node:path';
import { SmtpPool, type SmtpFailure } from './_smtp-pool.ts';
import { NotStarted } from './not-started.ts';
import { PaperboyError } from '../errors.ts';
import { classifyRefusal, type FailureKind } from './refusal.ts';

/** One message on its way: who it is from and to on the envelope, and its bytes in parts. */
export interface Outgoing {
  envelope: { from: string; to: string };
  messageId: string;
  parts: readonly Buffer[];
  /**
   * Asked at the last moment before the message's SMTP transaction starts (a connection is free for
   * it): false, and it is not sent (`NotStarted`). A sender holding the delivery on a lease says here
   * whether it can still show that it holds it.
   */
  mayStart?: () => boolean;
}

/** A message's bytes in one buffer. */
export function rawMessage(message: Outgoing): Buffer {
  return Buffer.concat(message.parts);
}

/** A message the server did not take, with its reply. */
export class SendError extends PaperboyError {
  override name = 'SendError';
  readonly kind: FailureKind;
  readonly reply: string;
  constructor(kind: FailureKind, reply: string, options?: { cause?: unknown }) {
    super(reply, options);
    this.kind = kind;
    this.reply = reply;
  }
}

/** Where messages go: an SMTP server, or files. `send` resolves with the server's reply once it said 250. */
export interface Transport {
  readonly name: string;
  /**
   * How many messages more than the dispatch's own `parallel` it should keep on their way: a
   * transport that works on each message before sending it (signing) is then never left idle.
   */
  readonly ahead?: number;
  send(message: Outgoing): Promise<string>;
  close(): Promise<void>;
}

/** What an SMTP transport may do at once, and how long it waits. */
export interface SmtpOptions {
  connections: number;
  /** Messages per second at the most; 0 for no limit. */
  rate: number;
  /** The longest wait for the connection, the greeting and each reply (60 s by default). */
  timeoutMs?: number;
  /** The name given in EHLO (`localhost` by default). */
  name?: string;
}

function classify(error: SmtpFailure): SendError {
  const reply = (error.response ?? error.message).replace(/\s+/g, ' ').trim();
  // A login refused, or impossible (no credentials the server takes), whatever the command.
  const login = error.code === 'EAUTH';
  const kind = classifyRefusal({ command: login ? 'AUTH' : error.command, code: error.responseCode, reply }, error.afterMessage);
  if (login) return new SendError(kind, `the relay refused the login: ${reply}`, { cause: error });
  if (kind === 'doubt') return new SendError(kind, `the relay took the whole message and did not answer: ${reply}`, { cause: error });
  if (kind === 'connection') return new SendError(kind, `${error.code ?? 'ERROR'}: ${reply}`, { cause: error });
  return new SendError(kind, reply, { cause: error });
}

/**
 * Sends through an SMTP relay (`smtp://user:pass@host:port` or `smtps://…`) over a pool of
 * connections kept open (nodemailer's SMTP connection), each message already composed.
 */
export function smtpTransport(url: string, options: SmtpOptions): Transport {
  const pool = new SmtpPool(url, {
    connections: options.connections,
    rate: options.rate,
    timeoutMs: options.timeoutMs ?? 60_000,
    name: options.name ?? 'localhost',
  });
  return {
    name: `smtp ${new URL(url).host}`,
    async send(message) {
      try {
        return await pool.send(message.envelope.from, message.envelope.to, message.parts, message.mayStart);
      } catch (error) {
        if (error instanceof NotStarted) throw error;
        throw classify(error as SmtpFailure);
      }
    },
    async close() {
      pool.close();
    },
  };
}

// Text as part of a file name on any file system: no separators, no leading dot, not too long.
const safeName = (text: string, length: number) =>
  text
    .replace(/[^A-Za-z0-9._@+-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, length);

/** A file name for a message: its recipient, then its Message-ID, both in a form safe on any file system. */
export function messageFileName(message: { envelope: { to: string }; messageId: string }): string {
  return `${safeName(message.envelope.to, 100)}--${safeName(message.messageId.replace(/^<|>$/g, ''), 120)}.eml`;
}

/** Writes each message as an `.eml` file in `dir`, whole (temporary file and rename), readable by the owner alone. */
export function fileTransport(dir: string): Transport {
  let ready: Promise<unknown> | undefined;
  return {
    name: `files in ${dir}`,
    async send(message) {
      // The messages hold addresses and personal links: the folder is the owner's alone (one made
      // before is closed too). Leftovers of a process killed between writing and renaming go first.
      ready ??= mkdir(dir, { recursive: true, mode: 0o700 })
        .then(() => chmod(dir, 0o700))
        .then(() => removeLeftovers(dir));
      await ready.catch((error: unknown) => {
        ready = undefined;
        throw writeError(dir, error);
      });
      if (message.mayStart?.() === false) throw new NotStarted(`${message.messageId}: not written, no longer held`);
      const path = join(dir, messageFileName(message));
      await writeAtomically(path, rawMessage(message), { mode: 0o600 });
      return `250 written to ${path}`;
    },
    async close() {},
  };
}
