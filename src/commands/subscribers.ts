import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Config } from '../config.ts';
import { PaperboyError, UsageError } from '../errors.ts';
import { openDatabase } from '../subscribers/db.ts';
import { exportCsv, importCsv, isStatus } from '../subscribers/import-export.ts';
import { SubscriberStore, type Subscriber } from '../subscribers/store.ts';
import { plural, type Output } from './_output.ts';

async function withStore<T>(config: Config, work: (store: SubscriberStore) => Promise<T> | T): Promise<T> {
  const db = openDatabase(config.dataDir);
  try {
    return await work(new SubscriberStore(db));
  } finally {
    db.close();
  }
}

function line(s: Subscriber): string {
  const topics = s.topics.length > 0 ? s.topics.join(', ') : 'all topics';
  return `${s.email}\t${s.status}\t${s.cadence}\t${topics}`;
}

/** `subscribers add EMAIL [--confirmed] [--topics a,b] [--weekly] [--name N]`. */
export function addSubscriber(config: Config, email: string, options: { confirmed?: boolean; topics?: string; weekly?: boolean; name?: string }, output: Output): Promise<number> {
  return withStore(config, (store) => {
    const { subscriber, added } = store.add({
      email,
      name: options.name,
      topics: options.topics?.split(',') ?? [],
      cadence: options.weekly ? 'weekly' : 'daily',
      status: options.confirmed ? 'confirmed' : 'pending',
      source: 'cli',
    });
    if (!added && options.confirmed && subscriber.status === 'pending') store.setStatus(subscriber.id, 'confirmed', 'confirmed from the command line');
    output.out(added ? `added ${line(subscriber)}` : `${subscriber.email} is already on the list (${subscriber.status})`);
    return 0;
  });
}

/** `subscribers list [--status S] [--count]`. */
export function listSubscribers(config: Config, options: { status?: string; count?: boolean }, output: Output): Promise<number> {
  const status = options.status;
  if (status !== undefined && !isStatus(status)) throw new UsageError(`--status takes pending, confirmed, unsubscribed or bounced, not "${status}"`);
  return withStore(config, (store) => {
    if (options.count) {
      output.out(String(store.count(status)));
      return 0;
    }
    for (const subscriber of store.list(status)) output.out(line(subscriber));
    return 0;
  });
}

/** `subscribers remove EMAIL`: deletes the subscriber and their history. */
export function removeSubscriber(config: Config, email: string, output: Output): Promise<number> {
  return withStore(config, (store) => {
    if (!store.remove(email)) throw new PaperboyError(`${email} is not on the list`);
    output.out(`removed ${email}`);
    return 0;
  });
}

/** `subscribers import FILE.csv [--confirmed]`: exit 1 when a row was refused (the good ones are in). */
export async function importSubscribers(config: Config, file: string, options: { confirmed?: boolean }, output: Output): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PaperboyError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return withStore(config, (store) => {
    const report = importCsv(store, text, { confirmed: options.confirmed ?? false, source: 'import' });
    for (const problem of report.problems) output.err(`${file}:${problem.line}: ${problem.message}`);
    output.out(`${plural(report.added, 'subscriber')} added, ${report.existing} already on the list, ${plural(report.problems.length, 'row')} refused`);
    return report.problems.length > 0 ? 1 : 0;
  });
}

/** `subscribers export [FILE.csv]`: to the file, or to standard output. */
export function exportSubscribers(config: Config, file: string | undefined, output: Output): Promise<number> {
  return withStore(config, async (store) => {
    if (file === undefined) {
      for (const chunk of exportCsv(store)) process.stdout.write(chunk);
      return 0;
    }
    const stream = createWriteStream(file);
    let count = -1;
    for (const chunk of exportCsv(store)) {
      count++;
      if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    }
    stream.end();
    await finished(stream);
    output.out(`${plural(count, 'subscriber')} written to ${file}`);
    return 0;
  });
}
