// Digest text is untrusted. Everything is escaped; then only a few inline tags without attributes
// (and Markdown emphasis) are let through, always balanced, so nothing in a digest can open a
// link, a script, an event handler or an unclosed element.
const ALLOWED = ['sup', 'sub', 'em', 'strong', 'code'] as const;
const ESCAPED_TAG = new RegExp(`&lt;(/?)(${ALLOWED.join('|')})&gt;`, 'gi');
const OTHER_LT = new RegExp(`<(?!/?(?:${ALLOWED.join('|')})>)`, 'gi');
const REAL_TAG = new RegExp(`<(/?)(${ALLOWED.join('|')})>`, 'g');

// Characters XML 1.0 forbids, and stray surrogates: dropped from every output.
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

const SPECIAL = /[&<>"']/;
const SPECIALS = /[&<>"']/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Removes characters that no XML or HTML output may carry. */
export function printable(text: string): string {
  return SUSPECT.test(text) ? text.replace(FORBIDDEN, '') : text;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  const clean = printable(text);
  return SPECIAL.test(clean) ? clean.replace(SPECIALS, (c) => ENTITIES[c] ?? c) : clean;
}

function emphasis(escaped: string): string {
  let html = escaped;
  if (html.includes('`')) html = html.replace(/`([^`]+)`/g, '<code>$1</code>');
  if (html.includes('*')) {
    html = html
      .replace(/\*\*(?=\S)([^*]+?)(?<=\S)\*\*/g, '<strong>$1</strong>')
      .replace(/(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])/g, '<em>$1</em>');
  }
  if (html.includes('_')) html = html.replace(/(?<![\w_])_(?=[^\s_])([^_]+?)(?<=[^\s_])_(?![\w_])/g, '<em>$1</em>');
  return html;
}

// Keeps a closing tag only when it closes the innermost open one, and closes what is left open.
function balance(html: string): string {
  const open: string[] = [];
  const body = html.replace(REAL_TAG, (tag, slash: string, name: string) => {
    if (!slash) {
      open.push(name);
      return tag;
    }
    if (open.at(-1) === name) {
      open.pop();
      return tag;
    }
    return `&lt;/${name}&gt;`;
  });
  return (
    body +
    open
      .reverse()
      .map((name) => `</${name}>`)
      .join('')
  );
}

/** Digest text as safe inline HTML: `<sup> <sub> <em> <strong> <code>` and Markdown emphasis survive. */
export function inlineHtml(text: string): string {
  const escaped = escapeHtml(text);
  const tagged = escaped.includes('&lt;')
    ? escaped.replace(ESCAPED_TAG, (_, slash: string, name: string) => `<${slash}${name.toLowerCase()}>`)
    : escaped;
  const html = emphasis(tagged);
  return html.includes('<') ? balance(html) : html;
}

/** Digest text for plain-text outputs: the allowed inline tags are removed (`x<sup>2</sup>` reads `x^2`), everything else kept. */
export function plainText(text: string): string {
  if (!text.includes('<')) return printable(text);
  return printable(text)
    .replace(/<sup>/gi, '^')
    .replace(/<sub>/gi, '_')
    .replace(new RegExp(`</?(?:${ALLOWED.join('|')})>`, 'gi'), '');
}

// A character reference (`&#x202E;`, `&#8238;`, `&rlm;`), which a Markdown reader turns into the
// character: in a digest it is text, shown as written, as the HTML outputs show it.
const REFERENCE = /&(?=#[0-9]+;|#[xX][0-9A-Fa-f]+;|[A-Za-z][A-Za-z0-9]*;)/g;

/** Digest text for Markdown outputs: the allowed tags and emphasis stay; other tags, links and character references do not form. */
export function markdownText(text: string): string {
  return printable(text).replace(REFERENCE, '&amp;').replace(OTHER_LT, '&lt;').replaceAll('](', ']\\(');
}
