import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { benchCommand } from './commands/bench.ts';
import { buildCommand } from './commands/build.ts';
import { checkCommand } from './commands/check.ts';
import { dispatchCommand, type DispatchFlags } from './commands/dispatch.ts';
import { inboundCommand } from './commands/inbound.ts';
import { parseCommand } from './commands/parse.ts';
import { serveCommand } from './commands/serve.ts';
import { startCommand } from './commands/start.ts';
import { statusCommand } from './commands/status.ts';
import { addSubscriber, exportSubscribers, importSubscribers, listSubscribers, removeSubscriber } from './commands/subscribers.ts';
import { consoleOutput, type Output } from './commands/_output.ts';
import { loadConfig } from './config.ts';
import { PaperboyError, UsageError } from './errors.ts';

type Action = () => Promise<number>;

/** The project's folder: benchmarks and templates are found from here. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the `paperboy` command line; each action resolves to an exit status. */
export function buildProgram(output: Output, run: (action: Action) => void): Command {
  const program = new Command('paperboy')
    .description('Publish a daily research-paper digest as email, feeds, web pages and an archive.')
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .showHelpAfterError();

  const digestsDir = () => relative(process.cwd(), loadConfig().digestsDir) || '.';

  program
    .command('parse')
    .description('read one digest; --json prints the model')
    .argument('<file>', 'a digest file')
    .option('--json', 'print the parse model as JSON')
    .action((file: string, options: { json?: boolean }) => run(() => parseCommand(file, options, output)));

  program
    .command('check')
    .description('read every digest under DIR and list errors and warnings')
    .argument('[dir]', 'folder of digests (default: PAPERBOY_DIGESTS_DIR)')
    .option('--json', 'print every parse model, with path and errors, as JSON')
    .action((dir: string | undefined, options: { json?: boolean }) =>
      run(() => checkCommand(dir ?? digestsDir(), options, output)),
    );

  program
    .command('build')
    .description('render the newest digest (or one, or every one) into out/')
    .option('--date <date>', 'render the digest of this day (YYYY-MM-DD)')
    .option('--all', 'render every digest')
    .option('--force', 'render again even what is up to date')
    .action((options: { date?: string; all?: boolean; force?: boolean }) =>
      run(() => buildCommand(loadConfig(), projectRoot, options, output)),
    );

  program
    .command('dispatch')
    .description('build, then mail the newest unsent digest to every confirmed subscriber')
    .option('--date <date>', 'the digest of this day (YYYY-MM-DD)')
    .option('--dry-run', 'write what would be sent to out/outbox/ instead')
    .option('--to <address>', 'send one test copy to this address, outside the ledger')
    .option('--force', 'send again an issue that was already sent')
    .action((options: DispatchFlags) => run(() => dispatchCommand(loadConfig(), projectRoot, options, output)));

  const subscribers = program.command('subscribers').description('manage the subscriber list');
  subscribers
    .command('add')
    .description('add a subscriber (pending unless --confirmed)')
    .argument('<email>')
    .option('--confirmed', 'add as confirmed, without a confirmation email')
    .option('--topics <topics>', 'comma-separated topics (tags); default: everything')
    .option('--weekly', 'one email a week instead of one a day')
    .option('--name <name>', 'their name')
    .action((email: string, options: { confirmed?: boolean; topics?: string; weekly?: boolean; name?: string }) =>
      run(() => addSubscriber(loadConfig(), email, options, output)),
    );
  subscribers
    .command('list')
    .description('list subscribers: email, status, cadence, topics')
    .option('--status <status>', 'only pending, confirmed, unsubscribed or bounced')
    .option('--count', 'print only how many')
    .action((options: { status?: string; count?: boolean }) => run(() => listSubscribers(loadConfig(), options, output)));
  subscribers
    .command('remove')
    .description('delete a subscriber and their history')
    .argument('<email>')
    .action((email: string) => run(() => removeSubscriber(loadConfig(), email, output)));
  subscribers
    .command('import')
    .description('import a CSV file with a header row: email, name, topics (a;b), cadence')
    .argument('<file>')
    .option('--confirmed', 'import as confirmed')
    .action((file: string, options: { confirmed?: boolean }) => run(() => importSubscribers(loadConfig(), file, options, output)));
  subscribers
    .command('export')
    .description('write the list as CSV, to FILE or standard output')
    .argument('[file]')
    .action((file: string | undefined) => run(() => exportSubscribers(loadConfig(), file, output)));

  program
    .command('inbound')
    .description('the SMTP receiver: subscribe and unsubscribe by email, bounces')
    .option('--port <port>', 'listen on this port (default: PAPERBOY_INBOUND_PORT, else 2525)')
    .action((options: { port?: string }) => run(() => inboundCommand(loadConfig(), projectRoot, options, output)));

  program
    .command('status')
    .description('last and next publication, subscribers, the last dispatch, anything stuck')
    .option('--json', 'print it as JSON')
    .action((options: { json?: boolean }) => run(() => statusCommand(loadConfig(), options, output)));

  program
    .command('serve')
    .description('the web server: subscription pages, feeds, archive')
    .option('--port <port>', 'listen on this port (default: PAPERBOY_PORT)')
    .action((options: { port?: string }) => run(() => serveCommand(loadConfig(), projectRoot, options, output)));

  program
    .command('bench')
    .description('run the benchmarks (npm run bench)')
    .option('--json', 'print the figures as JSON')
    .option('--only <name>', 'run only the benchmarks whose function name contains this (check, build, dispatch, import, …)')
    .action((options: { json?: boolean; only?: string }) => run(() => benchCommand(projectRoot, options, output)));

  program
    .command('start')
    .description('the main job: web server and schedules (npm start)')
    .action(() => run(() => startCommand(loadConfig(), projectRoot, output)));

  return program;
}

/** Runs the command line and returns the exit status: 0 done, 1 bad input or failure, 2 bad usage. */
export async function main(argv: readonly string[], output: Output = consoleOutput): Promise<number> {
  let pending: Promise<number> = Promise.resolve(0);
  const program = buildProgram(output, (action) => {
    pending = action();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return await pending;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      output.err(`paperboy: ${error.message}`);
      return 2;
    }
    if (error instanceof PaperboyError) {
      output.err(error.message);
      return 1;
    }
    output.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return 1;
  }
}

// A reader that closes the pipe early (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/cli.ts')) {
  process.exitCode = await main(process.argv.slice(2));
}
