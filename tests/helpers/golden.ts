import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { root } from './paths.ts';

/**
 * Compares output with its golden file under tests/golden/. `UPDATE_GOLDEN=1 npm test` rewrites
 * them; a missing golden file fails the test rather than passing silently.
 */
export function expectGolden(name: string, actual: string): void {
  const path = join(root, 'tests', 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`no golden file ${name}: run UPDATE_GOLDEN=1 npm test and review it`);
  expect(actual, `differs from tests/golden/${name}`).toBe(readFileSync(path, 'utf8'));
}
