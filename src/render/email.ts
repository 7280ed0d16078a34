import mjml2html from 'mjml';
import { PaperboyError } from '../errors.ts';
import type { IssueView, PaperView } from './_view.ts';
import type { Templates } from './_templates.ts';
import { PLACEHOLDERS } from './placeholders.ts';

/**
 * Gmail clips a message whose HTML passes 102 KB. The email stays under 90 KB with room kept for
 * what delivery substitutes into the placeholders (an address and two signed URLs).
 */
export const EMAIL_HTML_LIMIT = 90_000;
const PLACEHOLDER_ROOM = 1_000;

/** The two parts of an issue's email, placeholders still in them. */
export interface RenderedEmail {
  html: string;
  text: string;
  /** How many papers are carried in full; the rest are listed by title with a link to the web. */
  fullPapers: number;
  htmlBytes: number;
  styleBytes: number;
}

/** Bytes of CSS inside `<style>` elements. */
export function styleBytes(html: string): number {
  let total = 0;
  for (const m of html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)) total += Buffer.byteLength(m[1] ?? '');
  return total;
}

async function compile(view: IssueView, full: PaperView[], rest: PaperView[], templates: Templates): Promise<string> {
  const source = templates.emailMjml({ ...view, full, rest, restStart: full.length + 1, placeholders: PLACEHOLDERS });
  const result = await mjml2html(source, { minify: true, keepComments: false, fonts: {}, validationLevel: 'soft' });
  if (result.errors.length > 0) {
    const first = result.errors[0];
    throw new PaperboyError(`templates/email.mjml.hbs: MJML: line ${first?.line}: ${first?.message}`);
  }
  return result.html;
}

/**
 * Renders the email of one issue: Handlebars fills the MJML and MJML compiles it, once per issue.
 * When every paper in full would pass the size limit, the first papers go in full and the rest as a
 * list of titles linking to the web page; the largest number that fits is found by bisection.
 */
export async function renderEmail(view: IssueView, templates: Templates, limit = EMAIL_HTML_LIMIT): Promise<RenderedEmail> {
  const budget = limit - PLACEHOLDER_ROOM;
  const papers = view.papers;
  const fits = (html: string) => Buffer.byteLength(html) <= budget;
  let html = await compile(view, papers, [], templates);
  let full = papers.length;
  if (!fits(html)) {
    let low = 0;
    let high = papers.length - 1;
    let best: string | undefined;
    while (low <= high) {
      const middle = Math.floor((low + high) / 2);
      const candidate = await compile(view, papers.slice(0, middle), papers.slice(middle), templates);
      if (fits(candidate)) {
        best = candidate;
        full = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (best === undefined) throw new PaperboyError(`email for ${view.date}: even a list of titles passes ${limit} bytes`);
    html = best;
  }
  const text = templates.emailText({ ...view, placeholders: PLACEHOLDERS });
  return { html, text, fullPapers: full, htmlBytes: Buffer.byteLength(html), styleBytes: styleBytes(html) };
}
