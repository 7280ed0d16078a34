import { readFileSync } from 'node:fs';
import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { parseFeeds, type ParsedFeed } from '../helpers/feedparser.ts';
import { fixture } from '../helpers/paths.ts';
import { tempSite } from '../helpers/site.ts';
import { has } from '../helpers/peers.ts';

interface Node {
  type: string;
  name?: string;
  attribs?: Record<string, string>;
  children?: Node[];
}

// Elements a template writes on purpose; anything else in an output came from a digest.
const TEMPLATE_ELEMENTS = new Set([
  'html',
  'head',
  'body',
  'meta',
  'title',
  'link',
  'style',
  'header',
  'footer',
  'main',
  'nav',
  'article',
  'section',
  'h1',
  'h2',
  'p',
  'a',
  'ul',
  'ol',
  'li',
  'span',
  'div',
  'table',
  'tbody',
  'tr',
  'td',
  'br',
  'time',
  'form',
  'label',
  'input',
  'button',
  'fieldset',
  'legend',
  'details',
  'summary',
  'sup',
  'sub',
  'em',
  'strong',
  'code',
  '!doctype',
  'noscript',
]);

// The one script a template loads: the search page's own, from the site's assets.
const isSearchScript = (node: Node) =>
  node.name === 'script' &&
  node.attribs?.src === 'assets/search.js' &&
  node.attribs.type === 'module' &&
  (node.children ?? []).length === 0;

function offences(html: string): string[] {
  const found: string[] = [];
  const walk = (node: Node) => {
    if ((node.type === 'script' && !isSearchScript(node)) || (node.type === 'tag' && !TEMPLATE_ELEMENTS.has(node.name ?? '')))
      found.push(`<${node.name}>`);
    for (const [name, value] of Object.entries(node.attribs ?? {})) {
      if (name.startsWith('on')) found.push(`${node.name} ${name}=`);
      if (['href', 'src', 'action'].includes(name) && !/^(?:https?:|#|%%[A-Z_]+%%$|[^:]*$)/.test(value))
        found.push(`${node.name} ${name}=${value}`);
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(parseDocument(html) as unknown as Node);
  return found;
}

describe('hostile digest text', async () => {
  const site = await tempSite({ '2031-03-01.md': readFileSync(fixture('xss.md'), 'utf8') });
  await site.build();
  const files = await site.files();

  it('leaves nothing executable in any HTML output', () => {
    const pages = [...files].filter(([path]) => path.endsWith('.html'));
    const topics = [...files.keys()].filter((p) => /^topics\/[a-z0-9-]+\.html$/.test(p) && p !== 'topics/index.html');
    expect(topics.length).toBeGreaterThan(0);
    expect(pages.map(([p]) => p).sort()).toEqual(
      [
        'archive/index.html',
        'email/2031-03-01.html',
        'index.html',
        'issues/2031-03-01.html',
        'search.html',
        'topics/index.html',
        ...topics,
      ].sort(),
    );
    for (const [path, html] of pages) expect([path, offences(html)]).toEqual([path, []]);
  });

  it('shows the hostile text as text', () => {
    const page = files.get('issues/2031-03-01.html') ?? '';
    expect(page).toContain('&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Scripted');
    expect(page).toContain('Emphasis <em>stays</em> and <sup>2</sup> too');
  });

  it.runIf(has('python3-feedparser'))('keeps every feed well formed, with nothing executable in the entries', () => {
    const feeds = [...files].filter(([path]) => path.endsWith('.xml') && path.startsWith('feeds/'));
    const parsed = parseFeeds(feeds.map(([, xml]) => xml));
    expect(parsed).toHaveLength(feeds.length);
    for (const [i, [path]] of feeds.entries()) {
      const feed = parsed[i] as ParsedFeed;
      expect([path, feed.bozo, feed.bozoException]).toEqual([path, false, null]);
      for (const entry of feed.entries) expect([path, offences(entry.content)]).toEqual([path, []]);
    }
    for (const [path, json] of files) {
      if (!path.endsWith('.json') || !path.startsWith('feeds/')) continue;
      for (const item of JSON.parse(json).items) expect([path, offences(item.content_html)]).toEqual([path, []]);
    }
  });

  it('keeps raw tags and links out of the Markdown archive', () => {
    const markdown = files.get('archive/2031-03-01.md') ?? '';
    expect(markdown).not.toMatch(/<(?!\/?(?:sup|sub|em|strong|code)>|https:\/\/)[a-z!/]/i);
    expect(markdown).not.toMatch(/\]\(javascript:/);
  });
});
