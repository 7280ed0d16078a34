export { createServer, BODY_LIMIT } from './server.ts';
export type { WebContext } from './context.ts';
