import { PaperboyError } from '../errors.ts';
import { escapeHtml, wrapText, type Piece } from '../render/index.ts';
import type { IssueToSend } from '../site/index.ts';
import type { Subscriber } from '../subscribers/index.ts';
import type { DispatchContext } from './context.ts';
import { createMessageMaker } from './maker.ts';
import type { Outgoing } from './transport.ts';

/** Whose links a test copy carries: a subscriber's own, or nobody's. */
export type LinkHolder = Pick<Subscriber, 'id' | 'email' | 'status' | 'tokenKey'> | undefined;

function noteOf(issue: IssueToSend, to: string, holder: LinkHolder): string {
  const whose =
    holder === undefined
      ? `Its unsubscribe and preference links belong to no subscriber (${to} is not on the list): they lead to a page that says the link is not valid.`
      : `Its unsubscribe and preference links are those of ${holder.email} (${holder.status} on the list): using them changes that subscription.`;
  return `This is a test copy of the ${issue.id} issue, sent to ${to} by \`paperboy dispatch --to\`, outside the list. ${whose}`;
}

// The note stands first in the text part, and first inside the body of the HTML part.
function withNote(pieces: { html: readonly Piece[]; text: readonly Piece[] }, note: string): { html: Piece[]; text: Piece[] } {
  const banner = `<div style="margin:0;padding:12px 16px;background:#fff4c2;color:#3d3200;font:14px/1.4 sans-serif;border-bottom:1px solid #e0c96a">${escapeHtml(note)}</div>`;
  let placed = false;
  const html = pieces.html.map((piece) => {
    if (placed || typeof piece !== 'string') return piece;
    const body = /<body[^>]*>/i.exec(piece);
    if (!body) return piece;
    placed = true;
    const at = body.index + body[0].length;
    return `${piece.slice(0, at)}${banner}${piece.slice(at)}`;
  });
  return { html: placed ? html : [banner, ...pieces.html], text: [`${wrapText(`[TEST COPY] ${note}`)}\n\n`, ...pieces.text] };
}

/**
 * One test copy of an issue for any address, outside the ledger: the subject starts with `[Test]`,
 * the message says what it is and whose links it carries (the subscriber's with that address, if
 * there is one), and its Message-ID is its own, so it is never taken for the real delivery.
 */
export async function makeTestCopy(issue: IssueToSend, ctx: DispatchContext, to: string, holder: LinkHolder): Promise<Outgoing> {
  const noted: IssueToSend = { ...issue, email: { ...issue.email, pieces: withNote(issue.email.pieces, noteOf(issue, to, holder)) } };
  const messageId = `paperboy.${issue.id}.test-${Date.now().toString(36)}@${ctx.sender.domain}`;
  const make = createMessageMaker(noted, ctx, 0, { subjectPrefix: '[Test] ', messageId });
  const message = await make({ id: holder?.id ?? 0, email: to, topics: [], tokenKey: holder?.tokenKey ?? '' });
  if ('skip' in message) throw new PaperboyError(`${issue.id}: the issue has no papers: there is nothing to send`);
  return message;
}
