import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module beside the caller's. Run compiled (dist/), it loads plain
 * JavaScript; run from source (TypeScript), it runs that module bundled with what it imports.
 */
export function startWorker(callerUrl: string, name: string, options: WorkerOptions = {}, external: string[] = []): Worker {
  const source = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}${source ? '.ts' : '.js'}`, callerUrl);
  if (!source) return new Worker(entry, options);
  return new Worker(bundled(fileURLToPath(entry), external), { ...options, eval: true });
}

const bundles = new Map<string, string>();

// A module run from source, and the modules it imports, as one script of plain JavaScript, made
// once per process by esbuild (the compiler tsx runs on): a thread that registered tsx's loader
// instead would start its own loader thread and compile each module again, every time, which
// costs about ten times the processor time of starting on compiled code. Packages named `external`
// are left out, imported when the thread runs (one that finds its own files through import.meta).
function bundled(path: string, external: string[]): string {
  let code = bundles.get(path);
  if (code === undefined) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const build = esbuild.buildSync({
      entryPoints: [path],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      external,
    });
    code = (build.outputFiles[0] as { text: string }).text;
    bundles.set(path, code);
  }
  return code;
}

/** The command that runs a script beside the caller's: node, with tsx's loader when it is TypeScript. */
export function scriptCommand(callerUrl: string, name: string): string[] {
  const source = callerUrl.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./${name}${source ? '.ts' : '.js'}`, callerUrl));
  return source ? ['--import', 'tsx', entry] : [entry];
}
