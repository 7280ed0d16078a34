import type { Config } from '../config.ts';
import { UsageError } from '../errors.ts';
import { openWebContext } from '../web/open.ts';
import { createServer } from '../web/server.ts';
import type { Output } from './_output.ts';

/** `paperboy serve [--port N]`: the web server, until interrupted. */
export async function serveCommand(config: Config, root: string, options: { port?: string }, output: Output): Promise<number> {
  const port = options.port === undefined ? config.port : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number, not "${options.port}"`);
  const { ctx, close } = openWebContext(config, root);
  const app = await createServer(ctx);
  const address = await app.listen({ port, host: '0.0.0.0' });
  output.out(`serving ${config.siteUrl} on ${address.replace('0.0.0.0', 'localhost')}; press Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await app.close();
  await close();
  return 0;
}
