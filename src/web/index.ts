import type { createServer as create } from './server.ts';

export { topicsOf, type WebContext } from './context.ts';

/**
 * The web server (see server.ts). Its framework is loaded here, when a server is made: every
 * other command (an import, a dispatch) goes without it.
 */
export async function createServer(...args: Parameters<typeof create>): ReturnType<typeof create> {
  return (await import('./server.ts')).createServer(...args);
}
