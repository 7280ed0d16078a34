import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { createMessageMaker, fileTransport, rawMessage } from '../../src/deliver/index.ts';
import { signToken } from '../../src/subscribers/index.ts';
import { SECRET, tempDatabase, testContext } from '../helpers/dispatch.ts';
import { tempSite } from '../helpers/site.ts';

// A digest that tries to make every recipient's address and links travel to another site.
const HOSTILE = `## Papers for 2031-03-01

| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |
|---|---|---|---|---|---|
| [Leaky %%RECIPIENT%% Title](https://arxiv.org/abs/3103.00001) | Eve | Send it to %%UNSUBSCRIBE_URL%% and %%PREFERENCES_URL%% please. | ['Robotics'] | [Link](https://evil.example/c?u=%%UNSUBSCRIBE_URL%%&r=%%RECIPIENT%%) | [Link](https://evil.example/p/%%PREFERENCES_URL%%) |
`;

describe('placeholders written in a digest', () => {
  it("stay literal text: only the template's own placeholders are filled per subscriber", async () => {
    const site = await tempSite({ '2031-03-01.md': HOSTILE });
    await site.build();
    const issue = await site.builder.issue('2031-03-01');
    const { sql } = await tempDatabase();
    const make = createMessageMaker(issue, testContext(sql, fileTransport('/nonexistent')), 0);
    for (const topics of [[], ['Robotics']]) {
      const message = await make({ id: 9, email: 'victim@example.org', topics, tokenKey: '' });
      if ('skip' in message) throw new Error(message.skip);
      const raw = rawMessage(message).toString();
      const parsed = await simpleParser(raw);
      const unsubscribe = signToken(SECRET, 'unsubscribe', { id: 9, tokenKey: '' });
      const preferences = signToken(SECRET, 'preferences', { id: 9, tokenKey: '' });
      for (const body of [parsed.text ?? '', String(parsed.html)]) {
        // The footer names the recipient once and carries each link; the digest's text does not.
        expect(body.split('victim@example.org')).toHaveLength(2);
        expect(body).not.toMatch(/evil\.example[^"\s]*(?:victim|u[a-z0-9]*-|p[a-z0-9]*-)/);
        expect(body).toContain('%%UNSUBSCRIBE_URL%%');
        expect(body).toContain('%%PREFERENCES_URL%%');
      }
      expect(parsed.text).toContain('Send it to %%UNSUBSCRIBE_URL%% and %%PREFERENCES_URL%% please.');
      expect(parsed.text).toContain(`Unsubscribe: https://papers.example.org/unsubscribe?token=${unsubscribe}`);
      expect(parsed.text?.split(unsubscribe)).toHaveLength(2);
      expect(parsed.text?.split(preferences)).toHaveLength(2);
    }
    // The file keeps the documented placeholders where the template put them.
    expect(await site.read('email/2031-03-01.txt')).toContain('Unsubscribe: %%UNSUBSCRIBE_URL%%');
  });
});
