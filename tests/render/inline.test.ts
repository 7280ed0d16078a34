import { describe, expect, it } from 'vitest';
import { inlineHtml, markdownText, plainText, wrapText } from '../../src/render/index.ts';

describe('digest text in HTML', () => {
  it('lets only sup, sub, em, strong and code through, without attributes', () => {
    expect(inlineHtml('O(*T*<sup>*K*</sup>)')).toBe('O(<em>T</em><sup><em>K</em></sup>)');
    expect(inlineHtml('<think> So </think>')).toBe('&lt;think&gt; So &lt;/think&gt;');
    expect(inlineHtml('<strong onclick="x()">a</strong>')).toBe('&lt;strong onclick=&quot;x()&quot;&gt;a&lt;/strong&gt;');
    expect(inlineHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('keeps Markdown emphasis and code, and leaves stars that are not emphasis', () => {
    expect(inlineHtml('**bold** and _it_ and `a<b`')).toBe('<strong>bold</strong> and <em>it</em> and <code>a&lt;b</code>');
    expect(inlineHtml('A* search and CoSTA* and snake_case_name')).toBe('A* search and CoSTA* and snake_case_name');
  });

  it('always balances the tags it lets through', () => {
    expect(inlineHtml('<strong>open')).toBe('<strong>open</strong>');
    expect(inlineHtml('</em>stray')).toBe('&lt;/em&gt;stray');
  });

  it('keeps LaTeX as written and drops characters XML forbids', () => {
    expect(inlineHtml('$\\gamma$ and \\(\\beta\\)')).toBe('$\\gamma$ and \\(\\beta\\)');
    expect(inlineHtml('a\u0000b\u0007c')).toBe('abc');
  });
});

describe('digest text in plain text and Markdown', () => {
  it('removes only the allowed tags from plain text', () => {
    expect(plainText('x<sup>2</sup> H<sub>2</sub>O <em>a</em> <think>')).toBe('x^2 H_2O a <think>');
  });

  it('escapes tags and links in Markdown but keeps emphasis and the allowed tags', () => {
    expect(markdownText('<script>x</script> *em* <sup>2</sup> [a](javascript:x)')).toBe(
      '&lt;script>x&lt;/script> *em* <sup>2</sup> [a]\\(javascript:x)',
    );
  });

  it('shows character references in Markdown as written, so a Markdown reader makes no character of them', () => {
    expect(markdownText('&#x202E;evil &#8238;a &rlm;b R&D &amp; a&b; &#;')).toBe(
      '&amp;#x202E;evil &amp;#8238;a &amp;rlm;b R&D &amp;amp; a&amp;b; &#;',
    );
  });
});

describe('wrapping', () => {
  it('wraps at 78 columns with an indent, a bullet and a hanging indent', () => {
    const text = 'word '.repeat(40).trim();
    const lines = wrapText(text, '   ', '  ', '- ').split('\n');
    expect(lines[0]?.startsWith('   - word')).toBe(true);
    expect(lines[1]?.startsWith('     word')).toBe(true);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(78);
  });

  it('leaves a word longer than the line whole, on a line of its own', () => {
    const url = `https://example.org/${'a'.repeat(90)}`;
    expect(wrapText(`see ${url} here`).split('\n')).toEqual(['see', url, 'here']);
  });
});
