import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { NotStarted } from './not-started.ts';

/** An error from nodemailer's SMTP connection: an SMTP reply code when the server gave one. */
export interface SmtpFailure extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  /** The command the reply answered: `MAIL FROM`, `RCPT TO`, `DATA`, `AUTH …`, `CONN`. */
  command?: string;
  /** Set here: the whole message had been written when the failure came (its fate is unknown). */
  afterMessage?: boolean;
}

// Small parts (a subscriber's address and links, the fields around them) are joined with their
// neighbours before they are written: each chunk costs a write to the socket, while copying a few
// hundred bytes costs next to nothing. The large parts every copy shares go as they are.
const SMALL_PART = 4096;

function coalesce(parts: readonly Buffer[]): Buffer[] {
  const chunks: Buffer[] = [];
  let small: Buffer[] = [];
  const flush = () => {
    if (small.length > 0) chunks.push(small.length === 1 ? (small[0] as Buffer) : Buffer.concat(small));
    small = [];
  };
  for (const part of parts) {
    if (part.length >= SMALL_PART) {
      flush();
      chunks.push(part);
    } else small.push(part);
  }
  flush();
  return chunks;
}

/** How the pool talks to the relay. */
export interface PoolOptions {
  connections: number;
  /** Messages per second at the most; 0 for no limit. */
  rate: number;
  /** The longest wait for the connection, the greeting and each reply, in milliseconds. */
  timeoutMs: number;
  /** The name given in EHLO. */
  name: string;
}

/**
 * One SMTP connection kept open between messages: nodemailer's SMTPConnection, connected (and
 * logged in) on first use and again after it breaks. Messages go one after another, already
 * composed: nothing is built per message here.
 */
class Lane {
  #connection: SMTPConnection | undefined;
  #ready: Promise<SMTPConnection> | undefined;
  readonly #options: ReturnType<typeof parseConnectionUrl>;
  readonly #pool: PoolOptions;

  constructor(options: ReturnType<typeof parseConnectionUrl>, pool: PoolOptions) {
    this.#options = options;
    this.#pool = pool;
  }

  #connect(): Promise<SMTPConnection> {
    this.#ready ??= new Promise<SMTPConnection>((resolve, reject) => {
      const timeout = this.#pool.timeoutMs;
      const connection = new SMTPConnection({
        ...this.#options,
        name: this.#pool.name,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      });
      let settled = false;
      const fail = (error: Error) => {
        this.#drop(connection);
        if (!settled) {
          settled = true;
          reject(error);
        }
      };
      connection.on('error', fail);
      connection.once('end', () => this.#drop(connection));
      connection.connect((error?: Error) => {
        if (error) return fail(error);
        const { auth } = this.#options;
        if (!auth || !connection.allowsAuth) {
          settled = true;
          this.#connection = connection;
          return resolve(connection);
        }
        connection.login({ credentials: { user: auth.user, pass: auth.pass } }, (loginError) => {
          if (loginError) return fail(loginError);
          settled = true;
          this.#connection = connection;
          resolve(connection);
        });
      });
    });
    return this.#ready;
  }

  #drop(connection: SMTPConnection): void {
    if (this.#connection === connection || this.#connection === undefined) {
      this.#connection = undefined;
      this.#ready = undefined;
    }
    connection.close();
  }

  async send(from: string, to: string, parts: readonly Buffer[]): Promise<string> {
    const connection = await this.#connect();
    return new Promise((resolve, reject) => {
      // Streamed part by part: the parts shared by every copy are never copied into one buffer.
      const body = Readable.from(coalesce(parts), { objectMode: false });
      let written = false;
      body.once('end', () => (written = true));
      connection.send({ from, to: [to] }, body, (error, info) => {
        if (!error) return resolve(String(info.response ?? '250'));
        const failure = error as SmtpFailure;
        failure.afterMessage = written && failure.code === 'ETIMEDOUT';
        // A refused envelope or message leaves the connection usable once reset (the lane is free only
        // then); anything else breaks it.
        if ((failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE') && failure.responseCode !== 421) {
          connection.reset((resetError) => {
            if (resetError) this.#drop(connection);
            reject(failure);
          });
        } else {
          this.#drop(connection);
          reject(failure);
        }
      });
    });
  }

  close(): void {
    if (this.#connection) {
      this.#connection.quit();
      this.#connection = undefined;
      this.#ready = undefined;
    }
  }
}

/** A fixed number of lanes; a message waits for a free one, and for its turn under the rate limit. */
export class SmtpPool {
  readonly #idle: Lane[];
  readonly #waiting: ((lane: Lane) => void)[] = [];
  readonly #lanes: Lane[];
  readonly #interval: number;
  #next = 0;

  constructor(url: string, options: PoolOptions) {
    const parsed = parseConnectionUrl(url);
    this.#lanes = Array.from({ length: options.connections }, () => new Lane(parsed, options));
    this.#idle = [...this.#lanes];
    this.#interval = options.rate > 0 ? 1000 / options.rate : 0;
  }

  async #take(): Promise<Lane> {
    const lane = this.#idle.pop() ?? (await new Promise<Lane>((resolve) => this.#waiting.push(resolve)));
    if (this.#interval > 0) {
      const now = performance.now();
      const at = Math.max(now, this.#next);
      this.#next = at + this.#interval;
      if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
    }
    return lane;
  }

  #give(lane: Lane): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(lane);
    else this.#idle.push(lane);
  }

  /** Sends one composed message; resolves with the server's reply to it. */
  async send(from: string, to: string, parts: readonly Buffer[], mayStart?: () => boolean): Promise<string> {
    const lane = await this.#take();
    try {
      if (mayStart?.() === false) throw new NotStarted(`${to}: not sent, no longer held`);
      return await lane.send(from, to, parts);
    } finally {
      this.#give(lane);
    }
  }

  close(): void {
    for (const lane of this.#lanes) lane.close();
  }
}
