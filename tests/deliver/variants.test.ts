import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { createMessageMaker, fileTransport, rawMessage } from '../../src/deliver/index.ts';
import { tempDatabase, testContext } from '../helpers/dispatch.ts';
import { fixture } from '../helpers/paths.ts';
import { tempSite } from '../helpers/site.ts';

const six = readFileSync(fixture('digests', 'six-columns.md'), 'utf8');
// An earlier issue that carried the first paper of 2031-02-03 (and nothing else of it).
const earlier = six.replace('Papers for 2031-02-03', 'Papers for 2031-01-20').replace(/3102\.0000([2-9])/g, '3101.0900$1');

describe("a topic subscriber's email", () => {
  it('marks a paper an earlier issue carried, as the full email does', async () => {
    const site = await tempSite({ '2031-01-20.md': earlier, '2031-02-03.md': six });
    await site.build({ all: true });
    const issue = await site.builder.issue('2031-02-03');
    const { sql } = await tempDatabase();
    const make = createMessageMaker(issue, testContext(sql, fileTransport('/nonexistent')), 0);
    const message = await make({ id: 7, email: 'topics@example.org', topics: ['Text Generation'], tokenKey: '' });
    if ('skip' in message) throw new Error(message.skip);
    const parsed = await simpleParser(rawMessage(message));
    expect(parsed.subject).toMatch(/· 1 paper · Tiny Kites/);
    const mark = 'also in the Monday, January 20, 2031 issue';
    expect(parsed.text).toContain(mark);
    expect(String(parsed.html)).toMatch(
      /Also in the <a [^>]*href="https:\/\/papers\.example\.org\/issues\/2031-01-20\.html#arxiv-3102-00001"[^>]*>Monday, January 20, 2031<\/a> issue/,
    );
    expect(issue.email.text).toContain(mark);
    expect(await site.read('email/2031-02-03.txt')).toBe(issue.email.text);
  });
});
