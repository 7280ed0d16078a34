import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

const cwd = mkdtempSync(join(tmpdir(), 'paperboy-config-'));
const sourceOf = (value: string) => loadConfig({ PAPERBOY_DIGESTS_SOURCE: value }, cwd).source;
const refusal = (value: string) => {
  try {
    loadConfig({ PAPERBOY_DIGESTS_SOURCE: value }, cwd);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('PAPERBOY_DIGESTS_SOURCE', () => {
  it('reads a git repository with its branch and subfolder, and a URL pattern', () => {
    expect(sourceOf('git+https://github.com/timlrx/daily-ai-papers#main:archive')).toMatchObject({
      kind: 'git',
      url: 'https://github.com/timlrx/daily-ai-papers',
      branch: 'main',
      subfolder: 'archive',
    });
    expect(sourceOf('git+https://example.org/a/b')).toMatchObject({
      kind: 'git',
      url: 'https://example.org/a/b',
      branch: undefined,
      subfolder: '',
    });
    expect(sourceOf('git+http://127.0.0.1:8123/papers:archive')).toMatchObject({
      url: 'http://127.0.0.1:8123/papers',
      subfolder: 'archive',
    });
    expect(sourceOf('https://example.org/{yyyy}/{mm}/{dd}.md')).toMatchObject({ kind: 'url' });
    expect(loadConfig({}, cwd).source).toEqual({ kind: 'folder' });
  });

  it('mails at 13:30 by default with a source, at 08:00 without; a schedule set by hand wins', () => {
    expect(loadConfig({}, cwd).schedule).toBe('0 8 * * *');
    expect(loadConfig({ PAPERBOY_DIGESTS_SOURCE: 'git+https://example.org/a/b' }, cwd).schedule).toBe('30 13 * * *');
    expect(loadConfig({ PAPERBOY_DIGESTS_SOURCE: 'git+https://example.org/a/b', PAPERBOY_SCHEDULE: '0 9 * * *' }, cwd).schedule).toBe(
      '0 9 * * *',
    );
    expect(loadConfig({}, cwd)).toMatchObject({ syncSchedule: '*/15 * * * *', syncSettleMs: 300_000 });
  });

  it('refuses plain http beyond this machine, a pattern without its day, an escaping subfolder, naming the variable', () => {
    expect(refusal('git+http://example.org/a/b')).toMatch(/PAPERBOY_DIGESTS_SOURCE: plain http is allowed only to this machine/);
    expect(refusal('http://example.org/{yyyy}/{mm}/{dd}.md')).toMatch(/PAPERBOY_DIGESTS_SOURCE: plain http/);
    expect(refusal('https://example.org/{yyyy}/{mm}.md')).toMatch(
      /PAPERBOY_DIGESTS_SOURCE: a URL pattern must hold \{yyyy\}, \{mm\} and \{dd\}/,
    );
    expect(refusal('git+https://example.org/a/b#main:../etc')).toMatch(/PAPERBOY_DIGESTS_SOURCE: the subfolder/);
    expect(refusal('ftp://example.org/x')).toMatch(/PAPERBOY_DIGESTS_SOURCE: must use https/);
    expect(refusal('no-such-folder')).toMatch(/PAPERBOY_DIGESTS_SOURCE: is neither a folder/);
  });
});
