import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawMessage } from '../../src/deliver/index.ts';
import type { IssueToSend } from '../../src/site/index.ts';
import { fixtureIssue, issueFrom, messageFor } from '../helpers/dispatch.ts';
import { corpusDir, fixture, hasCorpus } from '../helpers/paths.ts';
import { has, SPAMASSASSIN } from '../helpers/peers.ts';
import { LARGEST_REAL } from './sample-emails.ts';

// Informational: it marks every message that has an HTML part, at no score.
const HTML_PART = 'HTML_MESSAGE';

// Rules on the papers' own words, which no template can help: a run of long words in a summary
// ("evaluate whether unified multimodal models achieve genuine synergy between their") is LONGWORDS.
const WORD_RULES = ['LONGWORDS'];

/** The message a subscriber gets, MIME and all, as delivery writes it. */
async function messageOf(issue: IssueToSend): Promise<Buffer> {
  return rawMessage(await messageFor(issue, { id: 42, email: 'reader@example.org' }));
}

/** SpamAssassin's rules hit, with their points, by its local rules only, in a home of its own. */
async function spamRules(raw: Buffer): Promise<Map<string, number>> {
  const home = mkdtempSync(join(tmpdir(), 'paperboy-sa-'));
  const child = spawn(SPAMASSASSIN, ['-t', '-L'], { env: { ...process.env, HOME: home }, stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exited = new Promise<void>((resolve, reject) => child.once('error', reject).once('close', () => resolve()));
  child.stdin.end(raw);
  await exited;
  const out = Buffer.concat(chunks).toString();
  const report = out.split('Content analysis details:')[1];
  if (report === undefined) throw new Error(`no report in SpamAssassin's output:\n${out.slice(0, 2000)}`);
  return new Map([...report.matchAll(/^\s*(-?\d+\.\d+)\s+([A-Z0-9_]+)\s/gm)].map((m) => [m[2] as string, Number(m[1])]));
}

const total = (rules: Map<string, number>, without: string[] = []) =>
  [...rules].filter(([r]) => !without.includes(r)).reduce((sum, [, points]) => sum + points, 0);
const htmlRules = (rules: Map<string, number>) => [...rules.keys()].filter((r) => r.startsWith('HTML_') && r !== HTML_PART);

const HIDDEN_TEXT = Buffer.from(
  'From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n' +
    '<html><body><div style="color:#ffffff">a hidden preheader</div><p>Hello.</p></body></html>\r\n',
);

describe.runIf(has('spamassassin'))("the message in SpamAssassin's eyes (local rules only)", () => {
  const rules = new Map<string, Map<string, number>>();
  beforeAll(async () => {
    // The issues are built one after the other; SpamAssassin reads the messages side by side.
    const messages = new Map<string, Buffer>([
      ['fixture', await messageOf(await fixtureIssue())],
      ['sample', await messageOf(await issueFrom(fixture('digests', '2024-10-04.md'), '2024-10-04'))],
      ['hidden', HIDDEN_TEXT],
    ]);
    if (hasCorpus)
      messages.set('largest', await messageOf(await issueFrom(join(corpusDir, 'digests', `${LARGEST_REAL}.md`), LARGEST_REAL)));
    await Promise.all([...messages].map(async ([name, raw]) => rules.set(name, await spamRules(raw))));
  });
  const of = (name: string) => rules.get(name) ?? new Map<string, number>([['NOT_SCORED', 1]]);

  it('scores the fixture issue at 0.0 or below, with no HTML rule but the HTML part itself', () => {
    expect(htmlRules(of('fixture'))).toEqual([]);
    expect(total(of('fixture'))).toBeLessThanOrEqual(0);
  });

  it('scores the sample issue at 0.0 or below, with no HTML rule but the HTML part itself', () => {
    expect(htmlRules(of('sample'))).toEqual([]);
    expect(total(of('sample'))).toBeLessThanOrEqual(0);
  });

  it.runIf(hasCorpus)("finds nothing in the largest real issue but what its papers' words bring", () => {
    expect(htmlRules(of('largest'))).toEqual([]);
    expect(total(of('largest'), WORD_RULES)).toBeLessThanOrEqual(0);
  });

  it('sees hidden text: white text on the default white scores', () => {
    expect(htmlRules(of('hidden'))).toContain('HTML_FONT_LOW_CONTRAST');
  });
});
