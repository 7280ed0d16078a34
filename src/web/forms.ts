import type { FastifyRequest } from 'fastify';
import { sameSite } from './csrf.ts';
import type { WebContext } from './context.ts';

/** A form body as the parsers leave it: each field a string, or a list for repeated fields. */
export type FormBody = Record<string, string | string[] | undefined>;

/** One field of a form, as text (the first, if it was repeated). */
export function field(body: unknown, name: string): string | undefined {
  const value = (body as FormBody | undefined)?.[name];
  return Array.isArray(value) ? value[0] : typeof value === 'string' ? value : undefined;
}

/** Every value of a repeated field (checkboxes). */
export function fields(body: unknown, name: string): string[] {
  const value = (body as FormBody | undefined)?.[name];
  return Array.isArray(value) ? value.filter((v) => typeof v === 'string') : typeof value === 'string' ? [value] : [];
}

/** Whether a form post comes from this site (see `sameSite`). */
export function fromThisSite(ctx: WebContext, request: FastifyRequest): boolean {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return sameSite(
    ctx.secret,
    new URL(ctx.site.url).origin,
    {
      origin: header('origin'),
      fetchSite: header('sec-fetch-site'),
      host: header('host'),
      token: field(request.body, 'csrf'),
    },
    ctx.now().getTime(),
  );
}
