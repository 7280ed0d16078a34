/** A statement in PostgreSQL's form: `$1`, `$2`… in its text, and the name each number stands for. */
export interface Positional {
  readonly text: string;
  readonly names: readonly string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

// Where the quoted or commented stretch that starts at `at` ends (the index after it), or `at` when none starts there.
function skipQuoted(text: string, at: number): number {
  const c = text[at];
  const next = text[at + 1];
  if (c === "'" || c === '"') {
    // A doubled quote inside is the quote itself.
    for (let i = at + 1; i < text.length; i++) {
      if (text[i] !== c) continue;
      if (text[i + 1] === c) i++;
      else return i + 1;
    }
    return text.length;
  }
  if (c === '-' && next === '-') {
    const end = text.indexOf('\n', at);
    return end < 0 ? text.length : end + 1;
  }
  if (c === '/' && next === '*') {
    const end = text.indexOf('*/', at + 2);
    return end < 0 ? text.length : end + 2;
  }
  if (c === '$') {
    // A dollar-quoted string: $$…$$ or $tag$…$tag$.
    const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(at))?.[0];
    if (tag === undefined) return at;
    const end = text.indexOf(tag, at + tag.length);
    return end < 0 ? text.length : end + tag.length;
  }
  return at;
}

/**
 * Rewrites a statement's `@name` values as PostgreSQL's `$n`, the same number each time a name
 * comes back. An `@` inside a string, a quoted name or a comment is left alone, as is one not
 * followed by a name (an operator such as `@>`).
 */
export function toPositional(text: string): Positional {
  const names: string[] = [];
  let out = '';
  let at = 0;
  while (at < text.length) {
    const skipped = skipQuoted(text, at);
    if (skipped > at) {
      out += text.slice(at, skipped);
      at = skipped;
      continue;
    }
    const c = text[at] as string;
    if (c === '@' && NAME_START.test(text[at + 1] ?? '')) {
      let end = at + 2;
      while (end < text.length && NAME_PART.test(text[end] as string)) end++;
      const name = text.slice(at + 1, end);
      let index = names.indexOf(name);
      if (index < 0) index = names.push(name) - 1;
      out += `$${index + 1}`;
      at = end;
      continue;
    }
    out += c;
    at++;
  }
  return { text: out, names };
}

/** Rewrites statements once each: the same texts come back again and again. */
export class PositionalCache {
  readonly #seen = new Map<string, Positional>();

  /** The statement in PostgreSQL's form. */
  of(text: string): Positional {
    let found = this.#seen.get(text);
    if (found === undefined) {
      found = toPositional(text);
      // Statements are the program's own, so they are few; a bound keeps a mistake from growing it without end.
      if (this.#seen.size >= 1000) this.#seen.clear();
      this.#seen.set(text, found);
    }
    return found;
  }
}
