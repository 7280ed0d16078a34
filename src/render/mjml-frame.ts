/**
 * MJML copies the content of `<mj-text>`, `<mj-raw>` and `<mj-title>` into its output as it is
 * (trimmed): an email's MJML differs from the next issue's almost only there. So the MJML is cut
 * into a frame, with a token in place of each such content, and the contents; MJML compiles each
 * frame once, and an email is its compiled frame with the contents put back. Compiling the whole
 * MJML costs about 8 ms an email; filling a frame, a small part of one.
 *
 * The cut is made only where it cannot change the output: the MJML is read the way MJML's parser
 * (htmlparser2) reads it, and whatever this reader is unsure of (comments, CDATA, raw-text elements,
 * attributes it cannot parse, inline styles, includes, html attributes set from the head) either
 * stays in the frame or gives no frame at all, and the email is compiled whole.
 */

/** MJML 5's elements whose content its parser takes as text (their `endingTag`). */
export const ENDING_TAGS: ReadonlySet<string> = new Set([
  'mj-breakpoint',
  'mj-preview',
  'mj-style',
  'mj-title',
  'mj-button',
  'mj-raw',
  'mj-text',
  'mj-table',
  'mj-social-element',
  'mj-navbar-link',
  'mj-accordion-text',
  'mj-accordion-title',
  'mj-carousel-image',
]);

// Those whose content MJML writes out unchanged, each place it goes.
const COPIED = new Set(['mj-text', 'mj-raw', 'mj-title']);

// Elements whose content htmlparser2 reads as text up to their closing tag.
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);

// What makes MJML rework the whole output after rendering (juice, cheerio) or read other files.
const REWORKED = /<mj-include\b|<mj-html-attributes\b|<mj-style\b[^>]*\binline\b/i;

