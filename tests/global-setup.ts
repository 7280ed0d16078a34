import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './helpers/paths.ts';

// The tests that spawn the real `paperboy` binary run the compiled program: compile it first, so
// they run the source as it is now.
export default function setup(): void {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
