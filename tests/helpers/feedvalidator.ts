import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The W3C feed validator's source folder, when a developer set FEEDVALIDATOR_SRC (it is not in CI):
 * `git archive` of its `src/` into a scratch folder, with python3-html5lib, -rdflib and -lxml.
 */
export const feedValidatorSrc = process.env.FEEDVALIDATOR_SRC;
export const hasFeedValidator = feedValidatorSrc !== undefined && existsSync(feedValidatorSrc);

const SCRIPT = `
import sys, json
sys.path.insert(0, sys.argv[1])
import feedvalidator
from feedvalidator.logging import Error, Warning
events = feedvalidator.validateString(sys.stdin.buffer.read(), firstOccurrenceOnly=1, base=sys.argv[2])['loggedEvents']
print(json.dumps([f"{e.__class__.__name__} <{e.params.get('element', '')}> line {e.params.get('line')}" for e in events if isinstance(e, (Error, Warning))]))
`;

/** The errors and warnings the W3C feed validator finds in a feed served at `url`. */
export function validateFeed(xml: string, url: string): string[] {
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', SCRIPT, feedValidatorSrc ?? '', url], { input: xml, encoding: 'utf8' }),
  ) as string[];
}
