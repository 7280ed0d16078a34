// A discarding SMTP sink for the delivery benchmark, in a process of its own: it takes every
// message, keeps none, and prints its port, then the count when asked (SIGUSR2) or at exit.
import { SMTPServer } from 'smtp-server';

let count = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  disableReverseLookup: true,
  logger: false,
  maxClients: 100,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      count++;
      callback(null);
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  const address = (server as unknown as { server: import('node:net').Server }).server.address() as import('node:net').AddressInfo;
  process.stdout.write(`${address.port}\n`);
});
process.on('SIGUSR2', () => process.stdout.write(`count ${count}\n`));
process.on('SIGTERM', () => {
  process.stdout.write(`count ${count}\n`);
  process.exit(0);
});
