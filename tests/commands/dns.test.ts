import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { recordFromZoneLine, testKeys } from '../helpers/dkim.ts';
import { readers, testProject } from '../helpers/project.ts';

const zoneLines = (stdout: string) => stdout.split('\n').filter((line) => /^\S+\.\s+3600\s+IN\s+/.test(line));

describe('paperboy dns', () => {
  it('prints every record for aligned settings and exits 0: each DKIM key, SPF, DMARC at p=none, the MX of the receiver', async () => {
    const keys = await testKeys(['rsa', 'ed25519']);
    const project = await testProject([], { ...keys.env, PAPERBOY_SMTP_NAME: 'mail.example.org', PAPERBOY_INBOUND_PORT: '2525' });
    const run = await paperboy(['dns'], { env: project.env });
    expect(run.status).toBe(0);
    const lines = zoneLines(run.stdout);
    const dkim = lines.filter((line) => line.includes('._domainkey.')).map(recordFromZoneLine);
    expect(new Map(dkim.map((r) => [r.name, r.value]))).toEqual(keys.records);
    expect(lines).toContain('example.org. 3600 IN TXT "v=spf1 a:mail.example.org mx ~all"');
    expect(lines).toContain('_dmarc.example.org. 3600 IN TXT "v=DMARC1; p=none; rua=mailto:dmarc@example.org; adkim=r; aspf=r"');
    expect(lines).toContain('example.org. 3600 IN MX 10 mail.example.org.');
    // A TXT string holds 255 characters at most: the RSA key's record is split.
    expect(lines.find((line) => line.startsWith(`${keys.selectors[0]}.`))).toMatch(/^\S+ 3600 IN TXT "[^"]{255}" "[^"]+"$/);
    expect(run.stdout).toMatch(/DKIM signing domain \(d=\): example\.org, aligned/);
    expect(run.stdout).toMatch(/return path \(VERP, SPF\): example\.org, aligned/);
    expect(run.stdout).not.toMatch(/^warning:/m);
    expect(run.stdout).toMatch(/passes DMARC once these records are published\n$/);
  });

  it("takes a DKIM domain in the From domain's organization as aligned, by the public suffix list", async () => {
    const keys = await testKeys(['ed25519'], 'mail.example.co.uk');
    const env = {
      ...keys.env,
      PAPERBOY_FROM: 'Papers <papers@news.example.co.uk>',
      PAPERBOY_DKIM_DOMAIN: 'mail.example.co.uk',
      PAPERBOY_SMTP_NAME: 'mx.example.co.uk',
    };
    const run = await paperboy(['dns'], { env: (await testProject([], env)).env });
    expect(run.status).toBe(0);
    expect(zoneLines(run.stdout).map((line) => line.split(' ')[0])).toContain(`${keys.selectors[0]}._domainkey.mail.example.co.uk.`);
    expect(run.stdout).toMatch(/d=\): mail\.example\.co\.uk, aligned/);
  });

  it('exits 1 naming what to change when the DKIM domain is another organization (even under the same public suffix)', async () => {
    const keys = await testKeys(['rsa'], 'other.co.uk');
    const env = {
      ...keys.env,
      PAPERBOY_FROM: 'Papers <papers@news.example.co.uk>',
      PAPERBOY_DKIM_DOMAIN: 'other.co.uk',
      PAPERBOY_SMTP_NAME: 'mx.example.co.uk',
    };
    const run = await paperboy(['dns'], { env: (await testProject([], env)).env });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/d=\): other\.co\.uk, NOT aligned/);
    expect(run.stdout).toMatch(
      /^warning: PAPERBOY_DKIM_DOMAIN is other\.co\.uk, outside example\.co\.uk, the From domain's organization: its signatures do not count for DMARC.*; leave PAPERBOY_DKIM_DOMAIN unset .* or set it to example\.co\.uk or a subdomain of it$/m,
    );
    expect(run.stderr).toMatch(/^mail from papers@news\.example\.co\.uk would fail DMARC: change what the first warning says\n$/);
  });

  it(
    'warns when nothing signs, when no receiver hears complaints, and when the greeting is no public name; ' +
      'refuses a From domain nobody can publish',
    async () => {
      const unsigned = await paperboy(['dns'], { env: (await testProject([], { PAPERBOY_SMTP_NAME: 'localhost' })).env });
      expect(unsigned.status).toBe(0);
      expect(unsigned.stdout).toMatch(/^warning: PAPERBOY_DKIM_KEY is not set: mail leaves unsigned/m);
      expect(unsigned.stdout).toMatch(/^warning: PAPERBOY_INBOUND_PORT is not set: bounces and complaint reports/m);
      expect(unsigned.stdout).toMatch(/^warning: PAPERBOY_SMTP_NAME: localhost is not a public host name/m);
      expect(zoneLines(unsigned.stdout).some((line) => line.includes('IN MX'))).toBe(false);
      const local = await paperboy(['dns'], { env: (await testProject([], { PAPERBOY_FROM: 'Daily Papers <papers@localhost>' })).env });
      expect(local.status).toBe(1);
      expect(local.stdout).toMatch(/^warning: PAPERBOY_FROM: localhost is not a public domain/m);
      expect(local.stderr).toMatch(/would fail DMARC/);
    },
  );
});

