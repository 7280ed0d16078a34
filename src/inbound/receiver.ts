import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../log.ts';
import type { SubscriptionContext } from '../subscribers/index.ts';
import { isListDomain, mailboxOf, type Mailbox } from './addresses.ts';
import { handleInbound, type InboundOutcome } from './handle.ts';

/** The largest message taken: requests and bounce reports are small. */
export const INBOUND_SIZE_LIMIT = 256 * 1024;

/** Limits per client: connections at once, and messages a minute from one address. */
const MAX_CLIENTS = 50;
const MESSAGES_PER_MINUTE = 30;

function refusal(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** The running receiver. */
export interface Receiver {
  port: number;
  /** Outcomes of the messages handled so far, newest last (for tests and status). */
  outcomes: InboundOutcome[];
  close(): Promise<void>;
}

/**
 * An SMTP receiver for the list's own addresses: every other recipient is refused at RCPT time
 * (never an open relay), messages over the size limit are refused, and each client has limits.
 */
export async function startReceiver(ctx: SubscriptionContext, log: Logger, listen: { port: number; host: string }): Promise<Receiver> {
  const sender = ctx.sender;
  const outcomes: InboundOutcome[] = [];
  const recent = new Map<string, number[]>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    size: INBOUND_SIZE_LIMIT,
    maxClients: MAX_CLIENTS,
    banner: 'paperboy list receiver',
    onMailFrom(_address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error) => void) {
      const now = Date.now();
      const times = (recent.get(session.remoteAddress) ?? []).filter((t) => now - t < 60_000);
      if (times.length >= MESSAGES_PER_MINUTE) return callback(refusal(421, '4.7.0 too many messages from your address; try again later'));
      times.push(now);
      recent.set(session.remoteAddress, times);
      callback();
    },
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error) => void) {
      if (!isListDomain(address.address, sender)) return callback(refusal(550, '5.7.1 relaying denied: this server takes mail for the list only'));
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
            const message = await simpleParser(Buffer.concat(chunks));
            const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            const boxes = session.envelope.rcptTo.map((r) => mailboxOf(r.address, sender)).filter((b): b is Mailbox => b !== undefined);
            for (const box of boxes) outcomes.push(await handleInbound(ctx, log, box, message, envelopeFrom));
            callback(null);
          } catch (error) {
            log.error('inbound failed', { error: (error as Error).message });
            callback(refusal(451, '4.3.0 could not handle the message now; try again later'));
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
    outcomes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
