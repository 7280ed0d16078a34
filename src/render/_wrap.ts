/** The width of every plain-text output. */
export const TEXT_WIDTH = 78;

/**
 * Wraps text at `width` columns. Every line starts with `indent`; the first also carries `bullet`,
 * the others `hang`. A word longer than the line (a URL) stands alone on its line, unbroken.
 */
export function wrapText(text: string, indent = '', hang = '', bullet = '', width = TEXT_WIDTH): string {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = indent + bullet;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + hang;
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines.map((l) => l.trimEnd()).join('\n');
}
