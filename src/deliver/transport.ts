import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { removeLeftovers, writeError } from '../files.ts';
import { join } from 'node:path';
import { SmtpPool, type SmtpFailure } from './_smtp-pool.ts';
import { PaperboyError } from '../errors.ts';

/** One message on its way: who it is from and to on the envelope, and its bytes in parts. */
export interface Outgoing {
  envelope: { from: string; to: string };
  messageId: string;
  parts: readonly Buffer[];
}

/** A message's bytes in one buffer. */
export function rawMessage(message: Outgoing): Buffer {
  return Buffer.concat(message.parts);
}

/**
 * How a delivery failed, and so whom it says something about: the recipient (their mailbox was
 * refused), the message (its content was refused), the relay (it refuses to send at all: login,
 * sender, relaying), a temporary refusal or a broken connection (try again), or doubt (the relay
 * took the whole message and never answered: it may have been delivered).
 */
export type FailureKind = 'recipient' | 'message' | 'relay' | 'temporary' | 'connection' | 'doubt';

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

  /** Whether the failure says something about the recipient alone. */
  get permanent(): boolean {
    return this.kind === 'recipient' || this.kind === 'message';
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

// Replies to RCPT that are about the sender or the relay, not about the recipient's mailbox.
const RELAY_WORDING = /relay|authenticat|not (?:permitted|allowed|authori[sz]ed) to send|sender (?:address )?(?:rejected|not|unverified|verify)|unverified sender|\b5\.7\.(?:0|8|9|26|27|30)\b/i;

function classify(error: SmtpFailure): SendError {
  const code = error.responseCode;
  const reply = (error.response ?? error.message).replace(/\s+/g, ' ').trim();
  const kind = (what: FailureKind, text = reply) => new SendError(what, text, { cause: error });
  if (error.afterMessage) return kind('doubt', `the relay took the whole message and did not answer: ${reply}`);
  if (error.code === 'EAUTH') return kind('relay', `the relay refused the login: ${reply}`);
  if (code === undefined) return kind('connection', `${error.code ?? 'ERROR'}: ${reply}`);
  if (code < 500) return kind('temporary');
  if (error.command === 'RCPT TO') return kind(RELAY_WORDING.test(reply) ? 'relay' : 'recipient');
  if (error.command === 'DATA') return kind('message');
  return kind('relay');
}

/**
 * Sends through an SMTP relay (`smtp://user:pass@host:port` or `smtps://…`) over a pool of
 * connections kept open (nodemailer's SMTP connection), each message already composed.
 */
export function smtpTransport(url: string, options: SmtpOptions): Transport {
  const pool = new SmtpPool(url, { connections: options.connections, rate: options.rate, timeoutMs: options.timeoutMs ?? 60_000, name: options.name ?? 'localhost' });
  return {
    name: `smtp ${new URL(url).host}`,
    async send(message) {
      try {
        return await pool.send(message.envelope.from, message.envelope.to, message.parts);
      } catch (error) {
        throw classify(error as SmtpFailure);
      }
    },
    async close() {
      pool.close();
    },
  };
}

/** A file name for a message: its Message-ID, safe on any file system. */
export function messageFileName(messageId: string): string {
  return `${messageId.replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
}

/** Writes each message as an `.eml` file in `dir`, whole (temporary file and rename). */
export function fileTransport(dir: string): Transport {
  let ready: Promise<unknown> | undefined;
  return {
    name: `files in ${dir}`,
    async send(message) {
      // Leftovers of a process killed between writing and renaming go first.
      ready ??= mkdir(dir, { recursive: true }).then(() => removeLeftovers(dir));
      await ready.catch((error: unknown) => {
        ready = undefined;
        throw writeError(dir, error);
      });
      const path = join(dir, messageFileName(message.messageId));
      const temporary = `${path}.${process.pid}.tmp`;
      try {
        await writeFile(temporary, rawMessage(message));
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw writeError(path, error);
      }
      return `250 written to ${path}`;
    },
    async close() {},
  };
}
