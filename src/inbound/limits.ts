import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { AddressRange } from '../config.ts';

/** How much of the receiver one client may take. */
export interface InboundLimits {
  /** Connections at once from one address. */
  perAddress: number;
  /** Connections at once from one network: a /24 (IPv4) or a /64 (IPv6). */
  perNetwork: number;
  /** Connections at once in all. */
  total: number;
  /** Of `total`, the share kept for networks that hold at most `newcomer` connections. */
  reserved: number;
  newcomer: number;
  /** Messages a minute from one address (not from a trusted one). */
  messagesPerMinute: number;
}

/** The largest message taken: requests and bounce reports are small. */
export const INBOUND_SIZE_LIMIT = 256 * 1024;

/** The limits the receiver runs with. */
export const INBOUND_LIMITS: Readonly<InboundLimits> = Object.freeze({
  perAddress: 10,
  perNetwork: 50,
  total: 500,
  reserved: 100,
  newcomer: 2,
  messagesPerMinute: 30,
});

// The 16-bit groups of an IPv6 address (`::` expanded, an IPv4 tail as two groups).
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The network an address is counted in: its /24 for IPv4 (IPv4-mapped IPv6 too), its /64 for IPv6. */
export function networkOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
  if (isIPv4(mapped)) return `${mapped.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(address)) return address;
  return `${ipv6Groups(address)
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The addresses a list of ranges holds, to ask of any client address. */
export function addressList(ranges: readonly AddressRange[]): (address: string) => boolean {
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.address, range.prefix, range.family);
  return (address) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
    if (isIPv4(mapped)) return list.check(mapped, 'ipv4');
    return isIPv6(address) && list.check(address, 'ipv6');
  };
}

const bump = (counts: Map<string, number>, key: string, by: number) => {
  const count = (counts.get(key) ?? 0) + by;
  if (count <= 0) counts.delete(key);
  else counts.set(key, count);
};

/**
 * Counts connections per address, per network and in all, and messages per address, forgetting
 * what is no longer in use. A trusted address (the operator's own forwarding mail server, behind
 * which all mail comes from one address) is held only to the total.
 */
export function clientLimits(limits: InboundLimits, trusted: (address: string) => boolean) {
  const addresses = new Map<string, number>();
  const networks = new Map<string, number>();
  const messages = new Map<string, number[]>();
  let total = 0;
  return {
    /** Counts a new connection, or says why it is refused. */
    connect(address: string): string | undefined {
      const network = networkOf(address);
      const held = networks.get(network) ?? 0;
      if (total >= limits.total) return 'too many connections; try again later';
      if (!trusted(address)) {
        if ((addresses.get(address) ?? 0) >= limits.perAddress) return 'too many connections from your address; try again later';
        if (held >= limits.perNetwork) return 'too many connections from your network; try again later';
        // The last share of the total is kept for networks that hold (almost) nothing yet.
        const reserve = total >= limits.total - limits.reserved;
        if (reserve && held >= limits.newcomer) return 'too many connections from your network; try again later';
      }
      bump(addresses, address, 1);
      bump(networks, network, 1);
      total++;
      return undefined;
    },
    disconnect(address: string): void {
      bump(addresses, address, -1);
      bump(networks, networkOf(address), -1);
      total--;
    },
    /** Counts a message, or false when its address sent its share for this minute. */
    message(address: string, now: number): boolean {
      if (trusted(address)) return true;
      const times = (messages.get(address) ?? []).filter((t) => now - t < 60_000);
      if (times.length >= limits.messagesPerMinute) return false;
      times.push(now);
      messages.set(address, times);
      if (messages.size > 10_000) for (const [key, list] of messages) if (list.every((t) => now - t >= 60_000)) messages.delete(key);
      return true;
    },
  };
}
