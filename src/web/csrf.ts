import { createHmac, timingSafeEqual } from 'node:crypto';

// A form token is good for this long; a page left open longer asks for a fresh one.
const WINDOW_MS = 12 * 60 * 60 * 1000;

function sign(secret: string, bucket: number): string {
  return createHmac('sha256', secret).update(`csrf:${bucket}`).digest('base64url').slice(0, 22);
}

/** A token for the forms of a page: stateless, signed with the secret and the current half-day. */
export function csrfToken(secret: string, now: number): string {
  return sign(secret, Math.floor(now / WINDOW_MS));
}

function validToken(secret: string, token: unknown, now: number): boolean {
  if (typeof token !== 'string' || token.length !== 22) return false;
  const bucket = Math.floor(now / WINDOW_MS);
  return [bucket, bucket - 1].some((b) => timingSafeEqual(Buffer.from(sign(secret, b)), Buffer.from(token)));
}

/** What a request says about where it comes from. */
export interface Provenance {
  origin: string | undefined;
  fetchSite: string | undefined;
  host: string | undefined;
  token: unknown;
}

/**
 * Whether a form post may be trusted not to come from another site: the browser says it is
 * same-origin (Origin or Sec-Fetch-Site), or, for clients that say nothing, it carries the form token.
 */
export function sameSite(secret: string, siteOrigin: string, request: Provenance, now: number): boolean {
  if (request.origin !== undefined && request.origin !== 'null') {
    return (
      request.origin === siteOrigin ||
      (request.host !== undefined && new Set([`http://${request.host}`, `https://${request.host}`]).has(request.origin))
    );
  }
  if (request.fetchSite !== undefined) return request.fetchSite === 'same-origin' || request.fetchSite === 'none';
  return validToken(secret, request.token, now);
}
