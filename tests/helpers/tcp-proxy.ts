import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP relay in front of a server, that can go away and come back on the same port, as a restarting server does. */
export interface TcpProxy {
  readonly port: number;
  /** Drops every connection and stops listening: new connections are refused. */
  down(): Promise<void>;
  /** Listens again, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a relay on a free port of 127.0.0.1 to `host:port`. */
export async function startTcpProxy(port: number, host = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const serve = (): Server =>
    createServer((client) => {
      const server = createConnection({ port, host });
      for (const socket of [client, server]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          server.destroy();
        });
      }
      client.pipe(server).pipe(client);
    });
  let listening = serve();
  const listen = (at: number) =>
    new Promise<number>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(at, '127.0.0.1', () => {
        const address = listening.address();
        resolve(typeof address === 'object' && address !== null ? address.port : at);
      });
    });
  const own = await listen(0);
  const down = async () => {
    await new Promise<void>((resolve) => {
      listening.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };
  return {
    port: own,
    down,
    up: async () => {
      listening = serve();
      await listen(own);
    },
    close: () => (listening.listening ? down() : Promise.resolve()),
  };
}
