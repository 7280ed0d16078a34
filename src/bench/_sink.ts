// A discarding SMTP sink for the delivery benchmark, in a process of its own: it takes every
// message, keeps none, and prints its port, then the count when asked (SIGUSR2) or at exit.
//
// `smtp-server` is the library's server. The default is a plain one: it stands for a relay on
// another machine, so it should take as little as it can of the two cores the sender is measured
// on. smtp-server parses every line of a message in JavaScript (about 0.7 ms of processor time for
// a 60 KB issue, half what the sender spends on it), and Postfix's smtp-sink reads line by line
// too; this one looks for the end of the data with Buffer.indexOf and nothing else.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

let count = 0;
const END_OF_DATA = Buffer.from('\r\n.\r\n');

function reply(line: string): string {
  const verb = line.slice(0, 4).toUpperCase();
  if (verb === 'EHLO') return '250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n';
  if (verb === 'DATA') return '354 end with <CRLF>.<CRLF>\r\n';
  if (verb === 'QUIT') return '221 bye\r\n';
  if (['HELO', 'MAIL', 'RCPT', 'RSET', 'NOOP'].includes(verb)) return '250 ok\r\n';
  return '502 not here\r\n';
}

// `delay MS`: a relay's latency: MAIL, RCPT and each end of data answered that late, in order per connection.
const latencyMs = process.argv[2] === 'delay' ? Number(process.argv[3] ?? 20) : 0;

// One connection: commands line by line, then the data of a message up to its lone dot.
function plainSession(socket: Socket): void {
  socket.setNoDelay(true);
  // The answers of one connection, in order: a late one holds back those after it.
  let answered = Promise.resolve();
  const write = (text: string, late: boolean) => {
    if (latencyMs === 0) return void socket.write(text);
    answered = answered
      .then(() => (late ? new Promise((resolve) => setTimeout(resolve, latencyMs)) : undefined))
      .then(() => void socket.write(text));
  };
  let line = '';
  // While taking data, the last bytes seen, so an end of data cut between two chunks is found.
  let data: Buffer | undefined;
  socket.write('220 sink ESMTP\r\n');
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (data !== undefined) {
        const seam = Buffer.concat([data, chunk.subarray(at, at + END_OF_DATA.length - 1)]).indexOf(END_OF_DATA);
        const found = seam !== -1 ? at + seam - data.length : chunk.indexOf(END_OF_DATA, at);
        if (found === -1) {
          data = Buffer.concat([data, chunk.subarray(at)]).subarray(-(END_OF_DATA.length - 1));
          return;
        }
        data = undefined;
        count++;
        write('250 2.0.0 taken\r\n', true);
        at = found + END_OF_DATA.length;
        continue;
      }
      const newline = chunk.indexOf(0x0a, at);
      if (newline === -1) {
        line += chunk.toString('latin1', at);
        return;
      }
      line += chunk.toString('latin1', at, newline + 1);
      at = newline + 1;
      const answer = reply(line);
      const command = line;
      line = '';
      // The data's first line may be a lone dot: the CRLF before it is the DATA command's.
      if (answer.startsWith('354')) data = Buffer.from('\r\n');
      if (answer.startsWith('221')) return void socket.end(answer);
      write(answer, /^(MAIL|RCPT)/i.test(command));
    }
  });
}

function listening(server: { address(): AddressInfo | string | null }): void {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
}

if (process.argv[2] === 'smtp-server') {
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
  const inner = (server as unknown as { server: import('node:net').Server }).server;
  server.listen(0, '127.0.0.1', () => listening(inner));
} else {
  const server = createServer(plainSession);
  server.listen(0, '127.0.0.1', () => listening(server));
}
process.on('SIGUSR2', () => process.stdout.write(`count ${count}\n`));
process.on('SIGTERM', () => {
  process.stdout.write(`count ${count}\n`);
  process.exit(0);
});
