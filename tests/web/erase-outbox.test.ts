import { afterAll, describe, expect, it } from 'vitest';
import { post, startWeb } from '../helpers/web.ts';

const web = await startWeb();
afterAll(() => web.close());

describe('POST /erase', () => {
  it("also removes the emails to the address kept in the outbox, and leaves everyone else's", async () => {
    for (const email of ['leaving@example.org', 'staying@example.org']) {
      expect((await post(web, '/subscribe', { email, cadence: 'daily' })).status).toBe(200);
    }
    const before = await web.mail();
    expect(before.filter((m) => m.to === 'leaving@example.org')).not.toHaveLength(0);
    const token = await web.token('preferences', (await web.store.find('leaving@example.org'))?.id ?? 0);
    const done = await post(web, '/erase', { token, confirm: 'yes' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Erased');
    const after = await web.mail();
    expect(after.filter((m) => m.to === 'leaving@example.org')).toEqual([]);
    expect(after.map((m) => m.file)).toEqual(before.filter((m) => m.to !== 'leaving@example.org').map((m) => m.file));
    expect(after.filter((m) => m.to === 'staying@example.org')).not.toHaveLength(0);
  });
});
