import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { recordFromZoneLine } from '../helpers/dkim.ts';
import { testProject } from '../helpers/project.ts';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('paperboy dkim keygen, once PAPERBOY_DKIM_KEY names a file not written yet', () => {
  it('writes the key there, and then mail is sent; before, a command that signs names the file', async () => {
    const project = await testProject([], { PAPERBOY_DKIM_KEY: 'keys/dkim.pem', PAPERBOY_DKIM_SELECTOR: 'news' });
    const path = join(project.base, 'keys', 'dkim.pem');
    const before = await paperboy(['dispatch'], { env: project.env, cwd: project.base });
    expect(before.status).toBe(1);
    expect(before.stderr).toBe(`PAPERBOY_DKIM_KEY: ${path}: no such file (\`npm run paperboy -- dkim keygen\` writes it)\n`);
    expect((await paperboy(['status'], { env: project.env, cwd: project.base })).status).toBe(0);

    const made = await paperboy(['dkim', 'keygen', '--type', 'ed25519'], { env: project.env, cwd: project.base });
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(made.stdout).toContain(`wrote a new Ed25519 private key to ${path} (mode 0600)`);
    expect(made.stdout).toContain('publish this TXT record at news._domainkey.example.org (the settings already name this key):');
    expect(recordFromZoneLine(made.stdout.split('\n').find((line) => line.startsWith('news._domainkey.')) ?? '').value).toMatch(
      /^v=DKIM1; k=ed25519; p=/,
    );

    expect((await paperboy(['dispatch'], { env: project.env, cwd: project.base })).status).toBe(0);
  });

  it("asks for --out when several files are missing, takes the settings' selector for the one given, and still refuses other bad settings", async () => {
    const project = await testProject([], { PAPERBOY_DKIM_KEY: 'a.pem,b.pem', PAPERBOY_DKIM_SELECTOR: 'sel-a,sel-b' });
    const [a, b] = [join(project.base, 'a.pem'), join(project.base, 'b.pem')];
    const ambiguous = await paperboy(['dkim', 'keygen'], { env: project.env, cwd: project.base });
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stderr).toBe(`PAPERBOY_DKIM_KEY: 2 of its files do not exist yet (${a}, ${b}); write each with --out\n`);
    expect(await exists(a)).toBe(false);

    const second = await paperboy(['dkim', 'keygen', '--type', 'ed25519', '--out', 'b.pem'], { env: project.env, cwd: project.base });
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('publish this TXT record at sel-b._domainkey.example.org (the settings already name this key):');
    // Only a.pem is missing now: it is the one written.
    const first = await paperboy(['dkim', 'keygen', '--type', 'ed25519'], { env: project.env, cwd: project.base });
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`private key to ${a} (mode 0600)`);
    expect((await paperboy(['dispatch'], { env: project.env, cwd: project.base })).status).toBe(0);

    const bad = await testProject([], { PAPERBOY_DKIM_KEY: 'c.pem', PAPERBOY_PORT: 'eighty' });
    const refused = await paperboy(['dkim', 'keygen'], { env: bad.env, cwd: bad.base });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^bad settings:\n {2}PAPERBOY_PORT: must be a port number/);
    expect(await exists(join(bad.base, 'c.pem'))).toBe(false);
  });
});
