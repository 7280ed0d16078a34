export { createServer } from './server.ts';
export { topicsOf, type WebContext } from './context.ts';
