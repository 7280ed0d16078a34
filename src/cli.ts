import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { App } from './app.ts';
import type { AppOpening, CommandContext } from './commands/context.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { PaperboyError, UsageError } from './errors.ts';
import { isIsoDate } from './iso-date.ts';
import { consoleOutput, type Output } from './output.ts';

/** Where and how `main` runs: the defaults are this process's own. */
export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  output?: Output;
  /** Aborting it stops a long-running command (serve, start, inbound) as SIGTERM would. */
  signal?: AbortSignal;
  /** The stop signals held since the program began (`holdSignals`), handed to the command once it is known. */
  held?: HeldSignals;
  /** Whether standard error is a terminal (log lines are then text by default); the process's own by default. */
  terminal?: boolean;
}

/** SIGINT and SIGTERM received before the command was known. */
export interface HeldSignals {
  /**
   * Stops holding. A command that runs until stopped takes a held signal as its stop request (true
   * when one came); any other command ends by it, as it would have without the hold.
   */
  release(stoppable: boolean): boolean;
}

/**
 * Holds SIGINT and SIGTERM from the program's first moment: without it, one that comes while a
 * server is starting (loading, opening the database, binding its port) kills it by the signal,
 * instead of the clean stop and exit 0 it gets once running.
 */
function holdSignals(): HeldSignals {
  const seen: NodeJS.Signals[] = [];
  const hold = (signal: NodeJS.Signals) => void seen.push(signal);
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  return {
    release(stoppable) {
      process.off('SIGINT', hold);
      process.off('SIGTERM', hold);
      const first = seen[0];
      if (first !== undefined && !stoppable) process.kill(process.pid, first);
      return first !== undefined;
    },
  };
}

type Flags = Record<string, string | boolean | undefined>;
type Run = (ctx: CommandContext) => Promise<number>;
/** What an action hands over: what to do, and whether it runs until stopped (a server). */
type Action = (run: Run, options?: { stoppable: boolean }) => void;
const stoppable = { stoppable: true };

// Each command is loaded only when it runs: `paperboy --help` loads none of them.
const commands = {
  parse: () => import('./commands/parse.ts'),
  check: () => import('./commands/check.ts'),
  build: () => import('./commands/build.ts'),
  dispatch: () => import('./commands/dispatch.ts'),
  subscribers: () => import('./commands/subscribers.ts'),
  inbound: () => import('./commands/inbound.ts'),
  status: () => import('./commands/status.ts'),
  serve: () => import('./commands/serve.ts'),
  bench: () => import('./commands/bench.ts'),
  start: () => import('./commands/start.ts'),
  preview: () => import('./commands/preview.ts'),
  dns: () => import('./commands/dns.ts'),
  dkim: () => import('./commands/dkim.ts'),
  report: () => import('./commands/report.ts'),
  sync: () => import('./commands/sync.ts'),
  db: () => import('./commands/db.ts'),
  worker: () => import('./commands/worker.ts'),
};

// The version of the package this program is (src/ and dist/ both sit beside package.json).
function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

// `--date D`: a real calendar day, checked as the command line is read, for every command that takes one.
function dateOption(description: string): Option {
  return new Option('--date <date>', description).argParser((value: string) => {
    if (!isIsoDate(value)) throw new UsageError(`--date takes YYYY-MM-DD, not "${value}"`);
    return value;
  });
}

