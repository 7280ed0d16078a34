import { CsvReader, type CsvRecord, csvField, fromCsvField, visible } from './csv.ts';
import { STATUSES, type Cadence, type NewSubscriber, type SubscriberStatus, type SubscriberStore } from './store.ts';
import { suppressedMessage, type Suppressions } from './suppressions.ts';

/** What an import did, with the refused rows and their lines (the first `LISTED_PROBLEMS` of them). */
export interface ImportReport {
  added: number;
  existing: number;
  /** Of those already on the list, how many were pending and are now confirmed (under `confirmed`). */
  confirmed: number;
  /** How many problems there were: refused rows, and what was wrong with the file. */
  refused: number;
  /** The first `LISTED_PROBLEMS` problems, by line. */
  problems: { line: number; message: string }[];
}

/** How many rows are imported in one transaction. */
export const IMPORT_BATCH = 2000;

// How many rows go to the database in one statement: their JSON stays small enough to be young garbage.
const ADDED_AT_ONCE = 250;

/** How many problems an import lists; the others are counted. */
export const LISTED_PROBLEMS = 1000;

/** CSV text: whole, or in pieces as it is read (a file's stream), never held whole then. */
export type CsvInput = string | AsyncIterable<string>;

async function* piecesOf(input: CsvInput): AsyncGenerator<string> {
  if (typeof input === 'string') yield input;
  else yield* input;
}

/**
 * Imports subscribers from CSV with a header row: `email` (required), `name`, `topics` (separated
 * by `;`), `cadence`. Idempotent: an address already on the list is left as it is (only a pending
 * one becomes confirmed under `confirmed`), so nobody who left is signed up again, and a suppressed
 * address (a complaint, an erasure) is refused. Good rows are imported even when others are refused.
 * The text is read a piece at a time and imported `IMPORT_BATCH` rows per transaction, so memory
 * stays bounded however long the file: a failure midway keeps the batches before it, and running
 * the import again completes it.
 */
export async function importCsv(
  store: SubscriberStore,
  input: CsvInput,
  options: { confirmed: boolean; source: string; suppressions?: Suppressions },
): Promise<ImportReport> {
  const report: ImportReport = { added: 0, existing: 0, confirmed: 0, refused: 0, problems: [] };
  const problems = (found: { line: number; message: string }[]) => {
    for (const problem of found.sort((a, b) => a.line - b.line)) {
      report.refused++;
      if (report.problems.length < LISTED_PROBLEMS) report.problems.push(problem);
    }
  };
  const reader = new CsvReader();
  let columns: string[] | undefined;
  let batch: CsvRecord[] = [];
  // Takes records in; says false when the file cannot be imported (its header has no email column).
  const take = async (records: CsvRecord[]): Promise<boolean> => {
    for (const record of records) {
      if (columns === undefined) {
        columns = record.fields.map((f) => f.trim().toLowerCase());
        if (!columns.includes('email')) {
          problems([{ line: record.line, message: visible(`the header has no "email" column (it has: ${record.fields.join(', ')})`) }]);
          return false;
        }
        continue;
      }
      batch.push(record);
      if (batch.length >= IMPORT_BATCH) {
        await importBatch(store, batch, columns, options, report, problems);
        batch = [];
      }
    }
    return true;
  };
  for await (const piece of piecesOf(input)) if (!(await take(reader.push(piece)))) return report;
  const { records, problem } = reader.end();
  if (!(await take(records))) return report;
  if (columns !== undefined && batch.length > 0) await importBatch(store, batch, columns, options, report, problems);
  if (problem) problems([problem]);
  if (columns === undefined) problems([{ line: 1, message: 'the file is empty; it needs a header row with an email column' }]);
  return report;
}

// Imports one batch of rows in one transaction, counting what became of each in the report.
async function importBatch(
  store: SubscriberStore,
  rows: readonly CsvRecord[],
  columns: readonly string[],
  options: { confirmed: boolean; source: string; suppressions?: Suppressions },
  report: ImportReport,
  problems: (found: { line: number; message: string }[]) => void,
): Promise<void> {
  const status: SubscriberStatus = options.confirmed ? 'confirmed' : 'pending';
  const found: { line: number; message: string }[] = [];
  const wanted: { line: number; subscriber: NewSubscriber }[] = [];
  for (const row of rows) {
    const value = (name: string) => {
      const index = columns.indexOf(name);
      return index === -1 ? '' : fromCsvField((row.fields[index] ?? '').trim());
    };
    const cadence = value('cadence').toLowerCase() || 'daily';
    if (cadence !== 'daily' && cadence !== 'weekly') {
      found.push({ line: row.line, message: visible(`cadence "${cadence}" is not daily or weekly`) });
      continue;
    }
    const subscriber = {
      email: value('email'),
      name: value('name'),
      topics: value('topics').split(';'),
      cadence: cadence as Cadence,
      status,
      source: options.source,
    };
    wanted.push({ line: row.line, subscriber });
  }
  // What the transaction did is counted once it committed (a transaction may be run again).
  const done = await store.transaction(async () => {
    const counts = { added: 0, existing: 0, confirmed: 0, refused: [] as { line: number; message: string }[] };
    for (let at = 0; at < wanted.length; at += ADDED_AT_ONCE) {
      const slice = wanted.slice(at, at + ADDED_AT_ONCE);
      const suppressed = await options.suppressions?.among(slice.map((w) => w.subscriber.email));
      const allowed = slice.filter((w) => {
        if (suppressed?.(w.subscriber.email) !== true) return true;
        counts.refused.push({ line: w.line, message: visible(suppressedMessage(w.subscriber.email)) });
        return false;
      });
      const results = await store.addMany(allowed.map((w) => w.subscriber));
      for (const [i, result] of results.entries()) {
        if ('problem' in result) counts.refused.push({ line: (allowed[i] as { line: number }).line, message: visible(result.problem) });
        else if (result.added) counts.added++;
        else {
          counts.existing++;
          if (options.confirmed && result.status === 'pending') {
            await store.setStatus(result.id, 'confirmed', `confirmed by ${options.source}`);
            counts.confirmed++;
          }
        }
      }
    }
    return counts;
  });
  report.added += done.added;
  report.existing += done.existing;
  report.confirmed += done.confirmed;
  found.push(...done.refused);
  problems(found);
}

/** Writes the list as CSV, one subscriber at a time, in a form `importCsv` reads back. */
export async function* exportCsv(store: SubscriberStore, status?: SubscriberStatus): AsyncGenerator<string> {
  yield 'email,name,topics,cadence,status,source,created_at,confirmed_at\n';
  for await (const s of store.list(status)) {
    yield `${[s.email, s.name, s.topics.join(';'), s.cadence, s.status, s.source, s.createdAt, s.confirmedAt ?? ''].map(csvField).join(',')}\n`;
  }
}

/** Whether a word names a subscriber status. */
export function isStatus(word: string): word is SubscriberStatus {
  return (STATUSES as readonly string[]).includes(word);
}
