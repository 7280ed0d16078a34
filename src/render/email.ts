import { PaperboyError } from '../errors.ts';
import type { IssueView, PaperView } from './view.ts';
import type { Templates } from './templates.ts';
import { joinPieces, slotMarkers, type Piece, type Slot } from './placeholders.ts';

/**
 * Gmail clips a message whose HTML passes 102 KB. The email stays under 90 KB with room kept for
 * what delivery substitutes into the placeholders (an address and two signed URLs).
 */
export const EMAIL_HTML_LIMIT = 90_000;
const PLACEHOLDER_ROOM = 1_000;

/** The two parts of an issue's email, placeholders still in them. */
export interface RenderedEmail {
  /** The parts as `out/email/` keeps them, with the documented placeholders. */
  html: string;
  text: string;
  /** The parts as delivery fills them in: only the template's own placeholders are slots. */
  pieces: { html: Piece[]; text: Piece[] };
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

// Template problems are found once per set of templates; compiles after that skip validation.
const validated = new WeakSet<Templates>();

// A run of white space holding a line break renders as one line break: a safe, cheap minification
// (the email has no <pre>, and digest text never holds a line break).
function collapse(html: string): string {
  return html.replace(/\n\s+/g, '\n');
}

function mjmlSource(view: IssueView, full: PaperView[], rest: PaperView[], templates: Templates, placeholders: Record<Slot, string>): string {
  return templates.emailMjml({ ...view, full, rest, restStart: full.length + 1, placeholders });
}

async function compile(mjml: string, templates: Templates): Promise<string> {
  const check = !validated.has(templates);
  // Loaded on first use: MJML is large, and most commands never compile an email.
  const { default: mjml2html } = await import('mjml');
  const result = await mjml2html(mjml, { keepComments: false, fonts: {}, validationLevel: check ? 'soft' : 'skip' });
  if (result.errors.length > 0) {
    const first = result.errors[0];
    throw new PaperboyError(`templates/email.mjml.hbs: MJML: line ${first?.line}: ${first?.message}`);
  }
  validated.add(templates);
  return collapse(result.html);
}

/**
 * Renders the email of one issue: Handlebars fills the MJML and MJML compiles it, once per issue.
 * When every paper in full would pass the size limit, the first papers go in full and the rest as a
 * list of titles linking to the web page. MJML passes the cards through almost byte for byte, so
 * the size for k full papers is predicted from the Handlebars output and checked by compiling.
 */
export async function renderEmail(view: IssueView, templates: Templates, limit = EMAIL_HTML_LIMIT): Promise<RenderedEmail> {
  const budget = limit - PLACEHOLDER_ROOM;
  const papers = view.papers;
  const { markers, split } = slotMarkers();
  const source = (full: PaperView[], rest: PaperView[]) => mjmlSource(view, full, rest, templates, markers);
  const bytes = (text: string) => Buffer.byteLength(text);
  const allSource = source(papers, []);
  let html = await compile(allSource, templates);
  let full = papers.length;
  if (bytes(html) > budget) {
    const overhead = bytes(html) - bytes(allSource);
    const predicted = (k: number) => bytes(source(papers.slice(0, k), papers.slice(k))) + overhead;
    let low = 0;
    let high = papers.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (predicted(middle) <= budget) low = middle;
      else high = middle - 1;
    }
    full = low;
    html = await compile(source(papers.slice(0, full), papers.slice(full)), templates);
    while (bytes(html) > budget && full > 0) {
      full--;
      html = await compile(source(papers.slice(0, full), papers.slice(full)), templates);
    }
    if (bytes(html) > budget) throw new PaperboyError(`email for ${view.date}: even a list of titles passes ${limit} bytes`);
  }
  const pieces = { html: split(html), text: split(templates.emailText({ ...view, placeholders: markers })) };
  const finalHtml = joinPieces(pieces.html);
  return { html: finalHtml, text: joinPieces(pieces.text), pieces, fullPapers: full, htmlBytes: bytes(finalHtml), styleBytes: styleBytes(finalHtml) };
}
