import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { PaperboyError, UsageError } from '../errors.ts';
import { fileProblem, writeError } from '../files.ts';
import { plural } from '../output.ts';
import { eraseSubscriber, exportCsv, importCsv, isStatus, suppressedMessage, type Subscriber } from '../subscribers/index.ts';
import type { CommandContext } from './context.ts';

function line(s: Subscriber): string {
  const topics = s.topics.length > 0 ? s.topics.join(', ') : 'all topics';
  return `${s.email}\t${s.status}\t${s.cadence}\t${topics}`;
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** `subscribers add EMAIL [--confirmed] [--topics a,b] [--weekly] [--name N]`. */
export async function addSubscriber(
  ctx: CommandContext,
  email: string,
  flags: { confirmed?: unknown; topics?: unknown; weekly?: unknown; name?: unknown },
): Promise<number> {
  const { store, suppressions } = ctx.app();
  if ((await suppressions.reason(email)) !== undefined) throw new PaperboyError(suppressedMessage(email));
  const { subscriber, added } = await store.add({
    email,
    name: text(flags.name),
    topics: text(flags.topics)?.split(',') ?? [],
    cadence: flags.weekly ? 'weekly' : 'daily',
    status: flags.confirmed ? 'confirmed' : 'pending',
    source: 'cli',
  });
  if (!added && flags.confirmed && subscriber.status === 'pending')
    await store.setStatus(subscriber.id, 'confirmed', 'confirmed from the command line');
  ctx.output.out(added ? `added ${line(subscriber)}` : `${subscriber.email} is already on the list (${subscriber.status})`);
  return 0;
}

/** `subscribers list [--status S] [--count]`. */
export async function listSubscribers(ctx: CommandContext, flags: { status?: unknown; count?: unknown }): Promise<number> {
  const status = text(flags.status);
  if (status !== undefined && !isStatus(status))
    throw new UsageError(`--status takes pending, confirmed, unsubscribed or bounced, not "${status}"`);
  const { store } = ctx.app({ readOnly: true });
  if (flags.count) {
    ctx.output.out(String(await store.count(status)));
    return 0;
  }
  for await (const subscriber of store.list(status)) ctx.output.out(line(subscriber));
  return 0;
}

/** `subscribers remove EMAIL`: deletes the subscriber and their history. */
export async function removeSubscriber(ctx: CommandContext, email: string): Promise<number> {
  if (!(await ctx.app().store.remove(email))) throw new PaperboyError(`${email} is not on the list`);
  ctx.output.out(`removed ${email}`);
  return 0;
}

/** `subscribers erase EMAIL`: forgets the address and everything about it; only a keyed hash stays, so nothing brings it back but its owner. */
export async function eraseSubscriberCommand(ctx: CommandContext, email: string): Promise<number> {
  const { listed, messages } = await eraseSubscriber(ctx.app().privacy, email);
  const files =
    messages > 0 ? `; ${plural(messages, 'stored message')} naming it removed (the outbox, messages the receiver set aside)` : '';
  const done = listed
    ? `erased ${email}: nothing about it is kept but a keyed hash that keeps it off the list`
    : `${email} was not on the list; it is now kept off it (as a keyed hash)`;
  ctx.output.out(`${done}${files}`);
  return 0;
}

/** `subscribers import FILE.csv [--confirmed]`: exit 1 when a row was refused (the good ones are in). */
export async function importSubscribers(ctx: CommandContext, file: string, flags: { confirmed?: unknown }): Promise<number> {
  const cannotRead = (error: unknown) => new PaperboyError(`${file}: cannot read: ${fileProblem(error)}`, { cause: error });
  let handle: FileHandle;
  try {
    handle = await open(resolve(ctx.cwd, file), 'r');
  } catch (error) {
    throw cannotRead(error);
  }
  try {
    // The file is read a piece at a time as the import goes: it is never held whole.
    const stream = handle.createReadStream({ encoding: 'utf8', autoClose: false });
    const pieces = async function* () {
      try {
        for await (const piece of stream) yield piece as string;
      } catch (error) {
        throw cannotRead(error);
      }
    };
    const app = ctx.app();
    const report = await importCsv(app.store, pieces(), {
      confirmed: flags.confirmed === true,
      source: 'import',
      suppressions: app.suppressions,
    });
    for (const problem of report.problems) ctx.output.err(`${file}:${problem.line}: ${problem.message}`);
    const unlisted = report.refused - report.problems.length;
    if (unlisted > 0) ctx.output.err(`${file}: and ${plural(unlisted, 'more problem')}, not listed`);
    const confirmed = flags.confirmed === true ? `, ${plural(report.confirmed, 'pending subscriber')} confirmed` : '';
    ctx.output.out(
      `${plural(report.added, 'subscriber')} added, ${report.existing} already on the list${confirmed}, ` +
        `${plural(report.refused, 'row')} refused`,
    );
    return report.refused > 0 ? 1 : 0;
  } finally {
    await handle.close();
  }
}

/** `subscribers export [FILE.csv]`: to the file, or to standard output. */
export async function exportSubscribers(ctx: CommandContext, file: string | undefined): Promise<number> {
  const { store } = ctx.app({ readOnly: true });
  if (file === undefined) {
    for await (const chunk of exportCsv(store)) ctx.output.out(chunk);
    return 0;
  }
  // The file holds every address: only its owner may read it.
  let handle: FileHandle | undefined;
  try {
    handle = await open(resolve(ctx.cwd, file), 'w', 0o600);
    if ((await handle.stat()).isFile()) await handle.chmod(0o600);
  } catch (error) {
    await handle?.close();
    throw writeError(file, error);
  }
  const stream = handle.createWriteStream();
  let count = -1;
  try {
    for await (const chunk of exportCsv(store)) {
      count++;
      if (!stream.write(chunk)) await once(stream, 'drain');
    }
    stream.end();
    await finished(stream);
  } catch (error) {
    stream.destroy();
    throw writeError(file, error);
  }
  ctx.output.out(`${plural(count, 'subscriber')} written to ${file}`);
  return 0;
}
