import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import { root } from '../helpers/paths.ts';
import { testProject } from '../helpers/project.ts';

describe('paperboy preview', () => {
  it('shows a template change, and tells open pages to reload, within seconds; a broken template is named on the page', async () => {
    const { base } = await testProject([]);
    const templates = join(base, 'templates');
    await cp(join(root, 'templates'), templates, { recursive: true });
    let printed = '';
    const stop = new AbortController();
    const running = main(['preview', '--port', '0'], {
      cwd: base,
      env: { PAPERBOY_TEMPLATES_DIR: templates, PAPERBOY_HOST: '127.0.0.1' },
      output: { out: (text) => void (printed += text), err: (text) => void (printed += text) },
      signal: stop.signal,
    });
    try {
      let ended = false;
      void running.then(() => (ended = true));
      while (!/at (http:\/\/\S+)\//.test(printed) && !ended) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(printed).toMatch(/previewing the newest digest at http/);
      const url = /at (http:\/\/\S+)\//.exec(printed)?.[1] ?? '';
      const index = await (await fetch(`${url}/`)).text();
      expect(index).toMatch(/The email is <strong>[\d.]+ kB<\/strong> of HTML, against a budget of 90 kB/);
      expect(await (await fetch(`${url}/email/2031-02-03.html`)).text()).toContain('Tiny Kites');
      expect((await fetch(`${url}/issues/2031-02-03.html`)).status).toBe(200);
      expect((await fetch(`${url}/index.html`)).status).toBe(200);

      const events = await fetch(`${url}/events`);
      const reader = events.body?.getReader();
      const decoder = new TextDecoder();
      const reload = (async () => {
        let seen = '';
        while (!seen.includes('event: reload')) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) throw new Error(`the events stream ended before a reload: ${seen}`);
          seen += decoder.decode(chunk.value);
        }
      })();
      const changed = Date.now();
      const text = join(templates, 'email.txt.hbs');
      await writeFile(text, `${await readFile(text, 'utf8')}\nA LINE JUST ADDED\n`);
      await reload;
      let shown = '';
      while (!shown.includes('A LINE JUST ADDED') && Date.now() - changed < 15_000)
        shown = await (await fetch(`${url}/email/2031-02-03.txt`)).text();
      expect(shown).toContain('A LINE JUST ADDED');
      // Two seconds on an idle machine; the bound leaves room for a loaded one.
      expect(Date.now() - changed).toBeLessThan(10_000);

      await writeFile(join(templates, 'partials', 'email-footer.hbs'), 'line one\n{{#if site}}never closed\n');
      let page = '';
      while (!page.includes('Template error') && Date.now() - changed < 15_000) page = await (await fetch(`${url}/`)).text();
      expect(page).toContain('Template error');
      // The partial that is wrong, with the parser's line: not the email template that includes it.
      expect(page).toMatch(/partials\/email-footer\.hbs:3: parse error: Expecting/);
      await reader?.cancel();
    } finally {
      stop.abort();
      expect(await running).toBe(0);
    }
  });
});
