import { escapeHtml } from './inline.ts';
import type { Placeholder } from './placeholders.ts';
import type { IssueView, PaperView } from './view.ts';
import type { Cut } from './budget.ts';

// A preview pane shows a line or two; a title in a list of titles is cut where no reader needs more.
const PREHEADER_CHARS = 200;
const LISTED_TITLE_CHARS = 300;

function clip(text: string, chars: number): string {
  if (text.length <= chars) return text;
  // Never between the two halves of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(chars - 2)) ? chars - 2 : chars - 1;
  return `${text.slice(0, end).trimEnd()}…`;
}

// A paper as a list of titles shows it: a title too long for a list is cut, as text.
function listed(paper: PaperView): PaperView {
  if (paper.titleText.length <= LISTED_TITLE_CHARS) return paper;
  const titleText = clip(paper.titleText, LISTED_TITLE_CHARS);
  return { ...paper, titleText, titleHtml: escapeHtml(titleText) };
}

const directions = new Map<string, 'ltr' | 'rtl'>();

function direction(language: string): 'ltr' | 'rtl' {
  let dir = directions.get(language);
  if (dir === undefined) {
    dir = textDirection(language);
    directions.set(language, dir);
  }
  return dir;
}

function textDirection(language: string): 'ltr' | 'rtl' {
  try {
    const locale = new Intl.Locale(language) as Intl.Locale & {
      textInfo?: { direction?: string };
      getTextInfo?: () => { direction?: string };
    };
    return (locale.getTextInfo?.() ?? locale.textInfo)?.direction === 'rtl' ? 'rtl' : 'ltr';
  } catch {
    return 'ltr';
  }
}

/**
 * What the email templates see beside the issue: the cut, and the per-render placeholder markers.
 * Not the next issue: an email is mailed before there is one, and stays as it was mailed.
 */
export function emailView(view: IssueView, cut: Cut, placeholders: Record<Placeholder, string>): object {
  const papers = view.papers;
  return {
    ...view,
    next: undefined,
    dir: direction(view.site.language),
    preheader: clip(view.preheader, PREHEADER_CHARS),
    full: papers.slice(0, cut.full),
    rest: papers.slice(cut.full, cut.full + cut.listed).map(listed),
    restStart: cut.full + 1,
    more: papers.length - cut.full,
    unlisted: papers.length - cut.full - cut.listed,
    placeholders,
  };
}
