import { describe, expect, it } from 'vitest';
import { firstFields, headerFields } from '../src/header-fields.ts';

describe('the header field parser that signing and the inbound reports share', () => {
  it('keeps each field as written, folded lines and all, with its name in lower case and its value unfolded', () => {
    const header =
      'From: Daily Papers <papers@example.org>\r\n' +
      'List-Unsubscribe: <https://papers.example.org/u>,\r\n\t<mailto:papers+unsubscribe@example.org>\r\n' +
      'Subject:  Feb 3\r\n\r\n';
    expect(headerFields(header)).toEqual([
      { name: 'from', value: 'Daily Papers <papers@example.org>', raw: 'From: Daily Papers <papers@example.org>' },
      {
        name: 'list-unsubscribe',
        value: '<https://papers.example.org/u>, <mailto:papers+unsubscribe@example.org>',
        raw: 'List-Unsubscribe: <https://papers.example.org/u>,\r\n\t<mailto:papers+unsubscribe@example.org>',
      },
      { name: 'subject', value: 'Feb 3', raw: 'Subject:  Feb 3' },
    ]);
  });

  it('reads bare line feeds too, skips lines that are no field, and gives the first field of each name', () => {
    const block =
      'Reporting-MTA: dns; mx.example.net\nnot a field\n: nameless\nAction: failed\nSTATUS: 5.1.1\n' +
      'Action: delayed\nFinal-Recipient: rfc822;\n  ann@example.org';
    expect([...firstFields(block)]).toEqual([
      ['reporting-mta', 'dns; mx.example.net'],
      ['action', 'failed'],
      ['status', '5.1.1'],
      ['final-recipient', 'rfc822; ann@example.org'],
    ]);
  });
});