/** Builds the `paperboy` command line; an action hands `run` what to do. */
function buildProgram(output: Output, run: Action): Command {
  const program = new Command('paperboy')
    .description('Publish a daily research-paper digest as email, feeds, web pages and an archive.')
    .version(version(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .showHelpAfterError();

  program
    .command('parse')
    .description('read one digest; --json prints the model')
    .argument('<file>', 'a digest file')
    .option('--json', 'print the parse model as JSON')
    .action((file: string, flags: Flags) => run(async (ctx) => (await commands.parse()).parseCommand(ctx, file, flags)));

  program
    .command('check')
    .description('read every digest under DIR and list errors and warnings')
    .argument('[dir]', 'folder of digests (default: PAPERBOY_DIGESTS_DIR)')
    .option('--json', 'print every parse model, with path and errors, as JSON')
    .action((dir: string | undefined, flags: Flags) => run(async (ctx) => (await commands.check()).checkCommand(ctx, dir, flags)));

  program
    .command('build')
    .description('render the newest digest (or one, or every one) into out/')
    .addOption(dateOption('render the digest of this day (YYYY-MM-DD)'))
    .option('--all', 'render every digest')
    .option('--force', 'render again even what is up to date')
    .action((flags: Flags) => run(async (ctx) => (await commands.build()).buildCommand(ctx, flags)));

  program
    .command('dispatch')
    .description('build, then mail the newest unsent digest to every confirmed subscriber')
    .addOption(dateOption('the digest of this day (YYYY-MM-DD)'))
    .option('--dry-run', 'write what would be sent to out/outbox/ instead')
    .option('--to <address>', 'send one test copy to this address, outside the ledger')
    .option('--force', 'send again an issue that was already sent')
    .option('--queue-only', 'open the round and leave the sending to `paperboy worker` (PostgreSQL)')
    .action((flags: Flags) => run(async (ctx) => (await commands.dispatch()).dispatchCommand(ctx, flags)));

  const subscribers = program.command('subscribers').description('manage the subscriber list');
  subscribers
    .command('add')
    .description('add a subscriber (pending unless --confirmed)')
    .argument('<email>')
    .option('--confirmed', 'add as confirmed, without a confirmation email')
    .option('--topics <topics>', 'comma-separated topics (tags); default: everything')
    .option('--weekly', 'one email a week instead of one a day')
    .option('--name <name>', 'their name')
    .action((email: string, flags: Flags) => run(async (ctx) => (await commands.subscribers()).addSubscriber(ctx, email, flags)));
  subscribers
    .command('list')
    .description('list subscribers: email, status, cadence, topics')
    .option('--status <status>', 'only pending, confirmed, unsubscribed or bounced')
    .option('--count', 'print only how many')
    .action((flags: Flags) => run(async (ctx) => (await commands.subscribers()).listSubscribers(ctx, flags)));
  subscribers
    .command('remove')
    .description('delete a subscriber and their history')
    .argument('<email>')
    .action((email: string) => run(async (ctx) => (await commands.subscribers()).removeSubscriber(ctx, email)));
  subscribers
    .command('erase')
    .description('forget an address and everything about it (only a keyed hash stays, to keep it off the list)')
    .argument('<email>')
    .action((email: string) => run(async (ctx) => (await commands.subscribers()).eraseSubscriberCommand(ctx, email)));
  subscribers
    .command('import')
    .description('import a CSV file with a header row: email, name, topics (a;b), cadence')
    .argument('<file>')
    .option('--confirmed', 'import as confirmed')
    .action((file: string, flags: Flags) => run(async (ctx) => (await commands.subscribers()).importSubscribers(ctx, file, flags)));
  subscribers
    .command('export')
    .description('write the list as CSV, to FILE or standard output')
    .argument('[file]')
    .action((file: string | undefined) => run(async (ctx) => (await commands.subscribers()).exportSubscribers(ctx, file)));

  program
    .command('inbound')
    .description('the SMTP receiver: subscribe and unsubscribe by email, bounces')
    .option('--port <port>', 'listen on this port (default: PAPERBOY_INBOUND_PORT, else 2525)')
    .action((flags: Flags) => run(async (ctx) => (await commands.inbound()).inboundCommand(ctx, flags), stoppable));

  program
    .command('status')
    .description('last and next publication, subscribers, the last dispatch, anything stuck')
    .option('--json', 'print it as JSON')
    .action((flags: Flags) => run(async (ctx) => (await commands.status()).statusCommand(ctx, flags)));

  program
    .command('sync')
    .description('fetch once from PAPERBOY_DIGESTS_SOURCE into the digests folder; print what was added and changed')
    .option('--json', 'print what it did as JSON')
    .action((flags: Flags) => run(async (ctx) => (await commands.sync()).syncCommand(ctx, flags)));

  program
    .command('report')
    .description('one HTML page of charts: the list over time, each dispatch, the complaint rate')
    .option('--days <n>', 'the days it covers, today included (default: 30)')
    .option('--out <file>', 'where to write it (default: report.html here; - for standard output)')
    .action((flags: Flags) => run(async (ctx) => (await commands.report()).reportCommand(ctx, flags)));

  program
    .command('serve')
    .description('the web server: subscription pages, feeds, archive')
    .option('--port <port>', 'listen on this port (default: PAPERBOY_PORT)')
    .action((flags: Flags) => run(async (ctx) => (await commands.serve()).serveCommand(ctx, flags), stoppable));

  program
    .command('preview')
    .description('a live preview of the templates: the email, the issue page and the home page, reloaded on each edit')
    .addOption(dateOption('the digest of this day (YYYY-MM-DD); default: the newest'))
    .option('--port <port>', 'listen on this port (default: 8081)')
    .action((flags: Flags) => run(async (ctx) => (await commands.preview()).previewCommand(ctx, flags), stoppable));

  program
    .command('bench')
    .description('run the benchmarks (npm run bench)')
    .option('--json', 'print the figures as JSON')
    .option('--only <name>', 'run only the benchmarks whose name contains this (check, build, dispatch, …; million only when named)')
    .action((flags: Flags) => run(async (ctx) => (await commands.bench()).benchCommand(ctx, flags)));

  program
    .command('start')
    .description('the main job: web server and schedules (npm start)')
    .action(() => run(async (ctx) => (await commands.start()).startCommand(ctx), stoppable));

  program
    .command('worker')
    .description('send the running rounds of a shared PostgreSQL database, beside any other worker (PAPERBOY_DATABASE_URL)')
    .action(() => run(async (ctx) => (await commands.worker()).workerCommand(ctx), stoppable));

  program
    .command('dns')
    .description('print the DNS records to publish (DKIM, SPF, DMARC, MX) and check alignment; exit 1 if DMARC would fail')
    .action(() => run(async (ctx) => (await commands.dns()).dnsCommand(ctx)));

  const dkim = program.command('dkim').description('DKIM signing keys');
  dkim
    .command('keygen')
    .description('write a new private key (mode 0600) and print its DNS TXT record')
    .option('--type <type>', 'rsa (2048 bits, the default) or ed25519')
    .option('--out <file>', 'where to write it (default: data/dkim-<selector>-<type>.pem)')
    .option('--selector <selector>', 'the selector to publish it under (default: PAPERBOY_DKIM_SELECTOR)')
    .action((flags: Flags) => run(async (ctx) => (await commands.dkim()).keygenCommand(ctx, flags)));

  const db = program.command('db').description('the database');
  db.command('copy')
    .description('copy the SQLite list and ledger into an empty PostgreSQL database, keeping ids; print the counts on both sides')
    .requiredOption('--to <url>', 'the PostgreSQL database: postgres://user:password@host:5432/database')
    .action((flags: Flags) => run(async (ctx) => (await commands.db()).copyCommand(ctx, flags)));

  return program;
}

/** A stop request being listened for: `stopped` resolves when one comes; `end` stops listening. */
interface StopRequest {
  stopped: Promise<void>;
  end: () => void;
}

// Listens for SIGINT, SIGTERM or the caller's abort, whichever comes first; `earlier` says whether
// one came before (it is asked once this listens, so none falls between).
function stopRequest(signal: AbortSignal | undefined, earlier?: () => boolean): StopRequest {
  let end = () => {};
  const stopped = new Promise<void>((resolve) => {
    end = () => {
      process.off('SIGINT', end);
      process.off('SIGTERM', end);
      signal?.removeEventListener('abort', end);
      resolve();
    };
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
    if (signal?.aborted || earlier?.() === true) end();
    else signal?.addEventListener('abort', end, { once: true });
  });
  return { stopped, end };
}

/** Runs the command line and returns the exit status: 0 done, 1 bad input or failure, 2 bad usage. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const raw = options.output ?? consoleOutput;
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  let action: Run | undefined;
  let stop: StopRequest | undefined;
  const terminal = options.terminal ?? (options.output === undefined && process.stderr.isTTY === true);
  let settings: { config: Config; log: Logger } | undefined;
  let saying: Logger | null | undefined;
  // With PAPERBOY_LOG_FORMAT=json asked for by name, whatever is told on standard error (a usage
  // error, a failing command's message, a refused row) is a log event too, so every line there is
  // JSON. Decided once the settings module is loaded: a usage error loads it before it is told.
  const teller = () => {
    if (saying === undefined && loaded) {
      const asked = askedFormatOf(env, cwd) === 'json';
      saying = asked ? loggerOf({ logLevel: settings?.config.logLevel === 'debug' ? 'debug' : 'error', logFormat: 'json' }, raw.err) : null;
    }
    return saying ?? undefined;
  };
  // Tells `text` on standard error as it is, or in JSON as the event `event` with `text` (or `fields.message`) as its message.
  const tell = (event: string, text: string, fields: Record<string, unknown> = {}) => {
    const logger = teller();
    if (logger) logger.error(event, { message: text.replace(/\n$/, ''), ...fields });
    else raw.err(text);
  };
  const said = (text: string) => tell('said', text);
  const output: Output = { out: raw.out, err: said };
  let app: App | undefined;
  // The settings and the logger they ask for, made together: every warning goes through that logger.
  const settled = () => {
    if (settings) return settings;
    const config = configOf(env, cwd, { terminal });
    settings = { config, log: loggerOf(config, raw.err) };
    for (const warning of config.warnings) settings.log.warn('unknown setting', { message: warning });
    return settings;
  };
  const ctx: CommandContext = {
    output,
    cwd,
    config: () => settled().config,
    log: () => settled().log,
    app: (opening) => app ?? (app = openAppOf(ctx.config(), ctx.log(), opening ?? {})),
    stopped: () => (stop ??= stopRequest(options.signal)).stopped,
    progress: options.output === undefined ? process.stderr : undefined,
  };
  // What the command line parser writes to standard error, told once it is done (as one event in JSON).
  const usage: string[] = [];
  let runsUntilStopped = false;
  const program = buildProgram({ out: raw.out, err: (text) => void usage.push(text) }, (run, how) => {
    action = run;
    runsUntilStopped = how?.stoppable === true;
  });
  try {
    try {
      await program.parseAsync(argv, { from: 'user' });
    } finally {
      // A server listens for a stop from now on, before it loads and starts; one that came even
      // earlier stops it as soon as it is up.
      if (runsUntilStopped) stop = stopRequest(options.signal, () => options.held?.release(true) === true);
      else options.held?.release(false);
    }
    if (!action) return 0;
    await loadParts();
    return await action(ctx);
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) {
      for (const text of usage) raw.err(text);
      return 0;
    }
    // A usage error comes before the settings are read: their module is loaded to know the format it is told in.
    await loadSettings().catch(() => undefined);
    const help = `${commandOf(program, argv)} --help`;
    if (error instanceof CommanderError) {
      if (teller()) tell('usage error', usageMessage(program, argv, usage), { help });
      else for (const text of usage) raw.err(text);
      return 2;
    }
    if (error instanceof UsageError) {
      tell('usage error', `paperboy: ${error.message}`, { message: error.message, help });
      return 2;
    }
    if (error instanceof PaperboyError) {
      output.err(error.message);
      return 1;
    }
    // The parts are loaded by now: what they say about the database and the disk is theirs.
    const [db, { isDiskFull, fileProblem }] = await Promise.all([import('./db/index.ts'), import('./files.ts')]);
    if (db.isBusy(error)) {
      output.err(new db.DatabaseBusyError(join(settings?.config.dataDir ?? '', db.DATABASE_FILE)).message);
      return 1;
    }
    // SQLite refusing the database file (full, read-only, failing, damaged) is said in one line that names it.
    const failure = settings === undefined ? undefined : databaseFailureOf(settings.config, error);
    if (failure) {
      output.err(failure.message);
      return 1;
    }
    if (isDiskFull(error)) {
      output.err(fileProblem(error));
      return 1;
    }
    output.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return 1;
  } finally {
    // A command that ended (or failed to start) listens for no stop any more.
    stop?.end();
    await app?.close();
  }
}

/** The command that `argv` names (as `paperboy subscribers add`): the deepest one its leading words reach. */
function commandOf(program: Command, argv: readonly string[]): string {
  const names = [program.name()];
  let at = program;
  for (const word of argv) {
    const next = at.commands.find((command) => command.name() === word || command.aliases().includes(word));
    if (next === undefined) break;
    names.push(next.name());
    at = next;
  }
  return names.join(' ');
}

// A usage error on one line: the parser's message without its `error: ` prefix, or, when it showed
// the help because no command was given, which command wants one.
function usageMessage(program: Command, argv: readonly string[], written: readonly string[]): string {
  const said = written.find((text) => text.startsWith('error: '));
  if (said === undefined) return `${commandOf(program, argv)} needs a command`;
  return said
    .slice('error: '.length)
    .trim()
    .replace(/\s*\n\s*/g, ' ');
}

// The settings and the composition root, loaded only for a command that runs.
let loaded = false;
let configOf: (env: NodeJS.ProcessEnv, cwd: string, around: { terminal: boolean }) => Config;
let askedFormatOf: (env: NodeJS.ProcessEnv, cwd: string) => 'json' | 'text' | undefined;
let loggerOf: (settings: Pick<Config, 'logLevel' | 'logFormat'>, write: (line: string) => void) => Logger;
let openAppOf: (config: Config, log: Logger, opening: AppOpening) => App;
let databaseFailureOf: (config: Config, error: unknown) => Error | undefined = () => undefined;
// The settings and the logger: all a usage error needs to be told in the format asked for.
async function loadSettings(): Promise<void> {
  const [{ loadConfig, askedLogFormat }, { loggerFor }] = await Promise.all([import('./config.ts'), import('./log.ts')]);
  configOf = loadConfig;
  askedFormatOf = askedLogFormat;
  loggerOf = loggerFor;
  loaded = true;
}
async function loadParts(): Promise<void> {
  const [{ openApp }, { databaseFailure, DATABASE_FILE }] = await Promise.all([
    import('./app.ts'),
    import('./db/index.ts'),
    loadSettings(),
  ]);
  databaseFailureOf = (config, error) => databaseFailure(join(config.dataDir, DATABASE_FILE), error);
  // A server never blocks on the database's lock, and its builder makes ahead what a coming day
  // needs; a one-off command may wait for the lock.
  openAppOf = (config, log, opening) =>
    openApp(config, {
      log,
      readOnly: opening.readOnly === true,
      sends: opening.sends === true,
      onlySends: opening.onlySends === true,
      ...(opening.server ? { busyTimeoutMs: 0 } : {}),
      // A worker only sends: what a coming day's build needs is made where the site is built.
      ...(opening.server && !opening.onlySends ? { foresee: true } : {}),
    });
}

/** Whether this module is the program being run (`node dist/cli.js`), wherever it lies. */
function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs the command line as the process's own and sets its exit status. */
export async function run(): Promise<void> {
  const held = holdSignals();
  // A reader that closes the pipe early (`| head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2), { held });
}

if (isEntry()) await run();
