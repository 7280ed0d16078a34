import { execFileSync } from 'node:child_process';
import { need } from './peers.ts';

/** What Debian's python3-listparser makes of an OPML subscription list. */
export interface ParsedOpml {
  bozo: boolean;
  version: string;
  title: string;
  feeds: { url: string; title: string; tags: string[] }[];
}

const SCRIPT = `
import sys, json, listparser
d = listparser.parse(sys.stdin.buffer.read().decode('utf-8'))
print(json.dumps({'bozo': bool(d.bozo), 'version': d.version, 'title': d.meta.get('title', ''),
  'feeds': [{'url': f.url, 'title': f.title, 'tags': list(f.get('tags', []))} for f in d.feeds]}))
`;

/** Parses an OPML list with the real listparser (run as /usr/bin/python3, where Debian installs it). */
export function parseOpml(xml: string): ParsedOpml {
  need('python3-listparser');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', SCRIPT], { input: xml, encoding: 'utf8' })) as ParsedOpml;
}
