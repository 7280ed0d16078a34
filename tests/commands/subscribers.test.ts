import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';

async function dataEnv(): Promise<Record<string, string>> {
  return { PAPERBOY_DATA_DIR: await mkdtemp(join(tmpdir(), 'paperboy-cli-data-')) };
}

describe('paperboy subscribers', () => {
  it('adds, lists, counts and removes', async () => {
    const env = await dataEnv();
    expect(
      (await paperboy(['subscribers', 'add', 'Ann@Example.org', '--confirmed', '--topics', 'Robotics,Audio', '--weekly'], { env })).stdout,
    ).toBe('added Ann@Example.org\tconfirmed\tweekly\tRobotics, Audio\n');
    expect((await paperboy(['subscribers', 'add', 'bob@example.org'], { env })).status).toBe(0);
    expect((await paperboy(['subscribers', 'add', 'ann@example.org'], { env })).stdout).toBe(
      'Ann@Example.org is already on the list (confirmed)\n',
    );
    expect((await paperboy(['subscribers', 'list'], { env })).stdout).toBe(
      'Ann@Example.org\tconfirmed\tweekly\tRobotics, Audio\nbob@example.org\tpending\tdaily\tall topics\n',
    );
    expect((await paperboy(['subscribers', 'list', '--status', 'pending', '--count'], { env })).stdout).toBe('1\n');
    expect((await paperboy(['subscribers', 'list', '--count'], { env })).stdout).toBe('2\n');
    expect((await paperboy(['subscribers', 'remove', 'ANN@example.org'], { env })).stdout).toBe('removed ANN@example.org\n');
    expect((await paperboy(['subscribers', 'list', '--count'], { env })).stdout).toBe('1\n');
  });

  it('refuses bad input with a message and the right exit status', async () => {
    const env = await dataEnv();
    const bad = await paperboy(['subscribers', 'add', 'not an address'], { env });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('not an address: the address contains a space or a control character');
    expect((await paperboy(['subscribers', 'list', '--status', 'happy'], { env })).status).toBe(2);
    expect((await paperboy(['subscribers', 'remove', 'nobody@example.org'], { env })).stderr.trim()).toBe(
      'nobody@example.org is not on the list',
    );
  });

  it('imports a CSV file, reporting each bad row by line, and exports the list back', async () => {
    const env = await dataEnv();
    const file = join(env.PAPERBOY_DATA_DIR as string, 'in.csv');
    await writeFile(file, 'email,name,topics,cadence\na@example.org,A,Robotics;Audio,weekly\nbroken,,,\nb@example.org,,,daily\n');
    const run = await paperboy(['subscribers', 'import', file, '--confirmed'], { env });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`${file}:3: broken: the address is not of the form name@domain\n`);
    expect(run.stdout).toBe('2 subscribers added, 0 already on the list, 0 pending subscribers confirmed, 1 row refused\n');
    const out = join(env.PAPERBOY_DATA_DIR as string, 'out.csv');
    expect((await paperboy(['subscribers', 'export', out], { env })).stdout).toBe(`2 subscribers written to ${out}\n`);
    const exported = await readFile(out, 'utf8');
    expect(exported.split('\n')[0]).toBe('email,name,topics,cadence,status,source,created_at,confirmed_at');
    expect(exported).toMatch(/^a@example\.org,A,Robotics;Audio,weekly,confirmed,import,/m);
    expect((await paperboy(['subscribers', 'export'], { env })).stdout).toBe(exported);
  });

  it('says how many pending subscribers an import with --confirmed confirmed', async () => {
    const env = await dataEnv();
    for (const email of ['p1@example.org', 'p2@example.org'])
      expect((await paperboy(['subscribers', 'add', email], { env })).status).toBe(0);
    expect((await paperboy(['subscribers', 'add', 'c@example.org', '--confirmed'], { env })).status).toBe(0);
    const file = join(env.PAPERBOY_DATA_DIR as string, 'in.csv');
    await writeFile(file, 'email\np1@example.org\nP2@example.org\nc@example.org\nnew@example.org\n');
    const plain = await paperboy(['subscribers', 'import', file], { env });
    expect(plain.stdout).toBe('1 subscriber added, 3 already on the list, 0 rows refused\n');
    expect((await paperboy(['subscribers', 'list', '--status', 'pending', '--count'], { env })).stdout).toBe('3\n');
    const run = await paperboy(['subscribers', 'import', file, '--confirmed'], { env });
    expect(run.stdout).toBe('0 subscribers added, 4 already on the list, 3 pending subscribers confirmed, 0 rows refused\n');
    expect((await paperboy(['subscribers', 'list', '--status', 'pending', '--count'], { env })).stdout).toBe('0\n');
    expect((await paperboy(['subscribers', 'import', file, '--confirmed'], { env })).stdout).toBe(
      '0 subscribers added, 4 already on the list, 0 pending subscribers confirmed, 0 rows refused\n',
    );
  });

  it('exports to a file only its owner can read, even over one that was readable by all', async () => {
    const env = await dataEnv();
    expect((await paperboy(['subscribers', 'add', 'a@example.org', '--confirmed'], { env })).status).toBe(0);
    const fresh = join(env.PAPERBOY_DATA_DIR as string, 'fresh.csv');
    expect((await paperboy(['subscribers', 'export', fresh], { env })).status).toBe(0);
    expect((await stat(fresh)).mode & 0o777).toBe(0o600);
    const old = join(env.PAPERBOY_DATA_DIR as string, 'old.csv');
    await writeFile(old, 'stale\n', { mode: 0o644 });
    expect((await paperboy(['subscribers', 'export', old], { env })).status).toBe(0);
    expect((await stat(old)).mode & 0o777).toBe(0o600);
    expect(await readFile(old, 'utf8')).toMatch(/^a@example\.org,/m);
  });

  it('says in one line that it cannot write to a file in a missing folder', async () => {
    const env = await dataEnv();
    expect((await paperboy(['subscribers', 'add', 'a@example.org', '--confirmed'], { env })).status).toBe(0);
    const run = await paperboy(['subscribers', 'export', 'no/such/folder/list.csv'], { env, cwd: env.PAPERBOY_DATA_DIR as string });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('no/such/folder/list.csv: cannot write: no such folder: no/such/folder\n');
    expect(run.stdout).toBe('');
  });
});
