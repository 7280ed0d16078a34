import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DATABASE_FILE } from '../../src/db/index.ts';
import { need } from './peers.ts';

/** Another process holding the database's write lock, as a long import or a stuck writer would. */
export interface LockHolder {
  child: ChildProcess;
  /** Lets go of the lock and ends the process. */
  release(): Promise<void>;
}

const SCRIPT = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.prepare('BEGIN IMMEDIATE').run();
db.prepare("INSERT INTO confirmations (email_key, day, count) VALUES ('holder', '2000-01-01', 1) ON CONFLICT DO NOTHING").run();
process.stdout.write('locked\\n');
process.stdin.on('data', () => { db.prepare('COMMIT').run(); db.close(); process.exit(0); });
setTimeout(() => process.exit(0), Number(process.argv[2]));
`;

/** Takes the write lock of the database in `dataDir` in a second process, for at most `ms`. */
export async function holdWriteLock(dataDir: string, ms = 20_000): Promise<LockHolder> {
  need('processes');
  const child = spawn(process.execPath, ['-e', SCRIPT, join(dataDir, DATABASE_FILE), String(ms)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    async release() {
      child.stdin?.write('go\n');
      await exited;
    },
  };
}
