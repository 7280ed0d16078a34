import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** How the user runs paperboy where they are: `paperboy` when it is installed, else a clone's npm script. */
export type Invocation = 'paperboy' | 'npm run paperboy --';

// Whether a file is there and may be run by this user.
function runnable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The form of a command that works where the user is: `paperboy` when a folder of `PATH` holds it
 * (installed globally, or linked), else `npm run paperboy --`, which works in a clone.
 */
export function invocationOf(path: string | undefined, exists: (file: string) => boolean = runnable): Invocation {
  const folders = (path ?? '').split(delimiter).filter((folder) => folder !== '');
  const names = process.platform === 'win32' ? ['paperboy.cmd', 'paperboy.exe', 'paperboy'] : ['paperboy'];
  return folders.some((folder) => names.some((name) => exists(join(folder, name)))) ? 'paperboy' : 'npm run paperboy --';
}

/** A command to suggest in a message, in backquotes and in the form that runs where the user is. */
export function commandHint(invocation: Invocation, args: string): string {
  return `\`${invocation} ${args}\``;
}
