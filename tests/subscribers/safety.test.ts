import { statSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { SubscriberStore } from '../../src/subscribers/index.ts';
import { paperboy } from '../helpers/cli.ts';

async function dataEnv(): Promise<Record<string, string>> {
  return { PAPERBOY_DATA_DIR: join(await mkdtemp(join(tmpdir(), 'paperboy-safety-')), 'data') };
}

describe('the list on disk', () => {
  it("is the owner's alone: data/ is 0700, the database and its -wal and -shm files 0600", async () => {
    const dir = (await dataEnv()).PAPERBOY_DATA_DIR as string;
    const sql = sqliteSql(openDatabase(dir));
    try {
      await new SubscriberStore(sql).add({ email: 'private@example.org', source: 'test' });
      const mode = (path: string) => statSync(path).mode & 0o777;
      expect(mode(dir)).toBe(0o700);
      // The -wal and -shm files exist while the database is open.
      for (const file of ['paperboy.db', 'paperboy.db-wal', 'paperboy.db-shm'])
        expect([file, mode(join(dir, file))]).toEqual([file, 0o600]);
    } finally {
      await sql.close();
    }
  });
});

describe('CSV', () => {
  it('export makes spreadsheets read formula-like cells as text, and import reads them back', async () => {
    const env = await dataEnv();
    const formula = "=cmd|'/Ccalc'!A0@example.com";
    expect(
      (await paperboy(['subscribers', 'add', formula, '--confirmed', '--name', '@SUM(1+1)', '--topics', '+x,-y'], { env })).status,
    ).toBe(0);
    const file = join(env.PAPERBOY_DATA_DIR as string, 'out.csv');
    await paperboy(['subscribers', 'export', file], { env });
    const exported = await readFile(file, 'utf8');
    for (const line of exported.split('\n').slice(1).filter(Boolean)) {
      for (const cell of line.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@]/);
    }
    const again = await dataEnv();
    const imported = await paperboy(['subscribers', 'import', file, '--confirmed'], { env: again });
    expect(imported.status).toBe(0);
    const listed = await paperboy(['subscribers', 'list'], { env: again });
    expect(listed.stdout).toBe(`${formula}\tconfirmed\tdaily\t+x, -y\n`);
  });

  it('import reports a bad row without passing terminal escape sequences through', async () => {
    const env = await dataEnv();
    const file = join(env.PAPERBOY_DATA_DIR as string, '..', 'in.csv');
    await writeFile(file, 'email,name\n"\u001b]0;pwned\u0007\u001b[2Jevil",x\n');
    const run = await paperboy(['subscribers', 'import', file], { env });
    expect(run.status).toBe(1);
    expect(run.stderr).not.toMatch(/[\u001b\u0007]/);
    expect(run.stderr).toContain('\\u{1b}');
  });
});
