import { randomBytes } from 'node:crypto';

/**
 * Per-subscriber values are left in the rendered email as these markers (as `out/email/` shows
 * them), so the email is rendered once per issue and delivery fills them in for each subscriber.
 */
export const PLACEHOLDERS = {
  recipient: '%%RECIPIENT%%',
  unsubscribeUrl: '%%UNSUBSCRIBE_URL%%',
  preferencesUrl: '%%PREFERENCES_URL%%',
} as const;

/** The name of a per-subscriber value. */
export type Placeholder = keyof typeof PLACEHOLDERS;

/** A body as delivery sees it: text, and between the pieces of text, the template's own placeholders. */
export type Piece = string | { placeholder: Placeholder };

const NAMES = Object.keys(PLACEHOLDERS) as Placeholder[];

/**
 * Markers for one rendering: the template gets these instead of the documented placeholders, with
 * a random part that digest text cannot know, so only the template's own placeholders are taken
 * for them. Text in a digest that looks like `%%UNSUBSCRIBE_URL%%` stays text.
 */
export function placeholderMarkers(): { markers: Record<Placeholder, string>; split: (body: string) => Piece[] } {
  const nonce = randomBytes(9).toString('hex');
  const markers = Object.fromEntries(NAMES.map((name) => [name, `%%${name}-${nonce}%%`])) as Record<Placeholder, string>;
  const pattern = new RegExp(`%%(${NAMES.join('|')})-${nonce}%%`, 'g');
  const split = (body: string): Piece[] => {
    const pieces: Piece[] = [];
    let last = 0;
    for (const match of body.matchAll(pattern)) {
      pieces.push(body.slice(last, match.index), { placeholder: match[1] as Placeholder });
      last = match.index + match[0].length;
    }
    pieces.push(body.slice(last));
    return pieces;
  };
  return { markers, split };
}

/** A body written out with the documented placeholders where its markers were. */
export function joinPieces(pieces: readonly Piece[]): string {
  return pieces.map((piece) => (typeof piece === 'string' ? piece : PLACEHOLDERS[piece.placeholder])).join('');
}
