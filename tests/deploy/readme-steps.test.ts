import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/paths.ts';

// The folders the systemd unit lets paperboy write must exist before systemd starts it (a missing
// ReadWritePaths folder stops the unit before paperboy runs), and belong to paperboy: the steps the
// README and the unit's own comment give must make each one, then hand it over, then start.

const UNIT = join(root, 'deploy', 'paperboy.service');
const README = join(root, 'README.md');

// The unit's ReadWritePaths=, every folder of every such line (a leading `-` only makes one optional).
function readWritePaths(unit: string): string[] {
  return [...unit.matchAll(/^ReadWritePaths=(.*)$/gm)].flatMap((m) => (m[1] ?? '').trim().split(/\s+/)).map((p) => p.replace(/^[-+]/, ''));
}

// The lines of one `## ` section of a Markdown text, fenced blocks included (a `#` inside a fence is no heading).
function section(markdown: string, title: string): string[] {
  const lines = markdown.split('\n');
  let inFence = false;
  let inSection = false;
  const found: string[] = [];
  for (const line of lines) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    if (!inFence && /^## /.test(line)) inSection = line === `## ${title}`;
    else if (inSection) found.push(line);
  }
  return found;
}

// The lines inside the shell code blocks of some Markdown lines.
function shellBlocks(lines: string[]): string[] {
  const found: string[] = [];
  let inShell = false;
  for (const line of lines) {
    const fence = /^\s*```(\w*)/.exec(line);
    if (fence) inShell = !inShell && ['sh', 'bash', 'shell', 'console'].includes(fence[1] ?? '');
    else if (inShell) found.push(line);
  }
  return found;
}

// Shell lines as single commands, in order, each as its words: comments dropped, `&&` and `;` split.
function commands(lines: string[]): string[][] {
  return lines
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .flatMap((line) => line.split(/&&|;/))
    .map((command) =>
      command
        .trim()
        .replace(/^\$\s*/, '')
        .split(/\s+/)
        .filter((word) => word !== ''),
    )
    .filter((words) => words.length > 0);
}

interface Check {
  started: boolean;
  /** The folders not made (by `mkdir`) before `systemctl enable`, or made but not owned after (`chown -R`). */
  missing: string[];
  unowned: string[];
}

// Follows the steps, as a shell would, with `cd` moving the working folder, up to `systemctl enable`.
function follow(steps: string[][], paths: string[]): Check {
  let cwd = '/';
  const made = new Set<string>();
  const owned = new Set<string>();
  const at = (p: string): string => posix.resolve(cwd, p.replace(/\/+$/, ''));
  for (const [program, ...args] of steps) {
    const operands = args.filter((arg) => !arg.startsWith('-'));
    if (program === 'cd' && operands[0]) cwd = at(operands[0]);
    if (program === 'mkdir') for (const operand of operands) made.add(at(operand));
    if (program === 'chown' && args.some((arg) => /^-\w*R/.test(arg))) {
      for (const target of operands.slice(1).map(at)) {
        for (const path of made) if (path === target || path.startsWith(`${target}/`)) owned.add(path);
      }
    }
    if (program === 'systemctl' && args.includes('enable')) {
      return { started: true, missing: paths.filter((p) => !made.has(p)), unowned: paths.filter((p) => made.has(p) && !owned.has(p)) };
    }
  }
  return { started: false, missing: paths, unowned: [] };
}

describe('the service steps make the folders the unit writes', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const paths = readWritePaths(unit);

  it('the unit names the folders it may write', () => {
    expect(paths).toEqual(['/opt/paperboy/data', '/opt/paperboy/out']);
  });

  it("the README's steps make each of them, and hand it to paperboy, before systemctl enable", () => {
    const steps = commands(shellBlocks(section(readFileSync(README, 'utf8'), 'Running it as a service')));
    expect(follow(steps, paths)).toEqual({ started: true, missing: [], unowned: [] });
  });

  it("so do the steps in the unit's own opening comment", () => {
    const comment = unit
      .split('\n')
      .filter((line) => /^#\s{2,}\S/.test(line))
      .map((line) => line.slice(1));
    expect(follow(commands(comment), paths)).toEqual({ started: true, missing: [], unowned: [] });
  });

  it('the check tells steps that start the unit before its folders exist', () => {
    const late = commands([
      'useradd --system paperboy',
      'chown -R paperboy: /opt/paperboy',
      'systemctl enable --now paperboy',
      'mkdir -p /opt/paperboy/data',
    ]);
    expect(follow(late, paths)).toEqual({ started: true, missing: paths, unowned: [] });
    const rootOwned = commands(['cd /opt/paperboy', 'chown -R paperboy: .', 'mkdir -p data out', 'systemctl enable --now paperboy']);
    expect(follow(rootOwned, paths)).toEqual({ started: true, missing: [], unowned: paths });
  });
});
