import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { senderOf } from '../../src/config.ts';
import { createMessageMaker, fileTransport, rawMessage } from '../../src/deliver/index.ts';
import { templateSource } from '../../src/render/index.ts';
import {
  addressOf,
  linkTo,
  mailboxOf,
  requestSubscription,
  returnPathFor,
  Suppressions,
  unsubscribeTokenIn,
  verifyToken,
  type Mailbox,
  type Notice,
  type TokenPurpose,
} from '../../src/subscribers/index.ts';
import { SECRET, fixtureIssue, tempDatabase, testContext } from '../helpers/dispatch.ts';
import { root } from '../helpers/paths.ts';
import { SITE } from '../helpers/site.ts';

const SENDER = senderOf('Daily Papers <papers@list.example.org>');
const TOKEN = 'u2a-0-0123456789abcdef01234567';
const verified = (purpose: TokenPurpose, token: string | undefined) => verifyToken(SECRET, purpose, token ?? '', () => '');

describe("the list's addresses and links", () => {
  it('reads back every address it makes, whatever a mail server does to letter case', () => {
    const boxes: [Mailbox, string][] = [
      [{ kind: 'request', subaddress: undefined }, 'papers@list.example.org'],
      [{ kind: 'request', subaddress: 'subscribe' }, 'papers+subscribe@list.example.org'],
      [{ kind: 'request', subaddress: 'unsubscribe' }, 'papers+unsubscribe@list.example.org'],
      [{ kind: 'feedback' }, 'papers+fbl@list.example.org'],
      [{ kind: 'confirm', token: TOKEN }, `papers+confirm-${TOKEN}@list.example.org`],
      [{ kind: 'unsubscribe', token: TOKEN }, `papers+unsubscribe-${TOKEN}@list.example.org`],
      [{ kind: 'bounce', token: TOKEN }, `papers+bounce-${TOKEN}@list.example.org`],
    ];
    for (const [box, address] of boxes) {
      expect(addressOf(box, SENDER)).toBe(address);
      expect(mailboxOf(address, SENDER)).toEqual(box);
      expect(mailboxOf(address.toUpperCase(), SENDER)).toEqual(box);
    }
  });

  it('knows no other address', () => {
    for (const other of [
      'papers@example.org',
      'news@list.example.org',
      'papers+other@list.example.org',
      'papers+bounce-@list.example.org',
      'papers+confirm-a_b@list.example.org',
      'papers',
      'paperss@list.example.org',
    ]) {
      expect(mailboxOf(other, SENDER), other).toBeUndefined();
    }
  });

  it('puts a token in a link whole, escaped where it must be, on the page the web server serves', () => {
    expect(linkTo(SITE, 'unsubscribe', TOKEN)).toBe(`https://papers.example.org/unsubscribe?token=${TOKEN}`);
    expect(linkTo(SITE, 'data', '<a&b>')).toBe('https://papers.example.org/preferences/data?token=%3Ca%26b%3E');
    expect(new URL(linkTo(SITE, 'confirm', 'x y')).searchParams.get('token')).toBe('x y');
  });

  it("finds a subscriber's token in both halves of the List-Unsubscribe of their message, and their bounce token in its return path", async () => {
    const issue = await fixtureIssue();
    const { sql } = await tempDatabase();
    const subscriber = { id: 7, email: 'ann@example.net', topics: [], tokenKey: '' };
    const message = await createMessageMaker(issue, testContext(sql, fileTransport('/nonexistent'), { sender: SENDER }), 0)(subscriber);
    if ('skip' in message) throw new Error('no message');
    const header = /^List-Unsubscribe: (.*(?:\r\n[ \t].*)*)/m.exec(rawMessage(message).toString())?.[1]?.replace(/\r\n[ \t]+/g, ' ') ?? '';
    const [link, mailto] = header.split(',').map((part) => part.trim());
    expect(verified('unsubscribe', unsubscribeTokenIn(link))).toEqual({ subscriberId: 7, expiresAt: 0 });
    expect(unsubscribeTokenIn(mailto)).toBe(unsubscribeTokenIn(link));
    expect(message.envelope.from).toBe(returnPathFor(SECRET, SENDER, subscriber));
    const bounce = mailboxOf(message.envelope.from, SENDER);
    expect(bounce?.kind === 'bounce' && verified('bounce', bounce.token)).toEqual({ subscriberId: 7, expiresAt: 0 });
    await sql.close();
  });

  it("a confirmation's Reply-To carries the token of its link", async () => {
    const { sql, store } = await tempDatabase();
    const sent: Notice[] = [];
    const ctx = {
      store,
      suppressions: new Suppressions(sql, SECRET),
      templates: templateSource(join(root, 'templates')),
      secret: SECRET,
      site: SITE,
      sender: SENDER,
      send: async (notice: Notice) => void sent.push(notice),
      now: () => new Date(),
    };
    expect(await requestSubscription(ctx, { email: 'bea@example.net', topics: [], cadence: 'daily', source: 'test' })).toBe(
      'confirmation sent',
    );
    const reply = mailboxOf(sent[0]?.replyTo ?? '', SENDER);
    expect(reply?.kind).toBe('confirm');
    const token = reply?.kind === 'confirm' ? reply.token : '';
    expect(sent[0]?.text).toContain(linkTo(SITE, 'confirm', token));
    const bea = await store.find('bea@example.net');
    expect(verifyToken(SECRET, 'confirm', token, () => bea?.tokenKey)).toMatchObject({
      subscriberId: bea?.id,
    });
    await sql.close();
  });

  it('are spelt in one module: no other source file writes or cuts `+bounce-`, `+confirm-`, `+unsubscribe-` or `token=`', () => {
    const src = join(root, 'src');
    const spelling = /\+(?:bounce|confirm|unsubscribe)-|token=|\+fbl\b/;
    // The log's scrubber blanks any `token=` it meets, whoever wrote it: it reads, it does not spell.
    const readers = [join('subscribers', 'list-addresses.ts'), 'log.ts'];
    const offenders = (readdirSync(src, { recursive: true }) as string[])
      .filter((name) => name.endsWith('.ts') && !readers.includes(name))
      .filter((name) =>
        readFileSync(join(src, name), 'utf8')
          .split('\n')
          .some((line) => spelling.test(line) && !/^\s*(?:\/\/|\*|\/\*)/.test(line)),
      );
    expect(offenders).toEqual([]);
  });
});
