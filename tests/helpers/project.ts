import { cpSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { SubscriberStore, type NewSubscriber } from '../../src/subscribers/index.ts';
import { paperboy } from './cli.ts';
import { fixture } from './paths.ts';
import { runTemp } from './temp.ts';

/** A project folder: the six-column fixture as its digest, and a list. */
export interface TestProject {
  base: string;
  /** The PAPERBOY_ settings that point at it. */
  env: Record<string, string>;
  /** Opens its list for a moment. */
  withStore<T>(work: (store: SubscriberStore) => Promise<T>): Promise<T>;
}

let built: Promise<string> | undefined;

/**
 * The site of a project with no settings of its own, built once per test worker, where it is: a
 * test about mail starts from it (`built`) instead of building the same site again. The first build
 * in a process is slow (it loads the renderers and starts the search indexer): a file of such tests
 * calls this in `beforeAll`, so that no test of its own pays for that.
 */
export function builtSite(): Promise<string> {
  built ??= (async () => {
    // In the run's temporary folder: it serves the files that come after the one that built it.
    const template = await testProject([], {}, { under: runTemp() });
    const { status, stderr } = await paperboy(['build'], { env: template.env });
    if (status !== 0) throw new Error(`the shared site did not build: ${stderr}`);
    return template.env.PAPERBOY_OUT_DIR as string;
  })();
  return built;
}

/**
 * Makes a project with these subscribers (addresses are confirmed daily readers), and settings.
 * `built` starts it with its site already built (for settings that change nothing on the site);
 * `under` is the folder it is made in (the test file's temporary folder by default).
 */
export async function testProject(
  subscribers: readonly (string | NewSubscriber)[],
  settings: Record<string, string> = {},
  options: { built?: boolean; under?: string } = {},
): Promise<TestProject> {
  const base = await mkdtemp(join(options.under ?? tmpdir(), 'paperboy-project-'));
  await mkdir(join(base, 'digests'));
  await writeFile(join(base, 'digests', '2031-02-03.md'), readFileSync(fixture('digests', 'six-columns.md'), 'utf8'));
  const dataDir = join(base, 'data');
  const withStore = async <T>(work: (store: SubscriberStore) => Promise<T>): Promise<T> => {
    const sql = sqliteSql(openDatabase(dataDir));
    try {
      return await work(new SubscriberStore(sql));
    } finally {
      await sql.close();
    }
  };
  await withStore((store) =>
    store.transaction(async () => {
      for (const s of subscribers) await store.add(typeof s === 'string' ? { email: s, status: 'confirmed', source: 'test' } : s);
    }),
  );
  const env = {
    PAPERBOY_DATA_DIR: dataDir,
    PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
    PAPERBOY_OUT_DIR: join(base, 'out'),
    PAPERBOY_FROM: 'Daily Papers <papers@example.org>',
    PAPERBOY_SMTP_RETRY_MS: '10',
    ...settings,
  };
  // Copied synchronously: the promise-based copy takes three times the processor time, about that of a build.
  if (options.built) cpSync(await builtSite(), env.PAPERBOY_OUT_DIR, { recursive: true });
  return { base, env, withStore };
}

/** `count` addresses named reader<n>@example.org. */
export function readers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `reader${i + 1}@example.org`);
}
