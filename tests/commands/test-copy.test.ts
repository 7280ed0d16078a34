import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { readers, testProject } from '../helpers/project.ts';

async function outboxMail(outDir: string): Promise<Map<string, ParsedMail>> {
  const dir = join(outDir, 'outbox');
  const names = await readdir(dir);
  return new Map(await Promise.all(names.map(async (name) => [name, await simpleParser(await readFile(join(dir, name)))] as const)));
}

const unsubscribeLink = (m: ParsedMail | undefined) =>
  (m?.headers.get('list') as { unsubscribe?: { url?: string } } | undefined)?.unsubscribe?.url;

describe('paperboy dispatch --to (a test copy)', () => {
  it('says it is a test copy, in the subject and in both parts, and that its links belong to nobody', async () => {
    const project = await testProject(readers(1), {}, { built: true });
    const run = await paperboy(['dispatch', '--to', 'me@example.net'], { env: project.env });
    expect(run.stdout).toMatch(
      /^test copy of 2031-02-03 sent to me@example\.net through files in .* \(its links belong to no subscriber\)/,
    );
    const [[name, copy]] = [...(await outboxMail(project.env.PAPERBOY_OUT_DIR as string))] as [[string, ParsedMail]];
    expect(copy.subject).toMatch(/^\[Test\] Feb 3, 2031 · 8 papers · /);
    expect(copy.messageId).toMatch(/^<paperboy\.2031-02-03\.test-[0-9a-z]+@example\.org>$/);
    expect(name).toMatch(/test-/);
    const note = 'This is a test copy of the 2031-02-03 issue, sent to me@example.net by `paperboy dispatch --to`, outside the list.';
    expect((copy.text ?? '').replace(/\s+/g, ' ')).toContain(
      `[TEST COPY] ${note} Its unsubscribe and preference links belong to no subscriber`,
    );
    expect(String(copy.html)).toMatch(
      /<body[^>]*><div style="[^"]*">This is a test copy of the 2031-02-03 issue, sent to me@example\.net by `paperboy dispatch --to`, outside the list\. Its unsubscribe/,
    );
    // Outside the ledger: the real dispatch still sends the issue to everyone.
    expect((await paperboy(['dispatch'], { env: project.env })).stdout).toMatch(/^2031-02-03: 1 sent/);
  });

  it("to a subscriber's address, carries that subscriber's own links, and says so", async () => {
    const project = await testProject(readers(2), {}, { built: true });
    expect((await paperboy(['dispatch'], { env: project.env })).status).toBe(0);
    const real = [...(await outboxMail(project.env.PAPERBOY_OUT_DIR as string)).entries()].find(([name]) =>
      name.includes('--paperboy.2031-02-03.0.2.'),
    )?.[1];
    const run = await paperboy(['dispatch', '--to', 'reader2@example.org'], { env: project.env });
    expect(run.stdout).toMatch(/\(its links are reader2@example\.org's\)/);
    const copy = [...(await outboxMail(project.env.PAPERBOY_OUT_DIR as string)).entries()].find(([name]) => name.includes('test-'))?.[1];
    expect(copy?.subject).toMatch(/^\[Test\] /);
    expect((copy?.text ?? '').replace(/\s+/g, ' ')).toContain(
      'Its unsubscribe and preference links are those of reader2@example.org (confirmed on the list): ' +
        'using them changes that subscription.',
    );
    expect(unsubscribeLink(copy)).toBe(unsubscribeLink(real));
    expect(unsubscribeLink(copy)).toMatch(/\/unsubscribe\?token=u2-/);
    expect(copy?.messageId).not.toBe(real?.messageId);
  });
});
