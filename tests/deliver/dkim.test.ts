import { afterAll, describe, expect, it } from 'vitest';
import { composeNotice, createDkimSigner, rawMessage, type DkimSigner, type Outgoing } from '../../src/deliver/index.ts';
import { readSigningKeys } from '../../src/deliverability/index.ts';
import {
  dkimVerdicts,
  dkimVerdictsOfEach,
  fromEachVerifier,
  mailauthVerdicts,
  tampered,
  testKeys,
  type TestKeys,
  type Verdict,
} from '../helpers/dkim.ts';
import { SENDER, fixtureIssue, messageFor } from '../helpers/dispatch.ts';

const message = await messageFor(await fixtureIssue(), { id: 42, email: 'ann.lee@example.net', tokenKey: 'k42' });

// One signer per set of keys, its threads started once and closed at the end.
const signers = new Map<TestKeys, DkimSigner>();
afterAll(() => Promise.all([...signers.values()].map((signer) => signer.close())));

async function signedWith(keys: TestKeys, outgoing: Outgoing = message): Promise<Buffer> {
  let signer = signers.get(keys);
  if (signer === undefined) {
    signer = createDkimSigner(
      readSigningKeys(
        { keys: keys.paths.map((path, i) => ({ path, selector: keys.selectors[i] as string })), domain: 'example.org' },
        'paperboy',
      ),
    );
    signers.set(keys, signer);
  }
  return Buffer.concat(await signer.sign(outgoing.parts));
}

// mailauth says "neutral" for a body that no longer matches its hash: it does not pass either.
const shown = (lists: Verdict[][]) =>
  lists.map((list) => list.map((v) => `${v.selector}@${v.domain}: ${v.result === 'pass' ? 'pass' : 'fail'}`));

async function verdicts(raw: Buffer, keys: TestKeys): Promise<string[][]> {
  return shown(await dkimVerdicts(raw, keys.records));
}

async function verdictsOfEach(raws: readonly Buffer[], keys: TestKeys): Promise<string[][][]> {
  return (await dkimVerdictsOfEach(raws, keys.records)).map(shown);
}

const expected = (keys: TestKeys, result: string) => fromEachVerifier(keys.selectors.map((s) => `${s}@example.org: ${result}`));

