export { createServer } from './server.ts';
export type { WebContext } from './context.ts';
