import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A request the receiver took, its signature verified by the `standardwebhooks` package. */
export interface Received {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** A real webhook receiver on loopback: verifies every request, keeps the good ones, and answers as told. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Requests whose signature did not verify. */
  readonly forged: string[] = [];
  /** Every request, answered or not, by its webhook-id. */
  readonly attempts: string[] = [];
  /** What to answer an event with (200 by default); a status that is not 2xx refuses it. */
  answer: (id: string, type: string) => number = () => 200;
  readonly #verifier: Webhook;
  #server: Server | undefined;
  #port = 0;

  constructor(secret: string) {
    this.#verifier = new Webhook(secret);
  }

  /** Where events are posted. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks/paperboy`;
  }

  /** Starts listening (on the same port as before, after a `down`). */
  async up(): Promise<void> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const id = String(request.headers['webhook-id'] ?? '');
        this.attempts.push(id);
        let payload: { type: string; timestamp: string; data: Record<string, unknown> };
        try {
          payload = this.#verifier.verify(body, headersOf(request.headers)) as typeof payload;
        } catch (error) {
          this.forged.push(`${id}: ${(error as Error).message}`);
          response.writeHead(400).end();
          return;
        }
        const status = this.answer(id, payload.type);
        if (status >= 200 && status < 300) this.received.push({ id, type: payload.type, timestamp: payload.timestamp, data: payload.data });
        response.writeHead(status, { 'content-type': 'text/plain' }).end('x'.repeat(100_000));
      });
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening: requests meet a refused connection. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Waits until `done` holds, or fails after `ms`. */
  async until(done: (received: Received[]) => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await done(this.received))) {
      if (Date.now() > end) throw new Error(`the receiver still waits after ${ms} ms: got ${this.received.map((r) => r.type).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function headersOf(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : String(value ?? '')]),
  );
}

/** A Standard Webhooks secret for tests. */
export const WEBHOOK_SECRET = `whsec_${Buffer.from('paperboy-tests-webhook-secret-32b').toString('base64')}`;
