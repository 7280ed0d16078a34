import { join } from 'node:path';
import { projectRoot } from '../app.ts';
import { startPreview } from '../preview/index.ts';
import { portOption, type CommandContext } from './context.ts';

/** `paperboy preview [--date D] [--port N]`: a live preview of the templates, until interrupted. */
export async function previewCommand(ctx: CommandContext, flags: { date?: unknown; port?: unknown }): Promise<number> {
  const date = typeof flags.date === 'string' ? flags.date : undefined;
  const port = portOption(flags.port, 8081);
  const app = ctx.app();
  const { config } = app;
  const preview = await startPreview({
    library: app.library,
    templates: app.templates,
    templatesDir: config.templatesDir ?? join(projectRoot, 'templates'),
    site: { title: config.site.title, language: config.site.language },
    date,
    port,
    host: config.host,
  });
  ctx.output.out(
    `previewing ${date ?? 'the newest digest'} at ${preview.url}/ (listening on ${preview.address}); ` +
      'edit the templates and the pages reload; press Ctrl-C to stop',
  );
  await ctx.stopped();
  await preview.close();
  return 0;
}
