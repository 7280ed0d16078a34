import { mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeNotice, fileTransport, removeMessagesTo } from '../../src/deliver/index.ts';
import { fixtureIssue, messageFor, SENDER } from '../helpers/dispatch.ts';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('the file outbox', () => {
  it('keeps messages readable by their owner alone: files 0600 in a folder 0700, one made open before closed', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'paperboy-outbox-')), 'outbox');
    await mkdir(dir, { mode: 0o755 });
    const outbox = fileTransport(dir);
    await outbox.send(await messageFor(await fixtureIssue(), { id: 1, email: 'ann@example.org' }));
    await outbox.send(await composeNotice(SENDER, { to: 'bob@example.org', subject: 'Confirm', text: 'Hello', kind: 'confirm' }));
    expect(await mode(dir)).toBe(0o700);
    const files = await readdir(dir);
    expect(files).toHaveLength(2);
    for (const file of files) expect([file, await mode(join(dir, file))]).toEqual([file, 0o600]);
  });
});

describe('removing the messages to one address', () => {
  it("finds them by their To header, whatever the files are called, and leaves everyone else's", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'paperboy-outbox-')), 'outbox');
    const outbox = fileTransport(dir);
    const issue = await fixtureIssue();
    await outbox.send(await messageFor(issue, { id: 1, email: 'ann@example.org' }));
    await outbox.send(await messageFor(issue, { id: 2, email: 'bob@example.org' }));
    await outbox.send(await composeNotice(SENDER, { to: 'Ann@Example.org', subject: 'Confirm', text: 'Hello', kind: 'confirm' }));
    const header = (to: string) => `From: papers@example.org\r\n${to}\r\nSubject: x\r\n\r\nann@example.org is named in the body only\r\n`;
    // Named for someone else; a folded header with a display name; a file half-written by a process that died.
    await writeFile(join(dir, 'bob@example.org.eml'), header('To: "Ann" <ann@example.org>'));
    await writeFile(join(dir, 'folded.eml'), header('To:\r\n =?utf-8?Q?Ann_=C3=85?=\r\n <ANN@example.org>'));
    await writeFile(join(dir, 'x.eml.99999999.tmp'), header('To: ann@example.org'));
    // Not to her, though her address shows: in a quoted name, in another header, in the body.
    await writeFile(join(dir, 'ann@example.org.eml'), header('To: "ann@example.org" <carol@example.org>\r\nReply-To: ann@example.org'));
    await mkdir(join(dir, 'a folder'));

    expect(await removeMessagesTo(dir, 'ann@example.org')).toBe(5);
    const left = await readdir(dir);
    expect(left).toHaveLength(3);
    expect(left).toEqual(expect.arrayContaining(['a folder', 'ann@example.org.eml']));
    expect(await removeMessagesTo(dir, 'bob@example.org')).toBe(1);
    expect(await removeMessagesTo(dir, 'ann@example.org')).toBe(0);
    expect(await removeMessagesTo(join(dir, 'nothing here'), 'ann@example.org')).toBe(0);
  });
});
