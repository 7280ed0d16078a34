import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { AddressRange } from '../config.ts';
import { DatabaseBusyError, isBusy } from '../db/index.ts';
import { describeListen } from '../listen.ts';
import type { Logger } from '../log.ts';
import { isListDomain, mailboxOf, type Mailbox, type SubscriptionContext } from '../subscribers/index.ts';
import type { Deliveries } from './complaint.ts';
import { planInbound, type InboundOutcome } from './handle.ts';
import { addressList, clientLimits, INBOUND_LIMITS, INBOUND_SIZE_LIMIT } from './limits.ts';
import { openSpool, type Spool } from './spool.ts';

/** The deepest nesting of MIME parts taken: real requests and reports have two or three. */
const MAX_MIME_PARTS = 64;

function refusal(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** The running receiver. */
export interface Receiver {
  port: number;
  /** Where it really listens, as an operator reads it. */
  address: string;
  /** Outcomes of the messages handled so far, newest last (for tests and status). */
  outcomes: InboundOutcome[];
  /** Resolves once every message taken so far has been acted on. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** What the receiver is handed besides the list: its data folder, and the ledger, to know a Message-ID of ours in a complaint. */
export interface ReceiverOptions {
  /** Where what it takes is kept until it is acted on (`inbound/` in it). */
  dataDir: string;
  /** The operator's own forwarding mail servers: held to no per-client limit. */
  trusted?: readonly AddressRange[] | undefined;
  deliveries?: Deliveries | undefined;
  /** Told what each message did (the metrics count it). */
  onOutcome?: ((outcome: InboundOutcome) => void) | undefined;
}

async function parse(raw: Buffer): Promise<ParsedMail | Error> {
  // Parts nested without end make parsers recurse without end: refused before parsing.
  const boundaries = raw.toString('latin1').match(/boundary\s*=/gi)?.length ?? 0;
  if (boundaries > MAX_MIME_PARTS) return refusal(554, `5.6.0 the message nests more than ${MAX_MIME_PARTS} MIME parts`);
  try {
    return await simpleParser(raw);
  } catch {
    return refusal(554, '5.6.0 the message could not be read as MIME');
  }
}

// Acts on the kept messages one at a time, in the order they came. While the database is busy (a
// long import, a dispatch), the oldest waits and is tried again; it is forgotten only once done.
function applier(spool: Spool, ctx: SubscriptionContext, log: Logger, options: ReceiverOptions, outcomes: InboundOutcome[]) {
  const waiting: string[] = [];
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let closing = false;
  const stop = new AbortController();
  const apply = async (name: string): Promise<InboundOutcome | undefined> => {
    const kept = await spool.read(name);
    const box = mailboxOf(kept.recipient, ctx.sender);
    const message = await parse(kept.raw);
    // Kept only after it was read and its recipients checked: this happens only when the settings changed since.
    if (!box) throw new Error(`${kept.recipient} is not one of the list's addresses (any more)`);
    if (message instanceof Error) throw message;
    const plan = planInbound(ctx, log, box, message, kept.envelopeFrom, kept.raw, options.deliveries);
    return 'act' in plan ? plan.act() : undefined;
  };
  const step = async (name: string, pause: number): Promise<number> => {
    try {
      const outcome = await apply(name);
      await spool.remove(name);
      waiting.shift();
      if (outcome !== undefined) {
        outcomes.push(outcome);
        options.onOutcome?.(outcome);
      }
      return 0;
    } catch (error) {
      if (error instanceof DatabaseBusyError || isBusy(error)) {
        if (pause === 0) log.warn('inbound waits: the database is busy; the message is kept and tried again', { kept: name });
        await sleep(pause, undefined, { signal: stop.signal }).catch(() => undefined);
        return Math.min(Math.max(pause * 2, 250), 5_000);
      }
      waiting.shift();
      const kept = await spool.setAside(name).catch(() => name);
      log.error('inbound failed', { error: (error as Error).message, kept });
      return 0;
    }
  };
  const drain = async () => {
    try {
      let pause = 0;
      for (let name = waiting[0]; name !== undefined && !closing; name = waiting[0]) pause = await step(name, pause);
    } finally {
      busy = false;
    }
  };
  return {
    /** Queues kept messages, and starts acting on them unless it already is. */
    add(names: string[]): void {
      waiting.push(...names);
      if (busy || closing) return;
      busy = true;
      running = drain();
    },
    /** Resolves once every message kept so far has been acted on (or set aside). */
    idle: (): Promise<void> => running,
    async close(): Promise<void> {
      closing = true;
      stop.abort();
      await running;
    },
  };
}

/**
 * An SMTP receiver for the list's own addresses: every other recipient is refused at RCPT time
 * (never an open relay), messages over the size limit are refused, and each client address has
 * its own limits. A message is kept on disk (synced) before it is answered, and acted on after,
 * one at a time and in order: the answer takes as long for a listed address as for any other, a
 * busy database only delays the work, and what was taken before a restart is done after it.
 * When the message cannot be kept, the answer is `451`, and the sender tries again.
 */
export async function startReceiver(
  ctx: SubscriptionContext,
  log: Logger,
  listen: { port: number; host: string },
  options: ReceiverOptions,
): Promise<Receiver> {
  const sender = ctx.sender;
  const outcomes: InboundOutcome[] = [];
  const clients = clientLimits(INBOUND_LIMITS, addressList(options.trusted ?? []));
  const spool = await openSpool(options.dataDir);
  const work = applier(spool, ctx, log, options, outcomes);
  work.add(await spool.waiting());
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    size: INBOUND_SIZE_LIMIT,
    // The limits below decide; this only stops sockets piling up while they are refused.
    maxClients: INBOUND_LIMITS.total * 2,
    banner: 'paperboy list receiver',
    onConnect(session: SMTPServerSession, callback: (error?: Error) => void) {
      const refused = clients.connect(session.remoteAddress);
      if (refused !== undefined) return callback(refusal(421, `4.7.0 ${refused}`));
      (session as SMTPServerSession & { counted?: boolean }).counted = true;
      callback();
    },
    onClose(session: SMTPServerSession) {
      if ((session as SMTPServerSession & { counted?: boolean }).counted) clients.disconnect(session.remoteAddress);
    },
    onMailFrom(_address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error) => void) {
      if (!clients.message(session.remoteAddress, Date.now()))
        return callback(refusal(421, '4.7.0 too many messages from your address; try again later'));
      callback();
    },
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error) => void) {
      if (!isListDomain(address.address, sender))
        return callback(refusal(550, '5.7.1 relaying denied: this server takes mail for the list only'));
      if (!mailboxOf(address.address, sender)) return callback(refusal(550, '5.1.1 no such mailbox here'));
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(refusal(552, `5.3.4 message too big: the limit is ${INBOUND_SIZE_LIMIT} bytes`));
        void (async () => {
          try {
            const raw = Buffer.concat(chunks);
            const message = await parse(raw);
            if (message instanceof Error) return callback(message);
            const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            const recipients = session.envelope.rcptTo.map((r) => r.address).filter((address) => mailboxOf(address, sender) !== undefined);
            const plan = (address: string) =>
              planInbound(ctx, log, mailboxOf(address, sender) as Mailbox, message, envelopeFrom, raw, options.deliveries);
            const plans = recipients.map(plan);
            const refused = plans.find((plan) => 'refuse' in plan);
            if (refused && 'refuse' in refused) return callback(refusal(refused.refuse.code, refused.refuse.message));
            const kept: string[] = [];
            for (const recipient of recipients) kept.push(await spool.put({ envelopeFrom, recipient, raw }));
            callback(null);
            work.add(kept);
          } catch (error) {
            log.error('inbound message not kept', { error: (error as Error).message });
            callback(refusal(451, '4.3.0 could not keep the message now; try again later'));
          }
        })();
      });
    },
  });
  server.on('error', (error) => log.warn('inbound connection error', { error: error.message }));
  const net = (server as unknown as { server: import('node:net').Server }).server;
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return {
    port: (net.address() as import('node:net').AddressInfo).port,
    address: describeListen(net.address()),
    outcomes,
    idle: () => work.idle(),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await work.close();
    },
  };
}
