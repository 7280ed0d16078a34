// Cursors are opaque to clients: what they hold may change without breaking anyone.

/** A cursor for a list, after the position `after`. */
export function writeCursor(list: string, after: string): string {
  return Buffer.from(`${list}:${after}`).toString('base64url');
}

/** The position a cursor of a list holds, or undefined when it is not one. */
export function readCursor(cursor: string, list: string): string | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(`${list}:`)) return undefined;
  const after = text.slice(list.length + 1);
  const valid = list === 'subscribers' ? /^\d{1,15}$/.test(after) : /^\d{4}-\d{2}-\d{2}$/.test(after);
  return valid ? after : undefined;
}
