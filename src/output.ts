/** Where a command writes: standard output and standard error, passed in so tests can read them. */
export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The process's own streams. */
export const consoleOutput: Output = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** `1 paper`, `2 papers`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
