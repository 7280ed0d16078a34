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

// The import circles of a graph: each set of files that import one another round, however long the way (Tarjan).
function circles(edges: readonly [string, string][]): string[][] {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    order.set(file, order.size);
    low.set(file, order.size - 1);
    stack.push(file);
    for (const to of next.get(file) ?? []) {
      if (!order.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(to) ?? 0));
      } else if (stack.includes(to)) low.set(file, Math.min(low.get(file) ?? 0, order.get(to) ?? 0));
    }
    if (low.get(file) !== order.get(file)) return;
    const members = stack.splice(stack.indexOf(file));
    if (members.length > 1 || next.get(file)?.includes(file)) found.push(members.sort());
  };
  for (const file of next.keys()) if (!order.has(file)) visit(file);
  return found;
}

// What a file loads as it is loaded: its imports and re-exports that are not type-only (a dynamic
// `import()` loads later, when called), relative ones resolved against src/, packages by name.
function loadedBy(file: string): string[] {
  const text = readFileSync(join(root, 'src', file), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
    const name = m[1] as string;
    if (name.startsWith('node:')) continue;
    found.push(name.startsWith('.') ? relative(join(root, 'src'), resolve(dirname(join(root, 'src', file)), name)) : name);
  }
  return found;
}

// Every package loaded, with the file that loads it, when `start` is loaded.
function packagesLoadedFrom(start: string): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const name of loadedBy(file)) {
      if (name.endsWith('.ts')) visit(name);
      else if (!packages.has(name)) packages.set(name, file);
    }
  };
  visit(start);
  return packages;
}

describe('the shape of src/', () => {
  const all = imports();

  it('has one composition root: nothing but cli.ts imports a command', () => {
    expect(all.filter(([from, to]) => to.startsWith('commands/') && from !== 'cli.ts' && !from.startsWith('commands/'))).toEqual([]);
  });

  it('has no import circle anywhere, type imports included', () => {
    expect(circles(all)).toEqual([]);
  });

  it('stands its stages on floors: no circle between folders (and the files at the top of src/), however long the way round', () => {
    // A file at the top of src/ stands for itself; any other for its stage (its first folder).
    const stage = (file: string) => (file.includes('/') ? `${file.split('/')[0]}/` : file);
    const between = all.map(([from, to]) => [stage(from), stage(to)] as [string, string]).filter(([from, to]) => from !== to);
    expect(circles(between)).toEqual([]);
  });

  it('finds a circle however long its way round', () => {
    expect(
      circles([
        ['a.ts', 'b.ts'],
        ['b.ts', 'c/index.ts'],
        ['c/index.ts', 'c/d.ts'],
        ['c/d.ts', 'a.ts'],
        ['e.ts', 'a.ts'],
        ['f.ts', 'f.ts'],
      ]),
    ).toEqual([['a.ts', 'b.ts', 'c/d.ts', 'c/index.ts'], ['f.ts']]);
  });

  it('keeps the subscriber list free of delivery', () => {
    expect(all.filter(([from, to]) => from.startsWith('subscribers/') && to.startsWith('deliver/'))).toEqual([]);
  });

  it('lets no folder, nor a test, import a file another folder keeps to itself (`_`-named)', () => {
    const foreign = [...all, ...imports('tests')].filter(
      ([from, to]) => to.split('/').at(-1)?.startsWith('_') && dirname(from) !== dirname(to),
    );
    expect(foreign).toEqual([]);
  });

  it('loads the server, receiver, git, template and PostgreSQL libraries only when they are used, not with the program', () => {
    // Every command opens the program's parts (app.ts): an import or a dispatch would carry them all.
    const loaded = packagesLoadedFrom('app.ts');
    const heavy = ['fastify', 'smtp-server', 'mailparser', 'isomorphic-git', 'handlebars', 'pg', 'prom-client'];
    const early = [...loaded].filter(([name]) => heavy.some((h) => name === h || name.startsWith(`${h}/`)));
    expect(early.map(([name, by]) => `${name} by ${by}`)).toEqual([]);
    // The walk does see what is loaded.
    expect(loaded.get('better-sqlite3')).toBe('db/database.ts');
  });

  it('has SQL only in the database, ledger and subscriber modules', () => {
    const src = join(root, 'src');
    const withSql = (readdirSync(src, { recursive: true }) as string[]).filter(
      (name) =>
        name.endsWith('.ts') && /\b(?:SELECT|INSERT|UPDATE|DELETE)\b[^']*\b(?:FROM|INTO|SET)\b/.test(readFileSync(join(src, name), 'utf8')),
    );
    expect(withSql.filter((name) => !/^(db|ledger|subscribers)\//.test(name) && !name.startsWith('bench/'))).toEqual([]);
  });
});
