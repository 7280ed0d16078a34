import { randomBytes } from 'node:crypto';
import { PaperboyError } from '../errors.ts';
import type { IssueView } from './view.ts';
import type { Templates } from './templates.ts';
import { joinPieces, placeholderMarkers, type Piece } from './placeholders.ts';
import { largestCut, type Cut } from './budget.ts';
import { emailView } from './_email-view.ts';
import { fillFrame, frameOf, tokensPlaced } from './mjml-frame.ts';

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

// MJML compiles an email whole; the output is squeezed as `collapse` does, and the wrapper unlabelled.
async function compileWhole(mjml: string, check: boolean): Promise<string> {
  // Loaded on first use: MJML is large, and most commands never compile an email.
  const { default: mjml2html } = await import('mjml');
  const result = await mjml2html(mjml, { keepComments: false, fonts: {}, validationLevel: check ? 'soft' : 'skip' });
  if (result.errors.length > 0) {
    const first = result.errors[0];
    throw new PaperboyError(`templates/email.mjml.hbs: MJML: line ${first?.line}: ${first?.message}`);
  }
  return collapse(result.html);
}

// The token that stands for copied text in a frame (see mjml-frame.ts): no email holds it.
const TOKEN = `pbframe${randomBytes(8).toString('hex')}`;
// Compiled frames by frame, per set of templates: a handful at most (an email with papers, one without).
const frames = new WeakMap<Templates, Map<string, Promise<string | undefined>>>();
const FRAMES_KEPT = 8;
// Templates whose frames were found not to give what MJML gives: their emails are compiled whole.
const unframed = new WeakSet<Templates>();

// The email from its frame, compiled once per frame; undefined when the MJML has no frame.
async function compileFramed(mjml: string, templates: Templates): Promise<string | undefined> {
  const cut = frameOf(mjml, TOKEN);
  if (!cut) return undefined;
  let kept = frames.get(templates);
  if (!kept) frames.set(templates, (kept = new Map()));
  let compiled = kept.get(cut.frame);
  if (!compiled) {
    if (kept.size >= FRAMES_KEPT) kept.delete(kept.keys().next().value as string);
    compiled = compileWhole(cut.frame, false).then(
      (html) => (tokensPlaced(html, TOKEN, cut.contents.length) ? html : undefined),
      () => undefined,
    );
    kept.set(cut.frame, compiled);
  }
  const html = await compiled;
  return html === undefined ? undefined : fillFrame(html, TOKEN, cut.contents);
}

// The first email of a set of templates is compiled whole, so that MJML checks them and its errors
// name their lines; its frame, compiled too, must give the same bytes, or these templates' emails
// are all compiled whole.
async function compile(mjml: string, templates: Templates): Promise<string> {
  const check = !validated.has(templates);
  if (!check && !unframed.has(templates)) {
    const framed = await compileFramed(mjml, templates);
    if (framed !== undefined) return unlabelWrapper(framed);
  }
  const html = await compileWhole(mjml, check);
  if (check) {
    validated.add(templates);
    const framed = await compileFramed(mjml, templates);
    if (framed !== undefined && framed !== html) unframed.add(templates);
  }
  return unlabelWrapper(html);
}

// MJML's share of an email's size: what its compile adds to the Handlebars output. MJML copies
// what <mj-text> holds byte for byte, so the share depends on the templates alone; it is measured
// by the first compile of each set of templates and checked by every compile after it.
const mjmlShares = new WeakMap<Templates, number>();

/** The MJML of an issue's email with a cut, as Handlebars fills it in, squeezed: what MJML compiles. */
export function emailMjml(view: IssueView, templates: Templates, cut: Cut, markers = placeholderMarkers().markers): string {
  return collapse(templates.emailMjml(emailView(view, cut, markers)));
}

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
      mjml = emailMjml(view, templates, cut, markers);
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
