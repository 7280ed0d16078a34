import { createHmac } from 'node:crypto';

/** The key a `whsec_…` secret holds. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

/**
 * The Standard Webhooks headers of one attempt: its id, its time (Unix seconds) and
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
 */
export function signedHeaders(key: Buffer, id: string, at: Date, body: string): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
