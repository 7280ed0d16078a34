import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { copyToPostgres, DATABASE_FILE, openPostgres, serverAddressOf } from '../db/index.ts';
import { UsageError } from '../errors.ts';
import type { CommandContext } from './context.ts';

/** `paperboy db copy --to postgres://…`: the SQLite list and ledger into an empty PostgreSQL database, counted on both sides. */
export async function copyCommand(ctx: CommandContext, flags: { to?: unknown }): Promise<number> {
  const to = typeof flags.to === 'string' ? flags.to.trim() : '';
  // The URL may hold a password: the message never repeats it.
  if (serverAddressOf(to) === undefined)
    throw new UsageError('--to takes a postgres:// or postgresql:// URL (postgres://user:password@host:5432/database)');
  const from = join(ctx.config().dataDir, DATABASE_FILE);
  const into = await openPostgres(to, { connections: 1 });
  try {
    const log = ctx.log();
    const copied = await copyToPostgres(from, into, {
      onPage: (table, rows) => log.debug('copied a page', { table, rows }),
    });
    const width = Math.max(...copied.map((c) => c.table.length));
    ctx.output.out(`copied ${from} into ${into.name}:`);
    for (const { table, sqlite, postgres } of copied) {
      ctx.output.out(
        `  ${table.padEnd(width)}  ${String(sqlite).padStart(9)} rows in SQLite, ${String(postgres).padStart(9)} in PostgreSQL`,
      );
    }
    ctx.output.out(`every count matches (${copied.reduce((sum, c) => sum + c.postgres, 0)} rows in ${copied.length} tables)`);
    // Links already mailed were signed with the key made on first run: the machines on PostgreSQL must sign with it too.
    const made = join(ctx.config().dataDir, 'secret');
    if (ctx.config().secret === undefined && existsSync(made)) {
      ctx.output.out(
        `links already mailed were signed with the key in ${made}: set PAPERBOY_SECRET to it on every machine that uses the copy`,
      );
    }
    return 0;
  } finally {
    await into.close();
  }
}
