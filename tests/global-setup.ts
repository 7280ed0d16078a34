import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { root } from './helpers/paths.ts';
import { installHint, PEERS, probePeers, type Peer } from './helpers/peers.ts';
import { makeTempRoot } from './helpers/temp.ts';

/**
 * Finds the peers once for the whole run and hands the list to every test file. A missing peer
 * skips the tests that need it, said in one line; in CI (`CI=true`) it fails the run instead.
 * The fast tier has none: it runs only what runs inside the test process, and compiles nothing.
 */
export default function setup(project: TestProject): () => void {
  if (project.getProvidedContext().tier === 'fast') {
    project.provide('peers', []);
    const temp = tempRoot(project);
    console.log(`test:fast runs the in-process tests only; \`npm test\` also runs those that need ${Object.keys(PEERS).join(', ')}`);
    return temp.remove;
  }
  const { present, missing } = probePeers();
  if (missing.length > 0) {
    const names = missing.join(', ');
    // In CI nothing is skipped in silence: a missing peer fails the run.
    if (process.env.CI === 'true') throw new Error(`CI=true, but ${names} missing; ${installHint(missing)}`);
    console.log(`${names} missing: the tests that need them are skipped; to run them, ${installHint(missing)}`);
  }
  project.provide('peers', present satisfies Peer[]);
  // The tests that spawn the real `paperboy` binary run the compiled program: compile it first, so
  // they run the source as it is now.
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  return tempRoot(project).remove;
}

// The tests' temporary folders, each file's in one of its own: all of it goes when the run ends.
function tempRoot(project: TestProject): ReturnType<typeof makeTempRoot> {
  const temp = makeTempRoot();
  project.provide('tempRoot', temp.root);
  return temp;
}
