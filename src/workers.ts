import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module beside the caller's. Run from source (TypeScript under tsx),
 * the worker first registers the same loader; run compiled (dist/), it loads plain JavaScript.
 */
export function startWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const source = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}${source ? '.ts' : '.js'}`, callerUrl);
  if (!source) return new Worker(entry, options);
  const loader = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(loader)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}

/** The command that runs a script beside the caller's: node, with tsx's loader when it is TypeScript. */
export function scriptCommand(callerUrl: string, name: string): string[] {
  const source = callerUrl.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./${name}${source ? '.ts' : '.js'}`, callerUrl));
  return source ? ['--import', 'tsx', entry] : [entry];
}
