import { createHmac } from 'node:crypto';
import type { Digest } from '../digest/index.ts';
import { plainText } from '../render/index.ts';
import type { IssueToSend } from '../site/index.ts';
import { addressOf, linkTo, returnPathFor, signToken, type Subscriber } from '../subscribers/index.ts';
import type { DispatchContext } from './context.ts';
import { buildMessageTemplate, personalize, type MessageTemplate } from './message.ts';
import type { Outgoing } from './transport.ts';
import { papersFor, variantKey } from './variants.ts';

/**
 * The Message-ID of an issue's copy for one subscriber: the same in every run of the same round,
 * and signed with the list's secret, so that a report naming it cannot name a guessed one.
 */
export function messageIdFor(secret: string, issue: string, round: number, subscriberId: number, domain: string): string {
  const name = `${issue}.${round}.${subscriberId}`;
  const mac = createHmac('sha256', secret).update(`message-id:${name}`).digest('hex').slice(0, 16);
  return `paperboy.${name}.${mac}@${domain}`;
}

function subjectOf(issue: IssueToSend, count: number, lead: string | undefined): string {
  const day =
    issue.label ??
    new Date(`${issue.digest.date}T00:00:00Z`).toLocaleDateString('en-US', {
      month: 'short',
      day: 'numeric',
      year: 'numeric',
      timeZone: 'UTC',
    });
  const title = lead === undefined ? '' : plainText(lead);
  const short = title.length > 90 ? `${title.slice(0, 89)}…` : title;
  return `${day} · ${count} paper${count === 1 ? '' : 's'}${short ? ` · ${short}` : ''}`;
}

/** What differs in the messages of a test copy. */
export interface MakerOptions {
  /** Put before the subject (`[Test] `). */
  subjectPrefix?: string;
  /** The Message-ID of every message made, instead of the issue's own for the subscriber. */
  messageId?: string;
  /** The Date of every message made (the round's start, so every sender makes the same bytes); now by default. */
  date?: Date;
}

/** Builds each subscriber's message: one MIME template per distinct set of papers, then splicing. */
export function createMessageMaker(issue: IssueToSend, ctx: DispatchContext, round: number, options: MakerOptions = {}) {
  const sender = ctx.sender;
  const date = options.date ?? ctx.now();
  const templates = new Map<string, MessageTemplate>();
  const listId = `${ctx.site.title.replace(/[<>"\r\n]/g, '')} <papers.${sender.domain}>`;
  // Gmail's feedback loop counts complaints per value of each field: the issue, the list, the sender.
  const feedbackId = `${issue.id}:papers.${sender.domain}:${sender.domain}`;

  async function templateFor(papers: Digest['papers']): Promise<MessageTemplate> {
    const key = variantKey(issue.digest, papers);
    let template = templates.get(key);
    if (!template) {
      const all = papers.length === issue.digest.papers.length;
      const body = all ? issue.email : await issue.renderVariant(papers);
      const subject = `${options.subjectPrefix ?? ''}${subjectOf(issue, papers.length, papers[0]?.title)}`;
      template = buildMessageTemplate({ from: sender.from, subject, date, listId, feedbackId }, body.pieces);
      if (templates.size >= 128) templates.delete(templates.keys().next().value as string);
      templates.set(key, template);
    }
    return template;
  }

  /** The message for one subscriber, or why they get none today. */
  return async (subscriber: Pick<Subscriber, 'id' | 'email' | 'topics' | 'tokenKey'>): Promise<Outgoing | { skip: string }> => {
    const papers = papersFor(issue.digest, subscriber.topics);
    if (papers.length === 0) return { skip: 'no papers on their topics in this issue' };
    const template = await templateFor(papers);
    const unsubscribe = signToken(ctx.secret, 'unsubscribe', subscriber);
    const messageId = options.messageId ?? messageIdFor(ctx.secret, issue.id, round, subscriber.id, sender.domain);
    const parts = personalize(template, {
      to: subscriber.email,
      messageId,
      unsubscribeUrl: linkTo(ctx.site, 'unsubscribe', unsubscribe),
      unsubscribeMailto: addressOf({ kind: 'unsubscribe', token: unsubscribe }, sender),
      preferencesUrl: linkTo(ctx.site, 'preferences', signToken(ctx.secret, 'preferences', subscriber)),
    });
    return { envelope: { from: returnPathFor(ctx.secret, sender, subscriber), to: subscriber.email }, messageId, parts };
  };
}
