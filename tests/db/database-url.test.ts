import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

const cwd = mkdtempSync(join(tmpdir(), 'paperboy-config-'));
const SECRET = 'a-secret-of-sixteen-characters-or-more';
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('PAPERBOY_DATABASE_URL', () => {
  it('is the SQLite file when unset, and a PostgreSQL database when it names one', () => {
    expect(loadConfig({}, cwd).databaseUrl).toBeUndefined();
    expect(loadConfig({ PAPERBOY_DATABASE_URL: '' }, cwd).databaseUrl).toBeUndefined();
    for (const url of [
      'postgres://pb:pw@db.example.org:5433/paperboy',
      'postgresql://pb@127.0.0.1/paperboy',
      'postgres:///paperboy?host=/run/postgresql',
    ]) {
      expect(loadConfig({ PAPERBOY_DATABASE_URL: url, PAPERBOY_SECRET: SECRET }, cwd).databaseUrl).toBe(url);
    }
  });

  it('refuses anything else in one line naming the setting, without repeating the value (it may hold a password)', () => {
    for (const url of [
      'mysql://pb:hunter22@db/paperboy',
      'db.example.org',
      'sqlite:data/paperboy.db',
      'postgres://',
      'postgres://pb:hunter22%@db/x',
    ]) {
      const message = refusal({ PAPERBOY_DATABASE_URL: url, PAPERBOY_SECRET: SECRET });
      expect(message).toBe(
        'bad settings:\n  PAPERBOY_DATABASE_URL: must be a postgres:// or postgresql:// URL (such as postgres://paperboy@db.example.org/paperboy); unset, the list is a SQLite file in PAPERBOY_DATA_DIR',
      );
      expect(message).not.toContain('hunter22');
    }
  });

  it('needs PAPERBOY_SECRET with PostgreSQL: every machine signs with one key', () => {
    const message = refusal({ PAPERBOY_DATABASE_URL: 'postgres://pb:hunter22@db.example.org/paperboy' });
    expect(message).toBe(
      'bad settings:\n  PAPERBOY_SECRET: must be set when PAPERBOY_DATABASE_URL is, the same on every machine that shares the database (openssl rand -base64 32 makes one)',
    );
    expect(loadConfig({}, cwd).secret).toBeUndefined();
  });
});
