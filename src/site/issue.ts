import type { Digest, Paper } from '../digest/index.ts';
import {
  issueView,
  renderEmail,
  type IssueView,
  type RenderedEmail,
  type Site,
  type Templates,
  type ViewContext,
} from '../render/index.ts';

/**
 * An issue ready to mail, rendered once: its papers as mailed, the view and the email of them all,
 * and a renderer for topic variants that uses the same view context (neighbours, earlier issues).
 */
export interface IssueToSend {
  /** Its name in the ledger and in Message-IDs: the date, or `week-YYYY-MM-DD`. */
  id: string;
  /** What the subject says instead of the date (`Week of Oct 7 – Oct 13, 2024`). */
  label: string | undefined;
  digest: Digest;
  view: IssueView;
  email: RenderedEmail;
  /** The email of some of the papers (a topic subscriber's), marked as the full email marks them. */
  renderVariant(papers: readonly Paper[]): Promise<RenderedEmail>;
}

/** For each issue, oldest first, the earlier issue (date) that first carried each of its papers that is not new. */
export function earlierIssues(digests: readonly Digest[]): Map<string, string>[] {
  const first = new Map<string, string>();
  return digests.map((digest) => {
    const earlier = new Map<string, string>();
    for (const paper of digest.papers) {
      const seen = first.get(paper.arxivId);
      if (seen !== undefined && seen !== digest.date) earlier.set(paper.arxivId, seen);
      else first.set(paper.arxivId, digest.date);
    }
    return earlier;
  });
}

/** The digest an issue's email carries: without the papers an earlier issue carried, when the settings say so. */
export function emailDigest(digest: Digest, earlier: ReadonlyMap<string, string>, repeats: 'mark' | 'omit' | undefined): Digest {
  return repeats === 'omit' ? { ...digest, papers: digest.papers.filter((p) => !earlier.has(p.arxivId)) } : digest;
}

/** What an issue to send is made of; `email` when it was already rendered (by a build). */
export interface IssueParts {
  digest: Digest;
  context: ViewContext;
  site: Site;
  templates: Templates;
  id?: string | undefined;
  label?: string | undefined;
  email?: RenderedEmail | undefined;
}

/** Renders (when it was not yet) the email of an issue, and hands out the issue to send. */
export async function issueToSend(parts: IssueParts): Promise<IssueToSend> {
  const { digest, context, site, templates } = parts;
  const view = issueView(digest, site, context);
  return {
    id: parts.id ?? digest.date,
    label: parts.label,
    digest,
    view,
    email: parts.email ?? (await renderEmail(view, templates)),
    renderVariant: (papers) => renderEmail(issueView({ ...digest, papers: [...papers] }, site, context), templates),
  };
}
