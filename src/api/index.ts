export { adminApi, API_BODY_LIMIT } from './plugin.ts';
export type { ApiContext } from './context.ts';
