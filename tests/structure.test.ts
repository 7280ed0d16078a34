import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './helpers/paths.ts';

// Every import of every TypeScript file under a folder, as [importer, imported], both relative to src/.
function imports(folder = 'src'): [string, string][] {
  const src = join(root, 'src');
  const found: [string, string][] = [];
  for (const name of readdirSync(join(root, folder), { recursive: true }) as string[]) {
    if (!name.endsWith('.ts')) continue;
    const file = join(root, folder, name);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      found.push([relative(src, file), relative(src, resolve(dirname(file), m[1] as string))]);
    }
  }
  return found;
}

describe('the shape of src/', () => {
  const all = imports();

  it('has one composition root: nothing but cli.ts imports a command', () => {
    expect(all.filter(([from, to]) => to.startsWith('commands/') && from !== 'cli.ts' && !from.startsWith('commands/'))).toEqual([]);
  });

  it('keeps the subscriber list free of delivery', () => {
    expect(all.filter(([from, to]) => from.startsWith('subscribers/') && to.startsWith('deliver/'))).toEqual([]);
  });

  it('lets no folder, nor a test, import a file another folder keeps to itself (`_`-named)', () => {
    const foreign = [...all, ...imports('tests')].filter(([from, to]) => to.split('/').at(-1)?.startsWith('_') && dirname(from) !== dirname(to));
    expect(foreign).toEqual([]);
  });

  it('has SQL only in the database, ledger and subscriber modules', () => {
    const src = join(root, 'src');
    const withSql = (readdirSync(src, { recursive: true }) as string[]).filter(
      (name) => name.endsWith('.ts') && /\b(?:SELECT|INSERT|UPDATE|DELETE)\b[^']*\b(?:FROM|INTO|SET)\b/.test(readFileSync(join(src, name), 'utf8')),
    );
    expect(withSql.filter((name) => !/^(db|ledger|subscribers)\//.test(name) && !name.startsWith('bench/'))).toEqual([]);
  });
});
