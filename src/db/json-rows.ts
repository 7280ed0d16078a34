import type { Dialect } from './sql.ts';

/** The columns of rows given as JSON, and the type each is read as. */
export type JsonColumns = Readonly<Record<string, 'text' | 'integer'>>;

/**
 * A table of the rows a statement is given as one JSON array of objects (`@param`), to select from:
 * thousands of rows in one statement, whose text stays the same whatever their number (prepared
 * once). The one place where the two databases are asked differently: SQLite's `json_each`,
 * PostgreSQL's `json_array_elements`. A value missing or null in an object is NULL.
 */
export function jsonRows(dialect: Dialect, param: string, columns: JsonColumns): string {
  const names = Object.entries(columns);
  if (!names.every(([name]) => /^[a-z_][a-z0-9_]*$/.test(name))) throw new Error(`jsonRows: a column name is not a plain name: ${names}`);
  if (dialect === 'sqlite') {
    return `(SELECT ${names.map(([name]) => `json_extract(value, '$.${name}') AS ${name}`).join(', ')} FROM json_each(@${param}))`;
  }
  const read = ([name, type]: [string, string]) => `(${param}_row ->> '${name}')${type === 'integer' ? '::bigint' : ''} AS ${name}`;
  return `(SELECT ${names.map(read).join(', ')} FROM json_array_elements(@${param}::json) AS ${param}_row)`;
}
