import { afterAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/subscribers/index.ts';
import { SECRET } from '../helpers/dispatch.ts';
import { plainMessage as message, startInbound } from '../helpers/inbound.ts';

const { receiver, store, send } = await startInbound();
afterAll(() => receiver.close());

// As mail programs write a subject that is not ASCII (RFC 2047).
const encoded = (subject: string) => (/^[\x20-\x7e]*$/.test(subject) ? subject : `=?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`);

// The subjects auto-responders write in other languages, without any RFC 3834 header.
const AUTOMATIC = [
  'Automatische Antwort: Confirm your subscription',
  'Abwesenheitsnotiz: Confirm your subscription',
  'AW: Automatische Antwort: Confirm your subscription',
  'Réponse automatique : Confirm your subscription',
  'Respuesta automática: Confirm your subscription',
  'Risposta automatica: Confirm your subscription',
  'Resposta automática: Confirm your subscription',
  'Automatisch antwoord: Confirm your subscription',
  'Automatiskt svar: Confirm your subscription',
  'Automatisk svar: Confirm your subscription',
  'Automaattinen vastaus: Confirm your subscription',
  'Odpowiedź automatyczna: Confirm your subscription',
  'Automatická odpověď: Confirm your subscription',
  'Автоматический ответ: Confirm your subscription',
  'Αυτόματη απάντηση: Confirm your subscription',
  'Otomatik yanıt: Confirm your subscription',
  '自动回复: Confirm your subscription',
  '自动回复：Confirm your subscription',
  '自動返信: Confirm your subscription',
  '자동 회신: Confirm your subscription',
  'Out of Office: Confirm your subscription',
  // Decomposed accents, as some programs write them.
  'Re\u0301ponse automatique : Confirm your subscription',
];

// In brackets, hyphenated, and as Outlook writes them in Simplified Chinese and Polish: on a receiver
// of their own, since one sender's messages to one receiver are limited.
const SPELLINGS = [
  '[Auto-Reply] Re: Confirm your subscription',
  'Re: [Auto Reply] Confirm your subscription',
  'Autoresponder: Confirm your subscription',
  'Out-of-Office: Confirm your subscription',
  'OOO: Confirm your subscription',
  'Auto-Antwort: Confirm your subscription',
  'Antwort: Automatische Antwort: Confirm your subscription',
  '自动答复: Confirm your subscription',
  'Automatyczna odpowiedź: Confirm your subscription',
];
const other = await startInbound();
afterAll(() => other.receiver.close());

// Someone waiting to be confirmed, and the address their confirmation's replies go to.
async function pending(email: string) {
  const { subscriber } = await store.add({ email, source: 'test' });
  return { subscriber, to: `papers+confirm-${signToken(SECRET, 'confirm', subscriber, Date.now() / 1000 + 3600)}@list.example.org` };
}

// A reply from `from` to the confirmation address `to`, whose subject alone says it is automatic.
const autoReply = (from: string, to: string, subject: string) =>
  message({ From: from, To: to, Subject: encoded(subject), 'MIME-Version': '1.0', 'Content-Type': 'text/plain; charset=utf-8' });

describe('confirming by reply, in other languages', () => {
  it.each(AUTOMATIC.map((subject, i) => [subject, i]))('does not confirm on an auto-reply "%s"', async (subject, i) => {
    const { subscriber, to } = await pending(`eva${i}@example.net`);
    await send(to, subscriber.email, autoReply(subscriber.email, to, subject));
    expect(receiver.outcomes.at(-1)).toBe('ignored: automatic reply');
    expect((await store.get(subscriber.id))?.status).toBe('pending');
  });

  it.each(SPELLINGS.map((subject, i) => [subject, i]))('does not confirm on an auto-reply "%s" either', async (subject, i) => {
    const { subscriber } = await other.store.add({ email: `ida${i}@example.net`, source: 'test' });
    const to = `papers+confirm-${signToken(SECRET, 'confirm', subscriber, Date.now() / 1000 + 3600)}@list.example.org`;
    await other.send(to, subscriber.email, autoReply(subscriber.email, to, subject));
    expect(other.receiver.outcomes.at(-1)).toBe('ignored: automatic reply');
    expect((await other.store.get(subscriber.id))?.status).toBe('pending');
  });

  it('confirms on a reply a person wrote, whatever its language', async () => {
    const { subscriber, to } = await pending('eva@example.net');
    await send(
      to,
      'eva@example.net',
      message({ From: 'Eva <eva@example.net>', To: to, Subject: encoded('AW: Bestätigen Sie Ihr Abonnement') }, 'ja'),
    );
    expect(receiver.outcomes.at(-1)).toBe('confirmed');
    expect((await store.get(subscriber.id))?.status).toBe('confirmed');
  });
});
