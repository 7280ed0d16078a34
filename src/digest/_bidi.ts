// The characters that change the direction text is shown in: the embeddings and overrides
// (U+202A–U+202E), the isolates (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C). In a digest
// they can only make a title or a topic show as something else, so none is kept.
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** The bidirectional control characters in a text, as `U+202E` each (in order, each once). */
export function bidiControls(text: string): string[] {
  const found = text.match(BIDI_CONTROL) ?? [];
  return [...new Set(found.map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`))];
}

/** A text without its bidirectional control characters. */
export function withoutBidiControls(text: string): string {
  return text.replace(BIDI_CONTROL, '');
}