describe('the DKIM settings', () => {
  it('refuse selectors that do not match the keys, and a bad domain, in every command, naming the variable', async () => {
    const project = await testProject([]);
    const run = await paperboy(['status'], {
      env: { ...project.env, PAPERBOY_DKIM_KEY: 'a.pem,b.pem,c.pem', PAPERBOY_DKIM_SELECTOR: 'a,b' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'bad settings:\n  PAPERBOY_DKIM_SELECTOR: 3 keys in PAPERBOY_DKIM_KEY need 3 selectors, ' +
        'comma-separated in the same order (such as paperboy-rsa,paperboy-ed25519); got 2\n',
    );
    const domain = await paperboy(['status'], { env: { ...project.env, PAPERBOY_DKIM_DOMAIN: 'not a domain' } });
    expect(domain.stderr).toMatch(/PAPERBOY_DKIM_DOMAIN: must be a domain such as example\.org/);
  });

  it('stop every command that signs at its start, one line per key that cannot sign; a command that sends nothing runs', async () => {
    const project = await testProject(readers(1));
    const weak = join(project.base, 'weak.pem');
    await writeFile(weak, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const ec = join(project.base, 'ec.pem');
    await writeFile(ec, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const notKey = join(project.base, 'note.pem');
    await writeFile(notKey, 'hello\n');
    const missing = join(project.base, 'missing.pem');
    const env = { ...project.env, PAPERBOY_DKIM_KEY: `${weak},${ec},${notKey},missing.pem`, PAPERBOY_DKIM_SELECTOR: 'a,b,c,d' };
    const lines = [
      `PAPERBOY_DKIM_KEY: ${weak}: an RSA key of 1024 bits is too short; ` +
        'DKIM keys need 2048 bits or more (`npm run paperboy -- dkim keygen` makes one)',
      `PAPERBOY_DKIM_KEY: ${ec}: a key of type ec; ` +
        'DKIM signs with RSA (2048 bits or more) or Ed25519 (`npm run paperboy -- dkim keygen` makes one)',
      `PAPERBOY_DKIM_KEY: ${notKey}: not a PEM private key (\`npm run paperboy -- dkim keygen\` makes one)`,
      `PAPERBOY_DKIM_KEY: ${missing}: no such file (\`npm run paperboy -- dkim keygen\` writes it)`,
    ];
    for (const args of [
      ['dispatch'],
      ['dispatch', '--dry-run'],
      ['dispatch', '--to', 'me@example.net'],
      ['serve', '--port', '0'],
      ['inbound', '--port', '0'],
      ['start'],
      ['dns'],
    ]) {
      const run = await paperboy(args, { env: { ...env, PAPERBOY_PORT: '0' }, cwd: project.base });
      expect([args.join(' '), run.status, run.stderr]).toEqual([args.join(' '), 1, `${lines.join('\n')}\n`]);
    }
    // Nothing was built, nor sent, before the keys were read.
    expect(await readdir(project.env.PAPERBOY_OUT_DIR as string).catch(() => [])).toEqual([]);
    expect((await paperboy(['status'], { env, cwd: project.base })).status).toBe(0);
    expect((await paperboy(['build'], { env, cwd: project.base })).status).toBe(0);
  });
});
