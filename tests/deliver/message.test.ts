import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { createMessageMaker, messageIdFor } from '../../src/deliver/index.ts';
import { signToken } from '../../src/subscribers/index.ts';
import { SECRET, fixtureIssue, tempDatabase, testContext } from '../helpers/dispatch.ts';
import { SITE } from '../helpers/site.ts';
import { fileTransport, rawMessage } from '../../src/deliver/index.ts';

describe("a subscriber's message", async () => {
  const issue = await fixtureIssue();
  const { sql } = await tempDatabase();
  const make = createMessageMaker(issue, testContext(sql, fileTransport('/nonexistent')), 0);
  const message = await make({ id: 42, email: 'Ann.Lee+news@Example.org', topics: [], tokenKey: '' });
  if ('skip' in message) throw new Error('no message');
  const raw = rawMessage(message);
  const parsed = await simpleParser(raw);

  it('has the headers a list message needs', () => {
    expect(parsed.from?.text).toBe('"Daily Papers" <papers@example.org>');
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe('Ann.Lee+news@Example.org');
    expect(parsed.subject).toBe('Feb 3, 2031 · 8 papers · Tiny Kites: Flying Small Models');
    expect(parsed.messageId).toBe(`<${messageIdFor(SECRET, '2031-02-03', 0, 42, 'example.org')}>`);
    expect(parsed.date).toBeInstanceOf(Date);
    const token = signToken(SECRET, 'unsubscribe', { id: 42, tokenKey: '' });
    expect(parsed.headers.get('list')).toMatchObject({
      id: { name: 'Daily Papers', id: 'papers.example.org' },
      unsubscribe: { url: `${SITE.url}/unsubscribe?token=${token}`, mail: `papers+unsubscribe-${token}@example.org` },
    });
    expect(String(raw)).toMatch(/\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n/);
    expect(message.envelope).toEqual({
      from: `papers+bounce-${signToken(SECRET, 'bounce', { id: 42, tokenKey: '' })}@example.org`,
      to: 'Ann.Lee+news@Example.org',
    });
  });

  it("is multipart/alternative with the text part first, and both parts carry this subscriber's links", () => {
    const text = raw.toString();
    expect(text).toMatch(/Content-Type: multipart\/alternative; boundary="[^"]+"/);
    expect(text.indexOf('Content-Type: text/plain')).toBeLessThan(text.indexOf('Content-Type: text/html'));
    const unsubscribe = `${SITE.url}/unsubscribe?token=${signToken(SECRET, 'unsubscribe', { id: 42, tokenKey: '' })}`;
    const preferences = `${SITE.url}/preferences?token=${signToken(SECRET, 'preferences', { id: 42, tokenKey: '' })}`;
    expect(parsed.text).toContain(`Unsubscribe: ${unsubscribe}`);
    expect(parsed.text).toContain(`Change topics or cadence: ${preferences}`);
    expect(parsed.text).toContain('Sent to Ann.Lee+news@Example.org.');
    expect(parsed.html).toContain(`href="${unsubscribe}"`);
    expect(parsed.html).toContain(`href="${preferences}"`);
    expect(parsed.text).toBe(
      issue.email.text
        .replaceAll('%%RECIPIENT%%', 'Ann.Lee+news@Example.org')
        .replaceAll('%%UNSUBSCRIBE_URL%%', unsubscribe)
        .replaceAll('%%PREFERENCES_URL%%', preferences),
    );
    expect(parsed.text).not.toContain('%%');
    expect(String(parsed.html)).not.toContain('%%');
  });

  it('starts no line with a dot (SMTP would copy the buffer it is in to stuff it), and reads back the lines that did', () => {
    expect(raw.toString()).not.toMatch(/(^|\r\n)\./);
    const dotted = issue.email.html.split(/\r?\n/).filter((line) => line.startsWith('.'));
    expect(dotted.length).toBeGreaterThan(0);
    for (const line of dotted) expect(String(parsed.html).split(/\r?\n/)).toContain(line);
  });

  it('keeps every line under 998 characters, with CRLF line ends', () => {
    const text = raw.toString();
    for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    expect(text).not.toMatch(/[^\r]\n/);
  });

  it('gives a subscriber with topics only their papers, and none on a day without them', async () => {
    const robotics = await make({ id: 7, email: 'r@example.org', topics: ['robotics'], tokenKey: '' });
    if ('skip' in robotics) throw new Error('no message');
    const text = (await simpleParser(rawMessage(robotics))).text ?? '';
    expect(text).toContain('2 papers');
    expect(text).toContain('Placeholders Everywhere');
    expect(text).not.toContain('Tiny Kites');
    expect(await make({ id: 8, email: 'n@example.org', topics: ['Knitting'], tokenKey: '' })).toEqual({
      skip: 'no papers on their topics in this issue',
    });
  });
});