const OPEN_TAG = /<([a-zA-Z][^\s/>]*)((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/y;
const CLOSE_TAG = /<\/([a-zA-Z][^\s/>]*)\s*>/y;

/** An email's MJML cut in two: the frame, with `${token}-${i}-` in place of content i. */
export interface Frame {
  frame: string;
  contents: string[];
}

type Content = 'plain' | 'raw';

/**
 * Reads an element's content the way htmlparser2 does, from `from` to the element's closing tag:
 * where that tag starts, and whether the content holds only tags and text ('plain') or also
 * comments, CDATA, declarations or raw-text elements ('raw'). Undefined for what this reader does
 * not follow (an MJML tag, a tag it cannot parse, no closing tag).
 */
function readContent(text: string, from: number, element: string): { close: number; kind: Content } | undefined {
  let kind: Content = 'plain';
  let at = text.indexOf('<', from);
  while (at >= 0) {
    const next = text.charCodeAt(at + 1);
    let end: number;
    if (text.startsWith('<!--', at)) {
      end = closing(text, '-->', at + 4);
      kind = 'raw';
    } else if (text.startsWith('<![CDATA[', at)) {
      end = closing(text, ']]>', at + 9);
      kind = 'raw';
    } else if (next === 0x21 || next === 0x3f) {
      // <!…> and <?…>: a declaration or an instruction, to the next ">".
      end = closing(text, '>', at + 2);
      kind = 'raw';
    } else if (next === 0x2f) {
      CLOSE_TAG.lastIndex = at;
      const name = CLOSE_TAG.exec(text)?.[1]?.toLowerCase();
      if (name === element) return { close: at, kind };
      if (name === undefined || isMjml(name)) return undefined;
      end = CLOSE_TAG.lastIndex;
    } else if (isLetter(next)) {
      OPEN_TAG.lastIndex = at;
      const tag = OPEN_TAG.exec(text);
      const name = tag?.[1]?.toLowerCase();
      if (!tag || name === undefined || isMjml(name) || name === 'svg' || name === 'math') return undefined;
      end = OPEN_TAG.lastIndex;
      if (RAW_TEXT.has(name) && tag[3] !== '/') {
        end = closeOf(text, name, end);
        kind = 'raw';
      }
    } else {
      end = at + 1;
    }
    if (end < 0) return undefined;
    at = text.indexOf('<', end);
  }
  return undefined;
}

const isLetter = (code: number) => (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
const isMjml = (name: string | undefined) => name === undefined || /^mj-/i.test(name);

function closing(text: string, end: string, from: number): number {
  const at = text.indexOf(end, from);
  return at < 0 ? -1 : at + end.length;
}

const closings = new Map<string, RegExp>();

// Where the closing tag of raw-text element `name` ends, the first after `from` in any case (-1
// when there is none, or when what starts like one is not one).
function closeOf(text: string, name: string, from: number): number {
  let find = closings.get(name);
  if (!find) closings.set(name, (find = new RegExp(`</${name}`, 'gi')));
  find.lastIndex = from;
  const at = find.exec(text)?.index ?? -1;
  if (at < 0) return -1;
  CLOSE_TAG.lastIndex = at;
  return CLOSE_TAG.exec(text)?.[1]?.toLowerCase() === name ? CLOSE_TAG.lastIndex : -1;
}

/**
 * The frame of an email's MJML, or undefined when the MJML is not cut (it holds the token, or
 * something the reader above does not follow, or MJML reworks its whole output).
 */
export function frameOf(mjml: string, token: string): Frame | undefined {
  if (mjml.includes(token) || REWORKED.test(mjml)) return undefined;
  const contents: string[] = [];
  const parts: string[] = [];
  let copied = 0;
  let at = mjml.indexOf('<');
  while (at >= 0) {
    const next = mjml.charCodeAt(at + 1);
    let end: number;
    if (next === 0x2f) {
      CLOSE_TAG.lastIndex = at;
      if (!CLOSE_TAG.exec(mjml)) return undefined;
      end = CLOSE_TAG.lastIndex;
    } else if (isLetter(next)) {
      OPEN_TAG.lastIndex = at;
      const tag = OPEN_TAG.exec(mjml);
      const name = tag?.[1]?.toLowerCase();
      if (!tag || name === undefined) return undefined;
      end = OPEN_TAG.lastIndex;
      if (ENDING_TAGS.has(name) && tag[3] !== '/') {
        const read = readContent(mjml, end, name);
        if (!read) return undefined;
        const { close, kind } = read;
        const text = mjml.slice(end, close);
        const content = text.trim();
        if (kind === 'plain' && COPIED.has(name) && content !== '') {
          const lead = text.length - text.trimStart().length;
          parts.push(mjml.slice(copied, end + lead), `${token}-${contents.length}-`);
          contents.push(content);
          copied = end + lead + content.length;
        }
        end = close;
      }
    } else {
      // A comment, a declaration or stray text between MJML's elements: not followed here.
      return undefined;
    }
    at = mjml.indexOf('<', end);
  }
  if (contents.length === 0) return undefined;
  parts.push(mjml.slice(copied));
  return { frame: parts.join(''), contents };
}

/** A compiled frame filled with its contents; `tokensPlaced` said yes to the compiled frame. */
export function fillFrame(html: string, token: string, contents: readonly string[]): string {
  return html.replace(new RegExp(`${token}-(\\d+)-`, 'g'), (_, i: string) => contents[Number(i)] ?? '');
}

/**
 * Whether a compiled frame carries each of `count` tokens where MJML copies text unchanged: each at
 * least once, none inside an Outlook conditional comment (MJML squeezes those), nothing else like one.
 */
export function tokensPlaced(html: string, token: string, count: number): boolean {
  const seen = new Set<number>();
  let found = 0;
  for (const m of html.matchAll(new RegExp(`${token}-(\\d+)-`, 'g'))) {
    seen.add(Number(m[1]));
    found++;
  }
  if (seen.size !== count || found !== html.split(token).length - 1) return false;
  for (let i = 0; i < count; i++) if (!seen.has(i)) return false;
  for (const m of html.matchAll(/<!--\[if\s[^\]]+]>([\s\S]*?)<!\[endif]-->/g)) if (m[1]?.includes(token)) return false;
  return true;
}
