import type { Params, Sql, Written } from './sql.ts';

/**
 * A database opened by its first statement: the program's parts are made at once, and a server's
 * database (opened asynchronously) is reached only by what uses it. A failed opening is tried
 * again by the next use; `close` closes it only if it was opened.
 */
export function openedOnUse(name: string, dialect: Sql['dialect'], open: () => Promise<Sql>): Sql {
  let opening: Promise<Sql> | undefined;
  const sql = () => {
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  return {
    dialect,
    name,
    all: async <Row>(text: string, params?: Params) => (await sql()).all<Row>(text, params),
    get: async <Row>(text: string, params?: Params) => (await sql()).get<Row>(text, params),
    run: async (text: string, params?: Params): Promise<Written> => (await sql()).run(text, params),
    transaction: async <T>(work: () => Promise<T>) => (await sql()).transaction(work),
    forgetDeleted: async (tables: readonly string[]) => (await sql()).forgetDeleted(tables),
    close: async () => {
      const opened = await opening?.catch(() => undefined);
      opening = undefined;
      await opened?.close();
    },
  };
}
