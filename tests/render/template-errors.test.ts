import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import { paperboy } from '../helpers/cli.ts';
import { root } from '../helpers/paths.ts';
import { testProject } from '../helpers/project.ts';

// A project with its own copy of the templates, one partial replaced by `source`.
async function withPartial(name: string, source: string) {
  const project = await testProject([], { PAPERBOY_HOST: '127.0.0.1', PAPERBOY_PORT: '0', PAPERBOY_LOG_LEVEL: 'silent' });
  const templates = join(project.base, 'templates');
  await cp(join(root, 'templates'), templates, { recursive: true });
  await writeFile(join(templates, 'partials', name), source);
  return { ...project, env: { ...project.env, PAPERBOY_TEMPLATES_DIR: templates }, partial: join(templates, 'partials', name) };
}

// Runs a long-running command in this process until it printed `ready`, then `work` with what it
// printed, then stops it.
async function whileRunning<T>(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  ready: RegExp,
  work: (printed: string) => Promise<T>,
): Promise<{ result: T; status: number }> {
  let printed = '';
  const stop = new AbortController();
  const running = main(args, {
    cwd,
    env,
    output: { out: (t) => void (printed += `${t}\n`), err: (t) => void (printed += `${t}\n`) },
    signal: stop.signal,
  });
  let ended = false;
  void running.then(() => (ended = true));
  try {
    const began = Date.now();
    while (!ready.test(printed) && !ended && Date.now() - began < 20_000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(printed).toMatch(ready);
    const result = await work(printed);
    stop.abort();
    return { result, status: await running };
  } finally {
    stop.abort();
    await running;
  }
}

describe('a broken partial', () => {
  it('is named by build, with the parser message and its line, not the template that includes it', async () => {
    const { env, base, partial } = await withPartial('email-paper.hbs', '<tr><td>\n<p>{{number}}</p>\n<h2>{{#if title}</h2>\n');
    const run = await paperboy(['build'], { env, cwd: base });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^${partial.replaceAll('.', '\\.')}:3: parse error: Expecting .*, got 'INVALID'\\n$`));
    expect(run.stderr).not.toContain('email.mjml.hbs');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('is named with its line when its blocks do not match, or when it calls a helper or partial that does not exist', async () => {
    const blocks = await withPartial('issue-nav.hbs', '<nav>\n{{#each papers}}\n<a>{{title}}</a>\n{{/if}}\n</nav>\n');
    expect((await paperboy(['build'], { env: blocks.env, cwd: blocks.base })).stderr).toBe(`${blocks.partial}:2: each doesn't match if\n`);
    const helper = await withPartial('layout-foot.hbs', '</main>\n<footer>{{shout site.title}}</footer>\n</body></html>\n');
    expect((await paperboy(['build'], { env: helper.env, cwd: helper.base })).stderr).toBe(
      `${helper.partial}:2: Missing helper: "shout"\n`,
    );
    const nested = await withPartial('email-header.hbs', '<tr>\n<td>{{> no-such-partial}}</td>\n</tr>\n');
    expect((await paperboy(['build'], { env: nested.env, cwd: nested.base })).stderr).toBe(
      `${nested.partial}:2: The partial no-such-partial could not be found\n`,
    );
  });

  it('is named on the preview page and by the first run of start', async () => {
    const { env, base, partial } = await withPartial('email-footer.hbs', 'line one\n{{#if site}}never closed\n');
    const escaped = partial.replaceAll('.', '\\.');

    const preview = await whileRunning(['preview', '--port', '0'], env, base, /at http:\/\/\S+\//, async (printed) => {
      const url = /at (http:\/\/\S+)\//.exec(printed)?.[1] ?? '';
      return (await fetch(`${url}/`)).text();
    });
    expect(preview.status).toBe(0);
    expect(preview.result).toContain('Template error');
    expect(preview.result).toMatch(new RegExp(`${escaped}:3: parse error: Expecting`));

    const start = await whileRunning(['start'], env, base, /first run:/, async (printed) => printed);
    expect(start.status).toBe(0);
    expect(start.result).toMatch(new RegExp(`first run: failed: ${escaped}:3: parse error: Expecting`));
  });
});
