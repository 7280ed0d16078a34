/**
 * Gathers what it is handed during one turn of the event loop and hands it to `write` together once
 * the turn is over: the replies of several connections that came in one turn are then written
 * together. Each call resolves once what it handed was written, or rejects as the write did.
 */
export function perTurn<T>(write: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let gathering: { items: T[]; written: Promise<void> } | undefined;
  return (item) => {
    if (gathering === undefined) {
      const items: T[] = [];
      const written = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // What comes while these are written goes to the next turn's.
        gathering = undefined;
        return write(items);
      });
      gathering = { items, written };
    }
    gathering.items.push(item);
    return gathering.written;
  };
}
