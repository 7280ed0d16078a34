import { startReceiver } from '../inbound/index.ts';
import { portOption, type CommandContext } from './context.ts';

/** `paperboy inbound [--port N]`: the SMTP receiver for subscribe / unsubscribe requests and bounces, until interrupted. */
export async function inboundCommand(ctx: CommandContext, flags: { port?: unknown }): Promise<number> {
  const port = portOption(flags.port, ctx.config().inboundPort ?? 2525);
  const app = ctx.app({ server: true, sends: true });
  const receiver = await startReceiver(
    app.subscriptions,
    app.log,
    { port, host: app.config.host },
    {
      dataDir: app.config.dataDir,
      trusted: app.config.inboundTrusted,
      deliveries: app.ledger.rounds,
      onOutcome: (outcome) => app.metrics.inbound(outcome),
    },
  );
  ctx.output.out(`receiving mail for ${app.config.from}, listening on ${receiver.address}; press Ctrl-C to stop`);
  await ctx.stopped();
  await receiver.close();
  return 0;
}
