import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { readDigest } from '../../src/digest/index.ts';
import { rawMessage } from '../../src/deliver/index.ts';
import { issueFrom, messageFor } from '../helpers/dispatch.ts';
import { parseOpml } from '../helpers/opml.ts';
import { fixture } from '../helpers/paths.ts';
import { tempSite } from '../helpers/site.ts';
import { has } from '../helpers/peers.ts';

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const text = readFileSync(fixture('bidi-controls.md'), 'utf8');

describe('bidirectional control characters in a digest', () => {
  it('are taken out of the text with a warning, and a topic holding any is left out with one', () => {
    const { digest, errors } = readDigest(text);
    expect(errors).toEqual([]);
    const [first, plain, marked] = digest.papers;
    expect(first?.title).toBe('gnp.exe Report on Kites');
    expect(first?.authors).toEqual(['Eve Lin', 'Bo Chen']);
    expect(first?.summary).not.toMatch(BIDI);
    expect(first?.tags).toEqual(['Robotics']);
    expect(plain?.tags).toEqual(['evil']);
    expect(marked?.title).toBe('Marked Title Here');
    expect(marked?.tags).toEqual(['Robotics']);
    expect(digest.warnings).toEqual(
      expect.arrayContaining([
        {
          line: 5,
          message:
            'bidirectional control characters (U+202E, U+202C, U+202D, U+2067, U+2069, U+202B) taken out of the text: ' +
            'they could make it show as something else',
        },
        { line: 5, message: 'topic "evil" holds bidirectional control characters (U+202E); left out' },
        { line: 7, message: 'topic "evil" holds bidirectional control characters (U+2066, U+2069); left out' },
        { line: 7, message: 'topic "evil" holds bidirectional control characters (U+200E); left out' },
      ]),
    );
    expect(digest.warnings.filter((w) => w.line === 6)).toEqual([]);
    expect(digest.warnings.every((w) => !BIDI.test(w.message))).toBe(true);
  });

  it('reach no page, feed, OPML list, file name or email subject; a topic "U+202E evil" never shares the page or feed of "evil"', async () => {
    const site = await tempSite({ '2031-03-01.md': text });
    await site.build();
    const files = await site.files();
    for (const [path, content] of files) {
      expect([path, BIDI.test(path)]).toEqual([path, false]);
      expect([path, BIDI.test(content)]).toEqual([path, false]);
    }
    const evilFiles = [...files.keys()].filter((path) => /evil/.test(path));
    expect(evilFiles.sort()).toEqual(['feeds/tags/evil.atom.xml', 'feeds/tags/evil.json', 'feeds/tags/evil.rss.xml', 'topics/evil.html']);
    for (const path of evilFiles) {
      expect(files.get(path)).toContain('Plain Evil Paper');
      expect(files.get(path)).not.toMatch(/Report on Kites|Marked Title Here/);
    }

    const issue = await issueFrom(fixture('bidi-controls.md'), '2031-03-01');
    const parsed = await simpleParser(rawMessage(await messageFor(issue, { id: 1, email: 'reader@example.org' })));
    expect(parsed.subject).toBe('Mar 1, 2031 · 3 papers · gnp.exe Report on Kites');
  });

  it('reach no Markdown archive written as character references, which a Markdown reader would turn into them', async () => {
    const row =
      '| [&#x202E;gnp.exe Kites](https://arxiv.org/abs/3103.00001) | Eve &rlm;Lin | ' +
      "A &#8238;report&#8236;. | ['&#x202e;evil'] | N/A | N/A |";
    const site = await tempSite({ '2031-03-01.md': `## Papers for 2031-03-01\n\n${text.split('\n').slice(2, 4).join('\n')}\n${row}\n` });
    await site.build();
    const reference = /&(?:#x0*(?:202[a-e]|206[6-9]|200[ef]|61c)|#0*(?:823[4-8]|829[4-7]|820[67]|1564)|rlm|lrm);/i;
    const markdown = [...(await site.files())].filter(([path]) => path.endsWith('.md'));
    expect(markdown.map(([path]) => path).sort()).toEqual(['archive/2031-03-01.md', 'archive/README.md']);
    for (const [path, content] of markdown) expect([path, reference.exec(content)?.[0]]).toEqual([path, undefined]);
    expect(markdown.find(([path]) => path === 'archive/2031-03-01.md')?.[1]).toContain('## 1. &amp;#x202E;gnp.exe Kites');
  });

  it.runIf(has('python3-listparser'))('leave one "evil" in the OPML list, as listparser reads it', async () => {
    const site = await tempSite({ '2031-03-01.md': text });
    await site.build();
    const opml = parseOpml(await site.read('feeds/topics.opml'));
    expect(opml.bozo).toBe(false);
    expect(opml.feeds.filter((feed) => /evil/i.test(feed.title)).map((feed) => feed.url)).toEqual([
      `${site.settings.site.url}/feeds/tags/evil.rss.xml`,
    ]);
  });
});
