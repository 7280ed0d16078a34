import { execFileSync } from 'node:child_process';
import { need } from './peers.ts';

/** What Debian's python3-feedparser makes of a feed. */
export interface ParsedFeed {
  bozo: boolean;
  bozoException: string | null;
  version: string;
  title: string;
  links: { rel: string; href: string }[];
  entries: { id: string; title: string; link: string; published: string | null; authors: string[]; tags: string[]; content: string }[];
}

// Feeds come in as a JSON list of base64 strings, so that one Python reads many.
const SCRIPT = `
import sys, json, html, base64, feedparser
def read(xml):
  d = feedparser.parse(xml)
  return {
  'bozo': bool(d.bozo), 'bozoException': str(d.get('bozo_exception')) if d.bozo else None,
  'version': d.version, 'title': d.feed.get('title', ''),
  'links': [{'rel': l.get('rel', ''), 'href': l.get('href', '')} for l in d.feed.get('links', [])],
  'entries': [{
    'id': e.get('id', ''), 'title': html.unescape(e.get('title', '')), 'link': e.get('link', ''),
    'published': e.get('published'),
    'authors': [a.get('name', '') for a in e.get('authors', [])],
    'tags': [t.get('term') or t.get('label') or '' for t in e.get('tags', [])],
    'content': (e.get('content') or [{'value': e.get('summary', '')}])[0]['value'],
  } for e in d.entries],
  }
print(json.dumps([read(base64.b64decode(x)) for x in json.load(sys.stdin)]))
`;

/** Parses feeds with the real feedparser (run as /usr/bin/python3, where Debian installs it), one process for them all. */
export function parseFeeds(xmls: readonly string[]): ParsedFeed[] {
  need('python3-feedparser');
  const input = JSON.stringify(xmls.map((xml) => Buffer.from(xml).toString('base64')));
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', SCRIPT], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }),
  ) as ParsedFeed[];
}

/** Parses a feed with the real feedparser. */
export function parseFeed(xml: string): ParsedFeed {
  return parseFeeds([xml])[0] as ParsedFeed;
}
