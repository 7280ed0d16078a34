import type { Socket } from 'node:net';
import { afterEach } from 'vitest';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** A message the sink accepted. */
export interface SinkMessage {
  from: string;
  to: string[];
  raw: Buffer;
  messageId: string | undefined;
  /** When the sink accepted it (`performance.now()` of the test process): when it reached the relay. */
  at: number;
}

/** A reply that refuses a command: its SMTP code and text. */
export interface Refusal {
  code: number;
  message: string;
}

/** How the sink misbehaves, asked per recipient (with its attempt number, from 1) and per message. */
export interface SinkBehaviour {
  rcpt?: (address: string, attempt: number) => Refusal | undefined;
  /**
   * 'drop' closes the connection in the middle of DATA; 'silent' takes the whole message (it is
   * kept) and never answers; a refusal answers the final dot with it.
   */
  data?: (to: string[], attempt: number) => 'drop' | 'silent' | Refusal | undefined;
  /** Milliseconds to wait before answering the final dot. */
  delayMs?: number;
  /**
   * Milliseconds to wait before answering each MAIL, RCPT and final dot: a relay's latency. A client
   * waits for each answer before its next command, so the answers of a connection keep their order.
   */
  replyDelayMs?: number;
  /**
   * Answers no final dot until this many messages wait for their answer at once (or ten seconds
   * passed): a client that sends over fewer connections at a time shows it in `peakWaiting`.
   */
  together?: number;
  /** Asks clients to log in (PLAIN or LOGIN, without TLS) with these credentials. */
  auth?: { user: string; pass: string };
}

/** A real SMTP server on loopback that keeps what it is sent, and can refuse or drop on cue. */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  /** Logins tried: the user name and whether it was taken. */
  readonly logins: { user: string; ok: boolean }[] = [];
  /** The name each client gave in EHLO (or HELO), once per message. */
  readonly greetings: string[] = [];
  readonly rcptAttempts = new Map<string, number>();
  readonly dataAttempts = new Map<string, number>();
  /** The most messages that waited for the answer to their final dot at the same time. */
  peakWaiting = 0;
  readonly #waiting: (() => void)[] = [];
  behaviour: SinkBehaviour;
  port = 0;
  #server: SMTPServer | undefined;
  readonly #sockets = new Map<number, Socket>();

  constructor(behaviour: SinkBehaviour = {}) {
    this.behaviour = behaviour;
  }

  /** Listens on the given port (0: any free one) and resolves once it does. */
  async start(port = this.port): Promise<this> {
    const auth = this.behaviour.auth;
    const server = new SMTPServer({
      authOptional: auth === undefined,
      disabledCommands: auth === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth: (login, _session, callback) => {
        const ok = auth !== undefined && login.username === auth.user && login.password === auth.pass;
        this.logins.push({ user: login.username ?? '', ok });
        if (!ok) return callback(Object.assign(new Error('5.7.8 authentication failed'), { responseCode: 535 }));
        callback(null, { user: login.username });
      },
      disableReverseLookup: true,
      logger: false,
      size: 10 * 1024 * 1024,
      onMailFrom: (_address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error) => void) => {
        this.greetings.push(session.hostNameAppearsAs);
        this.#later(() => callback());
      },
      onRcptTo: (address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error) => void) => {
        const attempt = (this.rcptAttempts.get(address.address) ?? 0) + 1;
        this.rcptAttempts.set(address.address, attempt);
        const refusal = this.behaviour.rcpt?.(address.address, attempt);
        this.#later(() => callback(refusal ? Object.assign(new Error(refusal.message), { responseCode: refusal.code }) : undefined));
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void) => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const key = to.join(',');
        const attempt = (this.dataAttempts.get(key) ?? 0) + 1;
        this.dataAttempts.set(key, attempt);
        const verdict = this.behaviour.data?.(to, attempt);
        const socket = this.#sockets.get(session.remotePort);
        const chunks: Buffer[] = [];
        let dropped = false;
        stream.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (verdict === 'drop' && !dropped) {
            dropped = true;
            this.#sockets.get(session.remotePort)?.destroy();
          }
        });
        stream.on('end', () => {
          if (dropped) return;
          const finish = () => {
            if (typeof verdict === 'object') return callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
            // Stopped while the answer waited: no 250 can reach the client, so the message was never
            // accepted (the client is right to send it again) and is not kept as if it were.
            if (verdict !== 'silent' && socket?.destroyed === true) return;
            const raw = Buffer.concat(chunks);
            const messageId = /^Message-ID:\s*<([^>]+)>/im.exec(raw.subarray(0, 4096).toString())?.[1];
            const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            this.messages.push({ from, to, raw, messageId, at: performance.now() });
            if (verdict !== 'silent') callback(null);
          };
          if (this.behaviour.together) this.#wait(finish, this.behaviour.together);
          else if (this.behaviour.delayMs) setTimeout(finish, this.behaviour.delayMs);
          else this.#later(finish);
        });
      },
    });
    server.on('error', () => undefined);
    (server as unknown as { server: import('node:net').Server }).server.on('connection', (socket: Socket) => {
      if (socket.remotePort !== undefined) this.#sockets.set(socket.remotePort, socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.listen(port, '127.0.0.1', () => resolve());
      (server as unknown as { server: import('node:net').Server }).server.once('error', reject);
    });
    this.port = ((server as unknown as { server: import('node:net').Server }).server.address() as import('node:net').AddressInfo).port;
    this.#server = server;
    return this;
  }

  // An answer, after the relay's latency when it has one.
  #later(answer: () => void): void {
    const delay = this.behaviour.replyDelayMs ?? 0;
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  }

  #wait(answer: () => void, together: number): void {
    this.#waiting.push(answer);
    this.peakWaiting = Math.max(this.peakWaiting, this.#waiting.length);
    const release = () => this.#waiting.splice(0).forEach((a) => a());
    if (this.#waiting.length >= together) release();
    else setTimeout(() => this.#waiting.includes(answer) && release(), 10_000).unref();
  }

  /** Stops listening and cuts every open connection: the server goes away. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets.values()) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The URL a transport takes to reach the sink. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** How many accepted messages carry each Message-ID. */
  countsById(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.messages) counts.set(m.messageId ?? '', (counts.get(m.messageId ?? '') ?? 0) + 1);
    return counts;
  }
}

/** A maker of sinks for a test file: every sink it made is stopped after each test. */
export function sinksPerTest(): (behaviour?: SinkBehaviour) => Promise<SmtpSink> {
  const made: SmtpSink[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((s) => s.stop()));
  });
  return async (behaviour = {}) => {
    const s = await new SmtpSink(behaviour).start();
    made.push(s);
    return s;
  };
}
