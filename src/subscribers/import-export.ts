import { csvField, fromCsvField, parseCsv, visible } from './csv.ts';
import { STATUSES, type Cadence, type SubscriberStatus, type SubscriberStore } from './store.ts';
import { suppressedMessage, type Suppressions } from './suppressions.ts';

/** What an import did, with every refused row and its line. */
export interface ImportReport {
  added: number;
  existing: number;
  /** Of those already on the list, how many were pending and are now confirmed (under `confirmed`). */
  confirmed: number;
  problems: { line: number; message: string }[];
}

/**
 * Imports subscribers from CSV text with a header row: `email` (required), `name`, `topics`
 * (separated by `;`), `cadence`. Idempotent: an address already on the list is left as it is
 * (only a pending one becomes confirmed under `confirmed`), so nobody who left is signed up again,
 * and a suppressed address (a complaint, an erasure) is refused.
 * Good rows are imported even when others are refused; one transaction for the whole file.
 */
export async function importCsv(
  store: SubscriberStore,
  text: string,
  options: { confirmed: boolean; source: string; suppressions?: Suppressions },
): Promise<ImportReport> {
  const report: ImportReport = { added: 0, existing: 0, confirmed: 0, problems: [] };
  const { records, problem } = parseCsv(text);
  if (problem) report.problems.push(problem);
  const [header, ...rows] = records;
  if (!header) {
    report.problems.push({ line: 1, message: 'the file is empty; it needs a header row with an email column' });
    return report;
  }
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const column = (name: string) => columns.indexOf(name);
  const email = column('email');
  if (email === -1) {
    report.problems.push({ line: header.line, message: visible(`the header has no "email" column (it has: ${header.fields.join(', ')})`) });
    return report;
  }
  const status: SubscriberStatus = options.confirmed ? 'confirmed' : 'pending';
  await store.transaction(async () => {
    for (const row of rows) {
      const value = (index: number) => (index === -1 ? '' : fromCsvField((row.fields[index] ?? '').trim()));
      const cadence = value(column('cadence')).toLowerCase() || 'daily';
      if (cadence !== 'daily' && cadence !== 'weekly') {
        report.problems.push({ line: row.line, message: visible(`cadence "${cadence}" is not daily or weekly`) });
        continue;
      }
      if ((await options.suppressions?.reason(value(email))) !== undefined) {
        report.problems.push({ line: row.line, message: visible(suppressedMessage(value(email))) });
        continue;
      }
      try {
        const { subscriber, added } = await store.add({
          email: value(email),
          name: value(column('name')),
          topics: value(column('topics')).split(';'),
          cadence: cadence as Cadence,
          status,
          source: options.source,
        });
        if (added) report.added++;
        else {
          report.existing++;
          if (options.confirmed && subscriber.status === 'pending') {
            await store.setStatus(subscriber.id, 'confirmed', `confirmed by ${options.source}`);
            report.confirmed++;
          }
        }
      } catch (error) {
        report.problems.push({ line: row.line, message: visible((error as Error).message) });
      }
    }
  });
  return report;
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
