import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { namesToClean, processAlive, removeLeftovers, writeError } from '../files.ts';

/** A message taken for one of the list's addresses, waiting to be acted on. */
export interface SpooledMessage {
  envelopeFrom: string;
  /** The one list address it is for: a message to several is kept once for each. */
  recipient: string;
  raw: Buffer;
}

/** Messages taken and not yet acted on, kept on disk until they are, in the order they came. */
export interface Spool {
  readonly dir: string;
  /** Keeps a message for good (on disk, synced) before it is answered; its name, which sorts in order. */
  put(message: SpooledMessage): Promise<string>;
  /** The messages waiting, oldest first: this process's and those of a process that is gone. */
  waiting(): Promise<string[]>;
  read(name: string): Promise<SpooledMessage>;
  /** Forgets a message that was acted on. */
  remove(name: string): Promise<void>;
  /** Moves a message that could not be acted on to `failed/`, where it stays for the operator. Says where. */
  setAside(name: string): Promise<string>;
}

/** Where the receiver keeps what it took: `inbound/` in the data folder. */
export function spoolDir(dataDir: string): string {
  return join(dataDir, 'inbound');
}

const NAME = /^\d{15}-(\d+)-\d{9}\.msg$/;

/**
 * Removes the messages set aside in `failed/` whose bytes name `email` (in any case): erasure
 * leaves nothing of the address in the data folder. Says how many.
 */
export async function forgetSetAside(dataDir: string, email: string): Promise<number> {
  const dir = join(spoolDir(dataDir), 'failed');
  const needle = email.toLowerCase();
  let removed = 0;
  for (const name of await namesToClean(dir)) {
    const path = join(dir, name);
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes === undefined || !bytes.toString('utf8').toLowerCase().includes(needle)) continue;
    await rm(path, { force: true });
    removed += 1;
  }
  return removed;
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Opens (and makes, readable by this user only) the spool of a data folder; a folder it cannot make is said in one line. */
export async function openSpool(dataDir: string): Promise<Spool> {
  const dir = spoolDir(dataDir);
  await mkdir(join(dir, 'failed'), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw writeError(dir, error);
  });
  await removeLeftovers(dir);
  let last = 0;
  let count = 0;
  return {
    dir,
    async put(message) {
      // The time first, so that names sort in the order messages came, across restarts too.
      const now = Math.max(Date.now(), last);
      count = now === last ? count + 1 : 0;
      last = now;
      const name = `${String(now).padStart(15, '0')}-${process.pid}-${String(count).padStart(9, '0')}.msg`;
      const path = join(dir, name);
      const temporary = `${path}.${process.pid}.tmp`;
      const head = `${JSON.stringify({ from: message.envelopeFrom, to: message.recipient })}\n`;
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(Buffer.concat([Buffer.from(head), message.raw]));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
      await syncFolder(dir);
      return name;
    },
    async waiting() {
      const names = (await readdir(dir)).filter((name) => {
        const pid = Number(NAME.exec(name)?.[1] ?? Number.NaN);
        return !Number.isNaN(pid) && (pid === process.pid || !processAlive(pid));
      });
      return names.sort();
    },
    async read(name) {
      const bytes = await readFile(join(dir, name));
      const end = bytes.indexOf(10);
      const head = (end < 0 ? {} : JSON.parse(bytes.subarray(0, end).toString('utf8'))) as { from?: unknown; to?: unknown };
      if (typeof head.from !== 'string' || typeof head.to !== 'string') {
        throw new Error(`${join(dir, name)}: not a message this receiver kept`);
      }
      return { envelopeFrom: head.from, recipient: head.to, raw: bytes.subarray(end + 1) };
    },
    async remove(name) {
      await rm(join(dir, name), { force: true });
    },
    async setAside(name) {
      const kept = join(dir, 'failed', name);
      await rename(join(dir, name), kept);
      return kept;
    },
  };
}

// The names in a folder that are messages; none when the folder is not there yet.
async function messagesIn(dir: string): Promise<number> {
  try {
    return (await readdir(dir)).filter((name) => NAME.test(name)).length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** How many messages in a data folder's spool wait to be acted on, and how many were set aside in `failed/`, whoever took them. */
export async function spoolCounts(dataDir: string): Promise<{ waiting: number; setAside: number }> {
  const dir = spoolDir(dataDir);
  const [waiting, setAside] = await Promise.all([messagesIn(dir), messagesIn(join(dir, 'failed'))]);
  return { waiting, setAside };
}
