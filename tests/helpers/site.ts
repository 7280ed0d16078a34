import { mkdtemp, readFile, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createLibrary } from '../../src/digest/index.ts';
import { templateSource } from '../../src/render/index.ts';
import { createBuilder, type BuildOptions, type BuildReport, type BuildSettings, type Builder } from '../../src/site/index.ts';
import { root } from './paths.ts';

/** The site every rendering test uses. */
export const SITE = { url: 'https://papers.example.org', title: 'Daily Papers', language: 'en' };

/** A temporary site: a digests folder, an out folder and a builder over them. */
export interface TempSite {
  digestsDir: string;
  outDir: string;
  settings: BuildSettings;
  builder: Builder;
  build(options?: BuildOptions): Promise<BuildReport>;
  read(path: string): Promise<string>;
  add(name: string, text: string): Promise<void>;
  /** Every file under out/, by relative path. */
  files(): Promise<Map<string, string>>;
}

/** Makes a temporary site holding the given digests (file name → text), for a site address and settings. */
export async function tempSite(
  digests: Record<string, string>,
  options: Partial<Omit<BuildSettings, 'library' | 'outDir'>> = {},
): Promise<TempSite> {
  const base = await mkdtemp(join(tmpdir(), 'paperboy-site-'));
  const digestsDir = join(base, 'digests');
  const outDir = join(base, 'out');
  const settings: BuildSettings = {
    library: createLibrary(digestsDir),
    outDir,
    templates: templateSource(join(root, 'templates')),
    site: SITE,
    ...options,
  };
  const builder = createBuilder(settings);
  const add = async (name: string, text: string) => {
    await mkdir(dirname(join(digestsDir, name)), { recursive: true });
    await writeFile(join(digestsDir, name), text);
  };
  await mkdir(digestsDir, { recursive: true });
  for (const [name, text] of Object.entries(digests)) await add(name, text);
  return {
    digestsDir,
    outDir,
    settings,
    builder,
    build: (options) => builder.build(options),
    read: (path) => readFile(join(outDir, path), 'utf8'),
    add,
    async files() {
      const found = new Map<string, string>();
      for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const path = join(entry.parentPath, entry.name);
        found.set(relative(outDir, path), await readFile(path, 'utf8'));
      }
      return found;
    },
  };
}
