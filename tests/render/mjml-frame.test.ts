import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import mjml2html from 'mjml';
import { describe, expect, it } from 'vitest';
import { parseDigest } from '../../src/digest/index.ts';
import { issueView, loadTemplates } from '../../src/render/index.ts';
import { emailMjml } from '../../src/render/email.ts';
import { ENDING_TAGS, fillFrame, frameOf, tokensPlaced } from '../../src/render/mjml-frame.ts';
import { corpusDir, fixture, hasCorpus, root } from '../helpers/paths.ts';
import { SITE } from '../helpers/site.ts';

const TOKEN = 'pbframetest0123';
const squeeze = (html: string) => html.replace(/\n\s+/g, '\n');

async function whole(mjml: string): Promise<string> {
  return squeeze((await mjml2html(mjml, { keepComments: false, fonts: {}, validationLevel: 'skip' })).html);
}

// What the email compiler does with a frame; undefined when the MJML gives none, or MJML did not
// carry the tokens over.
async function framed(mjml: string): Promise<string | undefined> {
  const cut = frameOf(mjml, TOKEN);
  if (!cut) return undefined;
  const html = await whole(cut.frame);
  return tokensPlaced(html, TOKEN, cut.contents.length) ? fillFrame(html, TOKEN, cut.contents) : undefined;
}

const email = (body: string, head = '<mj-title>Daily · May 1</mj-title>') =>
  `<mjml lang="en"><mj-head>${head}</mj-head><mj-body><mj-section><mj-column>${body}</mj-column></mj-section></mj-body></mjml>`;

describe('MJML frames', () => {
  it('knows the elements MJML reads as text', () => {
    const core = createRequire(createRequire(join(root, 'package.json')).resolve('mjml'))('mjml-core') as {
      components: Record<string, { endingTag?: boolean; componentName: string }>;
    };
    const ending = Object.values(core.components)
      .filter((component) => component.endingTag)
      .map((component) => component.componentName);
    expect(new Set(ending)).toEqual(ENDING_TAGS);
  });

  it('gives the bytes MJML gives for every real issue, in full and cut', async () => {
    const templates = await loadTemplates(join(root, 'templates'));
    const dir = hasCorpus ? join(corpusDir, 'digests') : fixture('digests');
    const names = readdirSync(dir).filter((name) => name.endsWith('.md'));
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) {
      const view = issueView(parseDigest(readFileSync(join(dir, name), 'utf8'), name), SITE);
      const count = view.papers.length;
      for (const cut of [
        { full: count, listed: 0 },
        { full: Math.floor(count / 2), listed: count - Math.floor(count / 2) },
      ]) {
        const mjml = emailMjml(view, templates, cut);
        const html = await framed(mjml);
        expect(html, name).toBeDefined();
        expect(html, name).toBe(await whole(mjml));
      }
    }
  });

  it('frames text with any character, and tags in any case', async () => {
    const odd = `a $& $1 $' "quoted" 'single' &amp; &lt;mj-text&gt; <b>bold</b> <br/> <img src="x>y" alt='a"b'> ünï 😀`;
    for (const mjml of [
      email(`<mj-text>${odd}</mj-text><mj-text>  second  </mj-text>`),
      email('<mj-text>t</mj-text>', `<mj-title>A "title" & <i>more</i></mj-title><mj-raw><meta name="x" content="y"></mj-raw>`),
      email(`<mj-raw>${odd}</mj-raw><mj-button href="https://e.x/">Go &amp; see</mj-button><mj-text padding="0">x</mj-text>`),
      email('<mj-text><a title="</mj-text>">x</a></mj-text>'),
    ]) {
      const html = await framed(mjml);
      expect(html, mjml).toBeDefined();
      expect(html, mjml).toBe(await whole(mjml));
    }
  });

  it('compiles whole what MJML does not carry over', async () => {
    // MJML takes no upper-case tag for its own: the compiled frame lacks the token.
    const mjml = email('<MJ-TEXT css-class="x">upper</MJ-TEXT><mj-text>lower</mj-text>');
    expect(frameOf(mjml, TOKEN)?.contents).toEqual(['Daily · May 1', 'upper', 'lower']);
    expect(await framed(mjml)).toBeUndefined();
  });

  it('leaves comments, CDATA and raw text in the frame, and the bytes as MJML makes them', async () => {
    for (const mjml of [
      email('<mj-text><!-- </mj-text> --><p>after</p></mj-text><mj-text>plain</mj-text>'),
      email('<mj-raw><!--[if mso]><p>outlook</p><![endif]--></mj-raw><mj-text>plain</mj-text>'),
      email('<mj-text><style>p>a{color:red}</style><p>x</p></mj-text><mj-text>plain</mj-text>'),
      email('<mj-text><![CDATA[ </mj-text> ]]><p>x</p></mj-text><mj-text>plain</mj-text>'),
    ]) {
      const cut = frameOf(mjml, TOKEN);
      expect(cut?.contents).toEqual(['Daily · May 1', 'plain']);
      expect(await framed(mjml)).toBe(await whole(mjml));
    }
  });

  it('gives no frame where it cannot tell where MJML ends an element, or MJML reworks the output', () => {
    for (const mjml of [
      email('<mj-text><style>p{}</mj-text>'),
      email('<mj-text><mj-text>nested</mj-text></mj-text>'),
      email('<mj-text><svg><text>x</text></svg></mj-text>'),
      email('<!-- a comment --><mj-text>x</mj-text>'),
      email(
        '<mj-text>x</mj-text>',
        '<mj-html-attributes><mj-selector path=".x"><mj-html-attribute name="a">b</mj-html-attribute></mj-selector></mj-html-attributes>',
      ),
      email('<mj-text>x</mj-text>', '<mj-style inline="inline">p{color:red}</mj-style>'),
      email(`<mj-text>${TOKEN}-0-</mj-text>`),
      email('<mj-text>unclosed'),
      '<mjml><mj-body></mj-body></mjml>',
    ])
      expect(frameOf(mjml, TOKEN), mjml).toBeUndefined();
  });

  it('refuses a compiled frame whose tokens went missing, came twice as one, or sit in a conditional comment', () => {
    expect(tokensPlaced(`<p>${TOKEN}-0-</p><title>${TOKEN}-0-</title>`, TOKEN, 1)).toBe(true);
    expect(tokensPlaced(`<p>${TOKEN}-0-</p>`, TOKEN, 2)).toBe(false);
    expect(tokensPlaced(`<p>${TOKEN}-0-${TOKEN}</p>`, TOKEN, 1)).toBe(false);
    expect(tokensPlaced(`<!--[if mso | IE]><p>${TOKEN}-0-</p><![endif]-->`, TOKEN, 1)).toBe(false);
  });
});
