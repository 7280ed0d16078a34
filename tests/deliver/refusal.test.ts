import { describe, expect, it } from 'vitest';
import { classifyRefusal, countsAgainstRelay, enhancedCode, type FailureKind } from '../../src/deliver/index.ts';

const RCPT = 'RCPT TO';
const DATA = 'DATA';

// [command, reply, what it means]: the reply's code is read from its text, as nodemailer does.
const TABLE: [string | undefined, string, FailureKind][] = [
  // The recipient's own: addressing and mailbox statuses at RCPT.
  [RCPT, '550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown in virtual mailbox table', 'recipient'],
  [RCPT, '550-5.1.1 The email account that you tried to reach does not exist. - gsmtp', 'recipient'],
  [RCPT, '553 5.1.3 Bad recipient address syntax', 'recipient'],
  [RCPT, '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'recipient'],
  [RCPT, '550 5.2.1 The email account that you tried to reach is disabled. - gsmtp', 'recipient'],
  [RCPT, '550 5.1.1 User unknown (mx-relay-7.example.net)', 'recipient'],
  // A full mailbox empties: temporary, whatever the first digit.
  [RCPT, '452 4.2.2 The email account that you tried to reach is over quota. - gsmtp', 'temporary'],
  [RCPT, '552 5.2.2 Mailbox full', 'temporary'],
  [DATA, '552 5.2.2 Mailbox full', 'temporary'],
  // Policy, rate, quota, content, routing, protocol: the relay's or the sender's, never the mailbox's.
  [RCPT, '550 5.7.1 Rate limit exceeded, try later [ref 48213]', 'refused'],
  [RCPT, '554 5.7.1 Message content rejected as spam; id=pxqZHJNk0vhv0KR', 'refused'],
  [RCPT, '550 5.7.1 Daily sending quota exceeded. 3b1si2345qkd.19 - gsmtp', 'refused'],
  [RCPT, '550 5.7.1 Message rejected by policy', 'refused'],
  [RCPT, '550 5.4.5 Daily user sending limit exceeded', 'refused'],
  [RCPT, '554 5.3.4 Message too big for system', 'refused'],
  [RCPT, '550 5.5.0 Requested action not taken', 'refused'],
  [RCPT, '550 5.6.0 Content rejected', 'refused'],
  [RCPT, '552 5.2.3 Message exceeds the size this mailbox accepts', 'refused'],
  // After DATA the refusal is the message's, for every recipient at once: never one mailbox's.
  [DATA, '554 5.7.1 Message content rejected as spam; id=3kTq9Ypx', 'refused'],
  [DATA, '550 5.1.1 User unknown', 'refused'],
  [DATA, '554 Transaction failed', 'refused'],
  // The relay will not send for this sender at all: the dispatch stops.
  [RCPT, '550 5.7.1 <ann@example.net>: Relay access denied', 'relay'],
  [RCPT, '553 5.1.8 <papers@example.org>: Sender address rejected: Domain not found', 'relay'],
  [RCPT, '550 5.1.7 Invalid sender address', 'relay'],
  [RCPT, '530 5.7.0 Authentication required', 'relay'],
  [RCPT, '535 5.7.8 Authentication credentials invalid', 'relay'],
  [RCPT, '550 5.1.0 Sender address rejected: not owned by user', 'relay'],
  ['MAIL FROM', '550 5.7.1 Rate limit exceeded [ref 99]', 'relay'],
  ['MAIL FROM', '553 Sender rejected', 'relay'],
  ['AUTH PLAIN', '535 5.7.8 Error: authentication failed', 'relay'],
  ['CONN', '554 5.7.1 Your IP is on a block list', 'relay'],
  // Without an enhanced code, the old rules: the words tell a relay's refusal, else the recipient's.
  [RCPT, '550 Relaying denied', 'relay'],
  [RCPT, '550 Sender verify failed', 'relay'],
  [RCPT, '550 No such user here', 'recipient'],
  [RCPT, '550 5.0.0 No such user here', 'recipient'],
  // Temporary, whatever they say.
  [RCPT, '421 4.7.0 Try again later, closing connection', 'temporary'],
  [RCPT, '450 4.7.1 Greylisted, come back in 5 minutes', 'temporary'],
  [DATA, '451 4.3.0 Temporary system problem', 'temporary'],
];

describe('classifyRefusal: what a refusal means, by its stage and enhanced status code', () => {
  for (const [command, reply, kind] of TABLE) {
    it(`${command ?? 'nothing'} → ${reply}: ${kind}`, () => {
      const code = Number(reply.slice(0, 3));
      expect(classifyRefusal({ command, code, reply })).toBe(kind);
    });
  }

  it('a whole message written and never answered is in doubt; no reply at all is the connection', () => {
    expect(classifyRefusal({ command: DATA, code: undefined, reply: 'Timeout' }, true)).toBe('doubt');
    expect(classifyRefusal({ command: 'CONN', code: undefined, reply: 'connect ECONNREFUSED 127.0.0.1:25' })).toBe('connection');
  });
});

describe('countsAgainstRelay: which failures the breaker weighs', () => {
  const failure = (command: string | undefined, reply: string) => {
    const kind = classifyRefusal({ command, code: Number(reply.slice(0, 3)), reply });
    return countsAgainstRelay({ kind, reply });
  };

  it("not a recipient's own state: an address or mailbox status, a full mailbox, at either stage", () => {
    for (const reply of [
      '452 4.2.2 Mailbox full',
      '552 5.2.2 mailbox full',
      '550 5.1.1 User unknown',
      '550 5.2.1 Disabled',
      '450 4.1.1 Try later',
    ])
      expect(failure(RCPT, reply), reply).toBe(false);
    expect(failure(DATA, '552 5.2.2 Mailbox full')).toBe(false);
  });

  it("everything that is the relay's or the sender's: policy, other temporary refusals, after DATA, no code, no answer", () => {
    for (const [command, reply] of [
      [RCPT, '550 5.7.1 Message rejected by policy'],
      [RCPT, '451 4.3.0 Temporary system problem'],
      [RCPT, '450 4.7.1 Greylisted'],
      [RCPT, '450 4.1.8 Sender domain not found'],
      [RCPT, '552 5.2.3 Message too large'],
      [DATA, '550 5.1.1 User unknown'],
      [RCPT, '550 No such user here'],
      [RCPT, '550 5.0.0 No such user here'],
      ['CONN', '554 5.7.1 Your IP is on a block list'],
    ] as const)
      expect(failure(command, reply), reply).toBe(true);
    expect(countsAgainstRelay({ kind: 'connection', reply: 'ECONNRESET: socket hang up' })).toBe(true);
    expect(countsAgainstRelay({ kind: 'doubt', reply: 'Timeout' })).toBe(true);
  });
});

describe('enhancedCode', () => {
  it('reads the RFC 3463 code that starts the text, on single and continued lines', () => {
    expect(enhancedCode('550 5.7.1 Rate limit exceeded')).toBe('5.7.1');
    expect(enhancedCode('550-5.1.10 Recipient not found')).toBe('5.1.10');
    expect(enhancedCode('452 4.2.2 Over quota')).toBe('4.2.2');
  });

  it('finds none where the text does not start with one', () => {
    expect(enhancedCode('550 No such user 5.1.1')).toBeUndefined();
    expect(enhancedCode('550 5.7.1.2 not a code')).toBeUndefined();
    expect(enhancedCode('550 6.1.1 not a class')).toBeUndefined();
    expect(enhancedCode('Connection closed')).toBeUndefined();
  });
});
