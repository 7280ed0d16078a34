import { afterEach, describe, expect, it } from 'vitest';
import { SendError, smtpTransport, type Outgoing } from '../../src/deliver/index.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});
async function sink(behaviour: ConstructorParameters<typeof SmtpSink>[0] = {}): Promise<SmtpSink> {
  const s = await new SmtpSink(behaviour).start();
  sinks.push(s);
  return s;
}

const message = (n: number): Outgoing => ({
  envelope: { from: 'papers@example.org', to: `reader${n}@example.org` },
  messageId: `m${n}@example.org`,
  parts: [
    Buffer.from(
      `From: papers@example.org\r\nTo: reader${n}@example.org\r\nMessage-ID: <m${n}@example.org>\r\nSubject: ${n}\r\n\r\nhello\r\n`,
    ),
  ],
});

describe('the SMTP pool', () => {
  it('sends no faster than its rate, whatever the connections', async () => {
    const smtp = await sink();
    const transport = smtpTransport(smtp.url, { connections: 3, rate: 20 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 11 }, (_, n) => transport.send(message(n))));
    await transport.close();
    expect(smtp.messages).toHaveLength(11);
    // Eleven messages at 20 a second: ten gaps of 50 ms at least (without a limit, about 50 ms in all).
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('with no rate, keeps every connection busy at once', async () => {
    // The sink answers only once four messages wait at once: one connection at a time never gets there.
    const smtp = await sink({ together: 4 });
    const transport = smtpTransport(smtp.url, { connections: 4, rate: 0 });
    await Promise.all(Array.from({ length: 8 }, (_, n) => transport.send(message(n))));
    await transport.close();
    expect(smtp.messages).toHaveLength(8);
    expect(smtp.peakWaiting).toBe(4);
  });

  it('logs in with the credentials of the URL, once per connection', async () => {
    const smtp = await sink({ auth: { user: 'relay-user', pass: 's3cret:with@signs' } });
    const transport = smtpTransport(`smtp://relay-user:${encodeURIComponent('s3cret:with@signs')}@127.0.0.1:${smtp.port}`, {
      connections: 2,
      rate: 0,
    });
    await Promise.all(Array.from({ length: 6 }, (_, n) => transport.send(message(n))));
    await transport.close();
    expect(smtp.messages).toHaveLength(6);
    expect(smtp.logins.length).toBeLessThanOrEqual(2);
    expect(smtp.logins.every((l) => l.ok && l.user === 'relay-user')).toBe(true);
  });

  it('refuses to send with wrong credentials, saying so', async () => {
    const smtp = await sink({ auth: { user: 'relay-user', pass: 'right' } });
    const transport = smtpTransport(`smtp://relay-user:wrong@127.0.0.1:${smtp.port}`, { connections: 1, rate: 0 });
    const failure = await transport.send(message(1)).catch((error: unknown) => error);
    await transport.close();
    expect(failure).toBeInstanceOf(SendError);
    expect((failure as SendError).message).toMatch(/authentication failed/);
    expect(smtp.messages).toHaveLength(0);
  });
});
