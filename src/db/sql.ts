/** Which database a statement is written for, where the two differ. */
export type Dialect = 'sqlite' | 'postgres';

/** The values a statement is given, by name: `@name` in its text. */
export type Params = Readonly<Record<string, string | number | null>>;

/** What a statement that writes did. */
export interface Written {
  /** How many rows it inserted, changed or deleted. */
  changes: number;
}

/**
 * The one face the state is kept through: a SQLite file or a PostgreSQL server, the same for every
 * owner of state. Statements name their values `@name`; integers come back as numbers on both, and
 * times are kept as ISO text. Every method is asynchronous, so a server never waits on a lock.
 *
 * Inside `transaction`, every statement of that piece of work, whichever owner issues it, runs in
 * the transaction (the driver follows the work through its awaits); outside, each statement is its
 * own transaction. A transaction inside another joins it.
 */
export interface Sql {
  readonly dialect: Dialect;
  /** Where the data is, for messages: the file's path, or the server's URL without its password. */
  readonly name: string;
  all<Row>(text: string, params?: Params): Promise<Row[]>;
  /** The first row, if any. */
  get<Row>(text: string, params?: Params): Promise<Row | undefined>;
  run(text: string, params?: Params): Promise<Written>;
  /**
   * Runs `work` as one transaction that takes the write lock at once: all of it or none. While
   * another process holds the lock, it waits without blocking, up to a deadline, then throws
   * `DatabaseBusyError`.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Makes what was deleted unreadable where the database can: SQLite overwrites deleted rows and
   * empties its log into the file; PostgreSQL vacuums the tables named.
   */
  forgetDeleted(tables: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
