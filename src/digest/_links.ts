/** A Markdown link `[label](target)` found in a cell, with its span. */
export interface MarkdownLink {
  label: string;
  target: string;
  start: number;
  end: number;
}

// Pairs every opening bracket with its closing one in a single pass; backslash escapes a character.
function pairs(text: string, open: string, close: string): Map<number, number> {
  const found = new Map<number, number>();
  const stack: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === open) stack.push(i);
    else if (c === close && stack.length > 0) found.set(stack.pop() as number, i);
  }
  return found;
}

/** Finds every `[label](target)` in a cell; labels and targets may hold nested brackets. */
export function scanLinks(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  const brackets = pairs(text, '[', ']');
  const parens = pairs(text, '(', ')');
  let after = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '[' || i < after) continue;
    const close = brackets.get(i);
    const end = close === undefined || text[close + 1] !== '(' ? undefined : parens.get(close + 1);
    if (close === undefined || end === undefined) continue;
    links.push({ label: text.slice(i + 1, close), target: text.slice(close + 2, end), start: i, end: end + 1 });
    after = end + 1;
  }
  return links;
}

const ARXIV_URL = /arxiv\.org\/(?:abs|pdf|html)\/((?:[a-z-]+(?:\.[a-z]{2})?\/\d{7})|(?:\d{4}\.\d{4,5}))(?:v\d+)?/i;
const HF_PAPER_URL = /huggingface\.co\/papers\/(\d{4}\.\d{4,5})(?:v\d+)?/i;

/** The arXiv id in an arXiv URL (`abs`, `pdf` or `html`, any version), or undefined. */
export function arxivIdOf(url: string): string | undefined {
  return ARXIV_URL.exec(url)?.[1];
}

/** The arXiv id in a Hugging Face paper-page URL, or undefined. */
export function hfPaperIdOf(url: string): string | undefined {
  return HF_PAPER_URL.exec(url)?.[1];
}

export type LinkKind = 'github' | 'huggingface';

const PLACEHOLDER = /^(?:null|none|nil|undefined|string|n\/?a|tbd|todo|url|link|#|-|\.|)$/i;
const HOST_FIRST = /^(?:www\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}(?::\d+)?(?:[/?#]|$)/i;
const REPO_PATH = /^[\w.-]+\/[\w.-]+(?:\/\S*)?$/;
const HOME: Record<LinkKind, string> = {
  github: 'https://github.com/',
  huggingface: 'https://huggingface.co/',
};

/** What became of one link target: a usable absolute URL, with a note where it was guessed. */
export type LinkOutcome = { url: string; note?: string } | { dropped: string };

// Characters no URL holds as they are; percent-encoded so the link can never break out of markup.
const UNSAFE = /[\s"'<>`\\^{|}]/g;

function absolute(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return candidate.replace(UNSAFE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  } catch {
    return undefined;
  }
}

/** Turns a link target from a GitHub or Hugging Face cell into an absolute URL, or says why not. */
export function normalizeLink(raw: string, kind: LinkKind): LinkOutcome {
  const target = raw
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .trim();
  if (PLACEHOLDER.test(target) || /^\[.*\]$/.test(target)) {
    return { dropped: `placeholder link "${raw}" dropped` };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    const url = /^https?:\/\/[^/]/i.test(target) ? absolute(target) : undefined;
    return url ? { url } : { dropped: `link "${raw}" is not an http(s) URL; dropped` };
  }
  let guess: string | undefined;
  if (target.startsWith('//')) guess = `https:${target}`;
  else if (HOST_FIRST.test(target)) guess = `https://${target}`;
  else if (REPO_PATH.test(target)) guess = HOME[kind] + target;
  const url = guess === undefined ? undefined : absolute(guess);
  if (url === undefined) return { dropped: `link "${raw}" has no scheme and cannot be completed; dropped` };
  return { url, note: `link "${raw}" has no scheme; read as ${url}` };
}
