/** The width of every plain-text output. */
export const TEXT_WIDTH = 78;

// The email's text part and the text page wrap the same paragraphs one after the other.
const recent = new Map<string, string>();
const RECENT_LIMIT = 4096;

/**
 * Wraps text at `width` columns. Every line starts with `indent`; the first also carries `bullet`,
 * the others `hang`. A word longer than the line (a URL) stands alone on its line, unbroken.
 */
export function wrapText(text: string, indent = '', hang = '', bullet = '', width = TEXT_WIDTH): string {
  const key = `${width}\u0000${indent}\u0000${hang}\u0000${bullet}\u0000${text}`;
  let wrapped = recent.get(key);
  if (wrapped === undefined) {
    wrapped = wrap(text, indent, hang, bullet, width);
    if (recent.size >= RECENT_LIMIT) recent.clear();
    recent.set(key, wrapped);
  }
  return wrapped;
}

function wrap(text: string, indent: string, hang: string, bullet: string, width: number): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = indent + bullet;
  let empty = true;
  for (const word of words) {
    if (word === '') continue;
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + hang;
      empty = true;
    }
    line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.map((l) => l.trimEnd()).join('\n');
}
