import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { networkOf, type Receiver } from '../../src/inbound/index.ts';
import { plainMessage as message, startInbound } from '../helpers/inbound.ts';

// Trusted: the operator's forwarding mail server, at 127.0.3.x.
const config = loadConfig({ PAPERBOY_INBOUND_TRUSTED: '127.0.3.0/24, ::1' }, '/nonexistent');

// A receiver of its own for each test, so that no test sees another's connections.
let receiver: Receiver;
const open: Socket[] = [];
beforeEach(async () => {
  receiver = (await startInbound({ trusted: config.inboundTrusted })).receiver;
});
afterEach(async () => {
  for (const socket of open.splice(0)) socket.destroy();
  await receiver.close();
});

// Opens a connection from a loopback address of its own, and gives the greeting's code (220 or 421).
function greeting(from: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: receiver.port, localAddress: from });
    open.push(socket);
    socket.once('data', (data: Buffer) => resolve(data.toString().slice(0, 3)));
    socket.once('error', reject);
  });
}

// `count` connections from each address, all at once; the codes they were greeted with.
async function flood(addresses: string[], count: number): Promise<string[]> {
  return Promise.all(addresses.flatMap((address) => Array.from({ length: count }, () => greeting(address))));
}

const range = (network: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${network}.${from + i}`);
const accepted = (codes: string[]) => codes.filter((code) => code === '220').length;

describe('connection limits', () => {
  it('take a /24 for a network of IPv4 addresses, a /64 for IPv6', () => {
    expect(networkOf('192.0.2.7')).toBe('192.0.2.0/24');
    expect(networkOf('::ffff:192.0.2.200')).toBe('192.0.2.0/24');
    expect(networkOf('2001:db8:1:2:aaaa::1')).toBe(networkOf('2001:db8:1:2::bbbb:2'));
    expect(networkOf('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:db8:1:3::1')).not.toBe(networkOf('2001:db8:1:2::1'));
    expect(networkOf('::1')).toBe('0:0:0:0::/64');
  });

  it('count per network too: 51 addresses of one /24 with 10 connections each take 50, and lock nobody else out', async () => {
    const codes = await flood(range('127.0.1', 1, 51), 10);
    expect(codes).toHaveLength(510);
    expect(accepted(codes)).toBe(50);
    expect(await greeting('127.0.1.200')).toBe('421');
    expect(await greeting('127.0.2.1')).toBe('220');
    expect(await greeting('127.0.2.2')).toBe('220');
  });

  it('keep a share of the total for networks that hold nothing yet', async () => {
    // Eight networks at their limit fill all but the reserved share.
    const hogs = await flood(
      ['127.0.10', '127.0.11', '127.0.12', '127.0.13', '127.0.14', '127.0.15', '127.0.16', '127.0.17'].flatMap((n) => range(n, 1, 5)),
      10,
    );
    expect(accepted(hogs)).toBe(400);
    // A ninth gets only a newcomer's share of what is left ...
    expect(accepted(await flood(range('127.0.18', 1, 5), 10))).toBe(2);
    // ... and other networks still get in.
    for (let n = 30; n < 40; n++) expect(await greeting(`127.0.${n}.1`)).toBe('220');
  });

  it('forget connections once they close', async () => {
    expect(accepted(await flood(range('127.0.5', 1, 5), 10))).toBe(50);
    for (const socket of open.splice(0)) socket.destroy();
    // The receiver sees them close a moment later.
    let again = 0;
    for (const deadline = Date.now() + 10_000; again < 50 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = accepted(await flood(range('127.0.5', 1, 5), 10));
      for (const socket of open.splice(0)) socket.destroy();
    }
    expect(again).toBe(50);
  });
});

describe('PAPERBOY_INBOUND_TRUSTED', () => {
  // Messages sent over one connection from `from`; how many were taken before the first refusal.
  async function burst(from: string, count: number): Promise<{ taken: number; refusal: number | undefined }> {
    const client = nodemailer.createTransport({
      host: '127.0.0.1',
      port: receiver.port,
      localAddress: from,
      pool: true,
      maxConnections: 1,
      maxMessages: Infinity,
      ignoreTLS: true,
    });
    let taken = 0;
    try {
      for (; taken < count; taken++) {
        const raw = message({ From: 'forwarded@example.net', Subject: 'hello' }).replace(/\n/g, '\r\n');
        await client.sendMail({ envelope: { from: 'forwarded@example.net', to: ['papers@list.example.org'] }, raw });
      }
      return { taken, refusal: undefined };
    } catch (error) {
      return { taken, refusal: (error as { responseCode?: number }).responseCode };
    } finally {
      client.close();
    }
  }

  it('is read as addresses and networks, and refuses anything else by name', () => {
    expect(config.inboundTrusted).toEqual([
      { address: '127.0.3.0', prefix: 24, family: 'ipv4' },
      { address: '::1', prefix: 128, family: 'ipv6' },
    ]);
    for (const bad of ['mail.example.org', '127.0.0.1/33', '10.0.0.0/8/1', '2001:db8::/129']) {
      expect(() => loadConfig({ PAPERBOY_INBOUND_TRUSTED: `127.0.0.1, ${bad}` }, '/nonexistent')).toThrow(
        /PAPERBOY_INBOUND_TRUSTED: must be addresses or networks/,
      );
    }
  });

  it('lifts the message rate for the operator’s own forwarder, and only for it', async () => {
    expect(await burst('127.0.3.7', 45)).toEqual({ taken: 45, refusal: undefined });
    expect(await burst('127.0.4.7', 45)).toEqual({ taken: 30, refusal: 421 });
    await receiver.idle();
  });

  it('lifts the connection limits for it too', async () => {
    expect(accepted(await flood(['127.0.3.8'], 60))).toBe(60);
    expect(accepted(await flood(['127.0.4.8'], 60))).toBe(10);
  });
});
