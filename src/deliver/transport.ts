import { mkdir, rename, writeFile } from 'node:fs/promises';
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

/** How a delivery failed: permanent (5xx), temporary (4xx), or the connection itself. */
export type FailureKind = 'permanent' | 'temporary' | 'connection';

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
  send(message: Outgoing): Promise<string>;
  close(): Promise<void>;
}

/** What an SMTP transport may do at once. */
export interface SmtpOptions {
  connections: number;
  /** Messages per second at the most; 0 for no limit. */
  rate: number;
}

function classify(error: SmtpFailure): SendError {
  const code = error.responseCode;
  const reply = (error.response ?? error.message).replace(/\s+/g, ' ').trim();
  if (code !== undefined && code >= 500) return new SendError('permanent', reply, { cause: error });
  if (code !== undefined && code >= 400) return new SendError('temporary', reply, { cause: error });
  return new SendError('connection', `${error.code ?? 'ERROR'}: ${reply}`, { cause: error });
}

/**
 * Sends through an SMTP relay (`smtp://user:pass@host:port` or `smtps://…`) over a pool of
 * connections kept open (nodemailer's SMTP connection), each message already composed.
 */
export function smtpTransport(url: string, options: SmtpOptions): Transport {
  const pool = new SmtpPool(url, options.connections, options.rate);
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
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const path = join(dir, messageFileName(message.messageId));
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, rawMessage(message));
      await rename(temporary, path);
      return `250 written to ${path}`;
    },
    async close() {},
  };
}
