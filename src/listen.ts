import type { AddressInfo } from 'node:net';

/** Where a server really listens, as an operator reads it: `127.0.0.1:8080`, `0.0.0.0:8080 (every address)`. */
export function describeListen(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const every = address.address === '0.0.0.0' || address.address === '::';
  return `${host}:${address.port}${every ? ' (every address)' : ''}`;
}