describe('DKIM signatures, checked by mailauth and by python3-dkim with the public keys served by a stub DNS', () => {
  for (const types of [['rsa'], ['ed25519'], ['rsa', 'ed25519']] as const) {
    it(`verify on an issue's message: ${types.join(' + ')}`, async () => {
      const keys = await testKeys(types);
      const raw = await signedWith(keys);
      expect(await verdicts(raw, keys)).toEqual(expected(keys, 'pass'));
    });
  }

  it('sign the list headers relaxed/relaxed, each oversigned: named once more than it occurs', async () => {
    const keys = await testKeys(['rsa']);
    const header = (await signedWith(keys)).toString('latin1').split('\r\n\r\n')[0] as string;
    const field = /^DKIM-Signature:(.*?)\r\n(?![ \t])/s.exec(header)?.[1]?.replace(/\s+/g, '') ?? '';
    expect(field).toMatch(/(^|;)c=relaxed\/relaxed;/);
    expect(field).toMatch(/(^|;)a=rsa-sha256;/);
    const signed = /(?:^|;)h=([^;]+)/.exec(field)?.[1]?.split(':') ?? [];
    const names = [
      'from',
      'to',
      'cc',
      'reply-to',
      'subject',
      'date',
      'message-id',
      'mime-version',
      'content-type',
      'list-id',
      'list-unsubscribe',
      'list-unsubscribe-post',
      'feedback-id',
    ];
    for (const name of names) {
      const present = header.split(/\r\n(?![ \t])/).filter((line) => line.toLowerCase().startsWith(`${name}:`)).length;
      expect([name, signed.filter((n) => n === name).length]).toEqual([name, present + 1]);
    }
  });

  it('break when a forwarder prepends a copy of a signed field, present or not: mailauth and python3-dkim agree', async () => {
    const keys = await testKeys(['rsa', 'ed25519']);
    const raw = await signedWith(keys);
    expect(await verdicts(raw, keys)).toEqual(expected(keys, 'pass'));
    const prepended = [
      'List-Unsubscribe: <https://evil.example/u>, <mailto:u@evil.example>',
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      'Content-Type: text/html; charset=utf-8',
      'MIME-Version: 1.0',
      'List-Id: Other List <other.evil.example>',
      'Reply-To: <replies@evil.example>',
      'Cc: everyone@evil.example',
      'To: someone@evil.example',
      'Message-ID: <forged@evil.example>',
      'Date: Mon, 1 Jan 2035 00:00:00 +0000',
      'Feedback-ID: 1:evil:evil.example',
    ];
    const forwarded = prepended.map((field) => Buffer.concat([Buffer.from(`${field}\r\n`, 'latin1'), raw]));
    const seen = await verdictsOfEach(forwarded, keys);
    expect(prepended.map((field, i) => [field, seen[i]])).toEqual(prepended.map((field) => [field, expected(keys, 'fail')]));
  });

  it('break when the body, a signed header or the list headers change, or a second From or Subject is added', async () => {
    const keys = await testKeys(['rsa', 'ed25519']);
    const raw = await signedWith(keys);
    const broken = [
      tampered(raw, /Placeholders Everywhere(?![\s\S]*Placeholders Everywhere)/, 'Placeholders Nowhere'),
      tampered(raw, /\r\n--pb-[0-9a-f]+--\r\n$/, (end) => `\r\n<p>one more line</p>${end}`),
      tampered(raw, /^Subject: /m, 'Subject: Re: '),
      tampered(raw, /^To: ann\.lee/m, 'To: bob.lee'),
      tampered(raw, /List-Unsubscribe: <https:\/\/[^>]*>/, 'List-Unsubscribe: <https://evil.example/u>'),
      tampered(raw, /^List-Unsubscribe-Post: .*$/m, 'List-Unsubscribe-Post: nothing'),
      tampered(raw, /^From: /m, 'From: Someone Else <boss@example.org>\r\nFrom: '),
      tampered(raw, /^Subject: /m, 'Subject: Act now\r\nSubject: '),
    ];
    for (const seen of await verdictsOfEach(broken, keys)) expect(seen).toEqual(expected(keys, 'fail'));
  });

  it('survive what relaxed canonicalisation allows: a header added on the way, white space re-folded', async () => {
    const keys = await testKeys(['rsa']);
    const raw = await signedWith(keys);
    const relayed = tampered(
      tampered(raw, /^Date: /m, 'Received: from relay.example by mx.example.net\r\nDate:  '),
      /^Subject: /m,
      'Subject:\t',
    );
    expect(await verdicts(relayed, keys)).toEqual(expected(keys, 'pass'));
  });

  it('verify on a confirmation email (composed whole by nodemailer)', async () => {
    const keys = await testKeys(['ed25519', 'rsa']);
    const notice = await composeNotice(SENDER, {
      to: 'new@example.net',
      subject: 'Confirm your subscription to Daily Papers',
      text: 'Confirm:  https://papers.example.org/confirm?token=x   \n\n\n',
      kind: 'confirm',
      replyTo: 'papers+confirm-x@example.org',
    });
    const raw = await signedWith(keys, notice);
    expect(await verdicts(raw, keys)).toEqual(expected(keys, 'pass'));
    expect(await verdicts(tampered(raw, 'token=x', 'token=y'), keys)).toEqual(expected(keys, 'fail'));
  });

  it('verify, with the same body hash, whatever the parts are cut into: one buffer, or cuts inside lines, white space and the blank line', async () => {
    const keys = await testKeys(['rsa']);
    const whole = rawMessage(message);
    const bodyHash = (raw: Buffer) => /bh=([^;]+);/.exec(raw.toString('latin1'))?.[1];
    const expectedHash = bodyHash(await signedWith(keys));
    for (const size of [whole.length, 1, 2, 3, 97, 4093]) {
      const parts: Buffer[] = [];
      for (let i = 0; i < whole.length; i += size) parts.push(whole.subarray(i, i + size));
      const raw = await signedWith(keys, { ...message, parts });
      expect(bodyHash(raw)).toBe(expectedHash);
      expect(await mailauthVerdicts(raw, keys.records)).toEqual([{ domain: 'example.org', selector: keys.selectors[0], result: 'pass' }]);
    }
  });

  it('give each of many messages signed at once its own signature, and sign again after the signer is closed', async () => {
    const keys = await testKeys(['rsa']);
    const signer = createDkimSigner(
      readSigningKeys(
        { keys: [{ path: keys.paths[0] as string, selector: keys.selectors[0] as string }], domain: 'example.org' },
        'paperboy',
      ),
    );
    const issue = await fixtureIssue();
    const readers = Array.from({ length: 6 }, (_, i) => ({ id: 100 + i, email: `reader${i}@example.net`, tokenKey: `k${i}` }));
    const messages = await Promise.all(readers.map((reader) => messageFor(issue, reader)));
    const signed = await Promise.all(messages.map((m) => signer.sign(m.parts)));
    for (const parts of signed)
      expect(await mailauthVerdicts(Buffer.concat(parts), keys.records)).toEqual([
        { domain: 'example.org', selector: keys.selectors[0], result: 'pass' },
      ]);
    // A new thread does not know the parts the first one was sent: they go to it again.
    await signer.close();
    const again = Buffer.concat(await signer.sign((messages[0] as Outgoing).parts));
    expect(await mailauthVerdicts(again, keys.records)).toEqual([{ domain: 'example.org', selector: keys.selectors[0], result: 'pass' }]);
    await signer.close();
  });
});
