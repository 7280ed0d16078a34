import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { initdbPath, postgresAnswers } from './postgres.ts';

/** Debian's Chromium and SpamAssassin, where .ci/run installs them. */
export const CHROMIUM = '/usr/bin/chromium';
export const SPAMASSASSIN = '/usr/bin/spamassassin';
/** Debian's Prometheus toolchain: `promtool` checks and unit-tests the alerting rules. */
export const PROMTOOL = '/usr/bin/promtool';
/** git's CGI program that serves repositories over smart HTTP. */
export const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

/**
 * The programs outside the test process that some tests talk to, and what to install to have
 * each. The one place that knows them: the global setup probes them once, a test asks `has`.
 */
export const PEERS = {
  chromium: { install: 'chromium', probe: () => existsSync(CHROMIUM) },
  'python3-feedparser': { install: 'python3-feedparser', probe: () => pythonHas('feedparser') },
  'python3-listparser': { install: 'python3-listparser', probe: () => pythonHas('listparser') },
  'python3-dkim': { install: 'python3-dkim', probe: () => pythonHas('dkim') },
  spamassassin: { install: 'spamassassin', probe: () => existsSync(SPAMASSASSIN) },
  promtool: { install: 'prometheus', probe: () => spawnSync(PROMTOOL, ['--version']).status === 0 },
  'systemd-analyze': { install: 'systemd', probe: () => spawnSync('systemd-analyze', ['--version']).status === 0 },
  /** A small file system to fill up: mounting one needs root. */
  tmpfs: { install: 'nothing, but run as root (to mount a tmpfs)', probe: canMount },
  /** git and its smart-HTTP server program, to build and serve an upstream repository in a test. */
  git: { install: 'git', probe: () => spawnSync('git', ['--version']).status === 0 && existsSync(GIT_HTTP_BACKEND) },
  /** A PostgreSQL server (15 or newer) at PAPERBOY_TEST_DATABASE_URL, whose user may create databases. */
  postgres: {
    install:
      'nothing, but run a PostgreSQL server (apt-get install postgresql) at PAPERBOY_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)',
    probe: () => postgresAnswers(),
  },
  /** PostgreSQL's own programs, to start a server of a test's own (one that asks for passwords). */
  initdb: { install: 'postgresql', probe: () => initdbPath() !== undefined && (process.getuid?.() !== 0 || userExists('postgres')) },
  /** The compiled `paperboy` binary and other child processes: always here, but not in the fast tier. */
  processes: { install: 'nothing', probe: () => true },
} as const;

/** A peer's name. */
export type Peer = keyof typeof PEERS;

declare module 'vitest' {
  export interface ProvidedContext {
    /** `fast` runs only what runs inside the test process (`npm run test:fast`); `full` runs everything here. */
    tier: 'fast' | 'full';
    /** The peers this run has, as the global setup found them. */
    peers: Peer[];
  }
}

/** Whether this run has every one of these peers: a test that needs them runs only then (`it.runIf(has(…))`). */
export function has(...peers: Peer[]): boolean {
  const here = inject('peers');
  return peers.every((peer) => here.includes(peer));
}

/** Stops a test that talks to a peer this run has not got, saying how it should have asked. */
export function need(peer: Peer): void {
  if (!has(peer)) throw new Error(`this test talks to ${peer}, which this run has not got: run it only \`it.runIf(has('${peer}'))\``);
}

/** Probes every peer: those present, and those missing. */
export function probePeers(): { present: Peer[]; missing: Peer[] } {
  const present: Peer[] = [];
  const missing: Peer[] = [];
  for (const [name, peer] of Object.entries(PEERS) as [Peer, (typeof PEERS)[Peer]][]) (peer.probe() ? present : missing).push(name);
  return { present, missing };
}

/** What to install for these peers, in one line. */
export function installHint(missing: readonly Peer[]): string {
  const packages = missing.map((peer) => PEERS[peer].install).filter((p) => !p.startsWith('nothing'));
  const other = missing.map((peer) => PEERS[peer].install).filter((p) => p.startsWith('nothing, but'));
  return [
    packages.length > 0 ? `apt-get install ${[...new Set(packages)].join(' ')}` : '',
    ...other.map((p) => p.replace('nothing, but ', '')),
  ]
    .filter(Boolean)
    .join('; ');
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

// Debian installs the Python modules for /usr/bin/python3, which is what the tests run.
function pythonHas(module: string): boolean {
  return spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function canMount(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmdirSync(dir);
  }
}
