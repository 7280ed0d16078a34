import type { AddressInfo } from 'node:net';
import { PaperboyError } from './errors.ts';

/** Where a server really listens, as an operator reads it: `127.0.0.1:8080`, `0.0.0.0:8080 (every address)`. */
export function describeListen(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const every = address.address === '0.0.0.0' || address.address === '::';
  return `${host}:${address.port}${every ? ' (every address)' : ''}`;
}

/**
 * Why a server could not listen, in one line that starts with `place` (the setting or flag that
 * chose its port) and ends with `remedy`; an error of another kind is handed back as it is.
 */
export function listenError(place: string, port: number, host: string, error: unknown, remedy = 'choose another'): unknown {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (code === 'EADDRINUSE')
    return new PaperboyError(`${place}: port ${port} is in use (another program listens on it); ${remedy}`, { cause: error });
  if (code === 'EACCES' && syscall === 'listen')
    return new PaperboyError(`${place}: port ${port} is reserved for the administrator; ${remedy} above 1023`, { cause: error });
  if (code === 'EADDRNOTAVAIL') return new PaperboyError(`PAPERBOY_HOST: ${host} is not an address of this machine`, { cause: error });
  return error;
}
