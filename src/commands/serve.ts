import { describeListen } from '../listen.ts';
import { nextRun } from '../schedule.ts';
import { createServer } from '../web/index.ts';
import { portOption, type CommandContext } from './context.ts';

/** `paperboy serve [--port N]`: the web server, until interrupted; the site is brought up to date first. */
export async function serveCommand(ctx: CommandContext, flags: { port?: unknown }): Promise<number> {
  const app = ctx.app({ server: true, sends: true });
  const port = portOption(flags.port, app.config.port);
  await app.builder.build({ all: true }).catch((error: unknown) => app.log.error('build failed', { error: (error as Error).message }));
  const server = await createServer(app.web(() => nextRun(app.config.schedule, app.config.timeZone)));
  await server.listen({ port, host: app.config.host });
  const webhooks = app.deliverWebhooks();
  ctx.output.out(`serving ${app.config.siteUrl}, listening on ${describeListen(server.server.address())}; press Ctrl-C to stop`);
  await ctx.stopped();
  await webhooks?.stop();
  await server.close();
  return 0;
}
