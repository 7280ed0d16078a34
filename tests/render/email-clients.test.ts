import { doIUseEmail } from '@jsx-email/doiuse-email';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleEmails, type SampleEmail } from './sample-emails.ts';

// The client families checked against the caniemail data.
const FAMILIES = ['gmail.*', 'outlook.*', 'apple-mail.*', 'yahoo.*'];

// Where a client lacks one of these, the layout falls apart or a link goes nowhere.
const BREAKING = [
  'Local anchors',
  'mailto: links',
  'display:flex',
  'display:grid',
  'position',
  'float',
  'HTML5 semantics',
  '<form> element',
  'background-image',
  'rem unit',
  'column-count',
  'transform',
  'display',
  'padding',
  'margin',
  'background',
  'background-color',
  'border',
  'font-size',
  'font-weight',
  'line-height',
  'text-decoration',
  'max-width',
  '<table> element',
  'cellpadding attribute',
  'cellspacing attribute',
  'align attribute',
  'width attribute',
];

// Where a client lacks one of these, the email degrades gracefully; the README says what its reader sees.
const GRACEFUL: Record<string, string> = {
  'Class selector': 'the <style> rules only add dark mode, phone widths and hover: the layout is inline',
  'Type selector': "the same: MJML's resets and the dark-mode rules are extras",
  'Descendant combinator': 'the same: dark-mode and phone-width rules only',
  'Attribute selector': "[data-ogsc] rules serve only the Outlook apps' own dark mode",
  'ID selector': "MJML's #outlook reset, for Outlook.com only",
  'Chaining selectors': 'a MJML column rule for Thunderbird; the column is full width without it',
  '@media': 'phone widths and dark mode: the layout is fluid and light without them',
  ':hover': 'underlines on hover are an extra',
  'border-radius': 'square corners on cards, pills and buttons',
  'border-spacing': "those clients space the cards with the table's cellspacing attribute instead",
  'role attribute': 'an assistive technology there reads the layout tables as tables',
  'aria-label attribute': 'the contents list goes unnamed',
  'aria-hidden attribute': 'the preheader is not rendered at all there (display:none, mso-hide)',
  'display:none': 'the preheader is also hidden by max-height:0 and overflow:hidden',
  overflow: 'the preheader is also hidden by display:none and mso-hide:all',
  'word-break': "MJML's breaking of long words: a long word may widen its line",
  'word-spacing': "MJML's reset of an inherited word spacing",
  outline: "MJML's reset for images, and the email has none",
  '<body> element': "the body's background is repeated on the wrapper MJML writes",
};

interface Problem {
  feature: string;
  client: string;
}

function problems(html: string): Problem[] {
  const result = doIUseEmail(html, { emailClients: FAMILIES });
  const errors = result.success ? [] : result.errors;
  return errors.map((error) => {
    const [, feature = error, client = ''] = /^`(.+?)` is not supported by `(.+?)`/.exec(error) ?? [];
    return { feature, client };
  });
}

const breaking = (found: Problem[]) => found.filter((p) => BREAKING.includes(p.feature) || !(p.feature in GRACEFUL));

describe('the email against the caniemail data (Gmail, Outlook, Apple Mail, Yahoo)', () => {
  let emails: SampleEmail[];
  beforeAll(async () => {
    emails = await sampleEmails();
  });

  it('uses nothing that breaks the layout or a link in any of them', () => {
    for (const email of emails) expect([email.name, breaking(problems(email.html))]).toEqual([email.name, []]);
  });

  it('sees what breaks: local anchors, flex, floats and positions are caught', () => {
    const broken =
      '<!doctype html><html><body><a href="#x">x</a><a name="x"></a>' +
      '<div style="display:flex;position:absolute;float:left">x</div></body></html>';
    const features = new Set(breaking(problems(broken)).map((p) => p.feature));
    expect([...features].sort()).toEqual(['Local anchors', 'display:flex', 'float', 'position']);
  });

  it('keeps the two lists apart', () => {
    expect(BREAKING.filter((feature) => feature in GRACEFUL)).toEqual([]);
  });
});
