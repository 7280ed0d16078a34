import { PaperboyError } from '../errors.ts';
import type { IssueView } from './view.ts';
import type { Templates } from './templates.ts';
import { joinPieces, placeholderMarkers, type Piece } from './placeholders.ts';
import { largestCut, type Cut } from './budget.ts';
import { emailView } from './_email-view.ts';

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
  /** The parts as delivery fills them in: text, and the template's own placeholders between it. */
  pieces: { html: Piece[]; text: Piece[] };
  /** How many papers both parts carry in full; the next `listedPapers` are listed by title. */
  fullPapers: number;
  listedPapers: number;
  htmlBytes: number;
  textBytes: number;
  styleBytes: number;
}

/** Bytes of CSS inside `<style>` elements. */
export function styleBytes(html: string): number {
  let total = 0;
  for (const m of html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)) total += Buffer.byteLength(m[1] ?? '');
  return total;
}

const bytes = (text: string) => Buffer.byteLength(text);

// Template problems are found once per set of templates; compiles after that skip validation.
const validated = new WeakSet<Templates>();

// A run of white space holding a line break renders as one line break: a safe, cheap minification
// (the email has no <pre>, and digest text never holds a line break).
function collapse(html: string): string {
  return html.replace(/\n\s+/g, '\n');
}

// MJML labels the element that wraps the email with its title. A label is content, and that element
// is no landmark, so screen readers and axe find content outside the email's landmarks; the h1 and
// the <title> name the issue instead.
function unlabelWrapper(html: string): string {
  return html.replace(/<div\naria-label="[^"]*" (aria-roledescription="email")/, '<div\n$1');
}

/** Loads MJML ahead of the first email (a program that stays up, once it is idle): loading it takes a while. */
export async function loadEmailCompiler(): Promise<void> {
  await import('mjml');
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
  return unlabelWrapper(collapse(result.html));
}

// MJML's share of an email's size: what its compile adds to the Handlebars output. MJML copies
// what <mj-text> holds byte for byte, so the share depends on the templates alone; it is measured
// by the first compile of each set of templates and checked by every compile after it.
const mjmlShares = new WeakMap<Templates, number>();

/**
 * Renders the email of one issue: Handlebars fills the MJML and MJML compiles it, once per issue.
 * When every paper in full would pass the size limit, the first papers go in full and the rest as
 * a list of titles linking to the web page; when even that list would pass it, the list is cut
 * and the email says how many more are on the web. The cut is chosen on the Handlebars output plus
 * MJML's share; the text part carries the same cut.
 */
export async function renderEmail(view: IssueView, templates: Templates, limit = EMAIL_HTML_LIMIT): Promise<RenderedEmail> {
  const budget = limit - PLACEHOLDER_ROOM;
  const { markers, split } = placeholderMarkers();
  const sources = new Map<string, string>();
  const source = (cut: Cut) => {
    const key = `${cut.full}/${cut.listed}`;
    let mjml = sources.get(key);
    if (mjml === undefined) {
      mjml = collapse(templates.emailMjml(emailView(view, cut, markers)));
      sources.set(key, mjml);
    }
    return mjml;
  };
  const choose = (share: number) => largestCut(view.papers.length, (cut) => bytes(source(cut)) + share <= budget);
  let share = mjmlShares.get(templates);
  if (share === undefined) {
    // The first email of these templates: MJML's share is measured on the email with no paper at all.
    const frame = source({ full: 0, listed: 0 });
    share = bytes(await compile(frame, templates)) - bytes(frame);
  }
  let cut = choose(share);
  let mjml = source(cut);
  let html = await compile(mjml, templates);
  const measured = bytes(html) - bytes(mjml);
  mjmlShares.set(templates, measured);
  if (measured !== share) {
    // Another site language, or a template that puts more than <mj-text> in the budget: choose again.
    const again = choose(measured);
    if (again.full !== cut.full || again.listed !== cut.listed) {
      cut = again;
      mjml = source(cut);
      html = await compile(mjml, templates);
    }
  }
  const pieces = { html: split(html), text: split(templates.emailText(emailView(view, cut, markers))) };
  const finalHtml = joinPieces(pieces.html);
  const finalText = joinPieces(pieces.text);
  return {
    html: finalHtml,
    text: finalText,
    pieces,
    fullPapers: cut.full,
    listedPapers: cut.listed,
    htmlBytes: bytes(finalHtml),
    textBytes: bytes(finalText),
    styleBytes: styleBytes(finalHtml),
  };
}
