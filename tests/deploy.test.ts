import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './helpers/paths.ts';
import { has } from './helpers/peers.ts';

describe('running paperboy as a service', () => {
  it.runIf(has('systemd-analyze'))('the systemd unit passes systemd-analyze verify', () => {
    const run = spawnSync('systemd-analyze', ['verify', join(root, 'deploy', 'paperboy.service')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('the unit starts the program itself, restarts it on failure, and lets it write only its state and site', () => {
    const unit = readFileSync(join(root, 'deploy', 'paperboy.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\S*(?:node|env node) \S*dist\/cli\.js start$/m);
    expect(unit).not.toMatch(/^ExecStart=.*npm/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).toMatch(/^ReadWritePaths=.*\/data .*\/out$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
  });

  it('the container image runs as a user of its own, keeps its folders in volumes and checks /healthz', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/^USER paperboy$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/app\/digests", "\/app\/data", "\/app\/out"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/cli\.js", "start"\]$/m);
    expect(existsSync(join(root, '.dockerignore'))).toBe(true);
  });

  it.runIf(has('processes'))("the image compiles what package.json's prepare compiles, from what the repository holds", () => {
    expect(
      execFileSync('git', ['-C', root, 'ls-files', 'bin', 'src/cli.ts', 'templates/email.mjml.hbs'], { encoding: 'utf8' })
        .trim()
        .split('\n'),
    ).toHaveLength(3);
  });
});
