import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type Handlebars from 'handlebars';
import { PaperboyError, TemplateError } from '../errors.ts';
import { markdownText } from './inline.ts';
import { TEXT_WIDTH, wrapText } from './_wrap.ts';

/** A compiled template: a view in, text out. */
export type Template = (view: object) => string;

/** Every template of the site, compiled once, with a hash of their sources for incremental builds. */
export interface Templates {
  emailMjml: Template;
  emailText: Template;
  issueText: Template;
  page: Template;
  index: Template;
  archiveIssue: Template;
  archiveIndex: Template;
  feedIssue: Template;
  /** An issue in a feed's archive document: its titles, linking to the web page. */
  feedIssueArchived: Template;
  feedPaper: Template;
  webPage: Template;
  preferences: Template;
  confirmEmail: Template;
  alreadySubscribedEmail: Template;
  welcomeEmail: Template;
  unsubscribeRequestEmail: Template;
  topic: Template;
  topics: Template;
  archivePage: Template;
  search: Template;
  css: string;
  /** The search page's script, the favicon as SVG and as ICO: copied into out/ as they are. */
  searchScript: string;
  faviconSvg: string;
  faviconIco: Buffer;
  hash: string;
  /** The folder they were read from: a thread of a build loads them from it. */
  dir?: string | undefined;
}

const FILES = {
  emailMjml: 'email.mjml.hbs',
  emailText: 'email.txt.hbs',
  issueText: 'issue.txt.hbs',
  page: 'page.hbs',
  index: 'index.hbs',
  archiveIssue: 'archive.md.hbs',
  archiveIndex: 'archive-index.md.hbs',
  feedIssue: 'feed-issue.hbs',
  feedIssueArchived: 'feed-issue-archived.hbs',
  feedPaper: 'feed-paper.hbs',
  webPage: 'web-page.hbs',
  preferences: 'preferences.hbs',
  confirmEmail: 'confirm-email.txt.hbs',
  alreadySubscribedEmail: 'already-subscribed-email.txt.hbs',
  welcomeEmail: 'welcome-email.txt.hbs',
  unsubscribeRequestEmail: 'unsubscribe-request-email.txt.hbs',
  topic: 'topic.hbs',
  topics: 'topics.hbs',
  archivePage: 'archive.hbs',
  search: 'search.hbs',
} as const;

// Outputs that are not HTML are compiled without HTML escaping.
const UNESCAPED = new Set([
  'emailText',
  'issueText',
  'archiveIssue',
  'archiveIndex',
  'confirmEmail',
  'alreadySubscribedEmail',
  'unsubscribeRequestEmail',
  'welcomeEmail',
]);

const indentOf = (value: unknown): string => (typeof value === 'number' ? ' '.repeat(value) : typeof value === 'string' ? value : '');

function helpers(hb: typeof Handlebars): void {
  // Handlebars passes its options object last; these helpers take only the values before it.
  const values = (args: unknown[]) => args.slice(0, -1);
  hb.registerHelper('gt', (a: number, b: number) => a > b);
  hb.registerHelper('add', (a: number, b: number) => a + b);
  hb.registerHelper('or', (...args: unknown[]) => values(args).some(Boolean));
  hb.registerHelper('concat', (...args: unknown[]) => values(args).join(''));
  hb.registerHelper('join', (items: unknown[], separator: unknown) => (items ?? []).join(typeof separator === 'string' ? separator : ', '));
  hb.registerHelper('pluck', (items: Record<string, unknown>[], key: string) => (items ?? []).map((i) => i[key]));
  hb.registerHelper('first', (items: unknown[], count: number) => (items ?? []).slice(0, count));
  hb.registerHelper('pad', (n: number) => ' '.repeat(String(n).length + 2));
  hb.registerHelper('rule', () => '-'.repeat(TEXT_WIDTH));
  hb.registerHelper('inEmail', (anchor: string, papers: { anchor: string }[]) => (papers ?? []).some((p) => p.anchor === anchor));
  hb.registerHelper('wrap', (...args: unknown[]) => {
    const [text, indent, hang, bullet] = values(args);
    return wrapText(String(text ?? ''), indentOf(indent), indentOf(hang), indentOf(bullet));
  });
  hb.registerHelper('md', (text: unknown) => markdownText(String(text ?? '')));
  hb.registerHelper('mdCell', (text: unknown) => markdownText(String(text ?? '')).replaceAll('|', '\\|'));
}

async function readSource(dir: string, name: string): Promise<string> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (error) {
    throw new PaperboyError(`${join(dir, name)}: cannot read the template`, { cause: error });
  }
}

/**
 * What Handlebars said about a template, as an error that names its file: the parser's message
 * and line ("Parse error on line 3: … Expecting 'CLOSE', got 'EOF'"), a compiler's with its place
 * ("each doesn't match if - 4:2"), or a runtime one, whose line is found from the helper or
 * partial it names. An error a partial raised already names the partial, and is passed on as it is.
 */
function templateError(path: string, source: string, error: unknown): TemplateError {
  if (error instanceof TemplateError) return error;
  const message = (error as Error).message ?? String(error);
  const parse = /^Parse error on line (\d+):\n(?:.*\n){2}([\s\S]*)$/.exec(message);
  if (parse) return new TemplateError(path, Number(parse[1]), `parse error: ${(parse[2] ?? '').replaceAll('\n', ' ')}`, { cause: error });
  const first = (message.split('\n')[0] ?? message).replace(/ - \d+:\d+$/, '');
  const given = (error as { lineNumber?: unknown }).lineNumber;
  return new TemplateError(path, typeof given === 'number' ? given : lineNamed(source, first), first, { cause: error });
}

// The first line that calls the helper or partial a runtime error names, if one does.
function lineNamed(source: string, message: string): number | undefined {
  const name = /^Missing helper: "([^"]+)"|^The partial (\S+) could not be found/.exec(message);
  const wanted = name?.[1] ?? name?.[2];
  if (wanted === undefined) return undefined;
  const escaped = wanted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const call = name?.[1] !== undefined ? new RegExp(`\\{\\{~?[#{]?\\s*${escaped}[\\s}~]`) : new RegExp(`\\{\\{~?#?>\\s*${escaped}[\\s}~]`);
  const index = source.split('\n').findIndex((line) => call.test(line));
  return index === -1 ? undefined : index + 1;
}

function compile(hb: typeof Handlebars, source: string, path: string, noEscape: boolean): Template {
  try {
    const template = hb.compile(source, { noEscape, strict: false, preventIndent: true });
    template({});
    return (view) => {
      try {
        return template(view);
      } catch (error) {
        throw templateError(path, source, error);
      }
    };
  } catch (error) {
    throw templateError(path, source, error);
  }
}

// A partial compiled at once (a syntax error is its own, not its parent's) and wrapped so that an
// error while it renders names it too.
function partial(hb: typeof Handlebars, source: string, path: string, noEscape: boolean): Handlebars.TemplateDelegate {
  let template: Handlebars.TemplateDelegate;
  try {
    hb.precompile(source, { noEscape, preventIndent: true });
    template = hb.compile(source, { noEscape, preventIndent: true });
  } catch (error) {
    throw templateError(path, source, error);
  }
  return (context, options) => {
    try {
      return template(context, options);
    } catch (error) {
      throw templateError(path, source, error);
    }
  };
}

/**
 * Reads and compiles the templates in `dir` (with `partials/`); a broken template names its file.
 * When the sources are those `previous` was compiled from, `previous` is returned as it is.
 */
export async function loadTemplates(dir: string, previous?: Templates): Promise<Templates> {
  const partialDir = join(dir, 'partials');
  const partialNames = (await readdir(partialDir).catch(() => [] as string[])).filter((n) => n.endsWith('.hbs')).sort();
  const partials = await Promise.all(partialNames.map(async (name) => [name, await readSource(partialDir, name)] as const));
  const sources = await Promise.all(
    (Object.entries(FILES) as [keyof typeof FILES, string][]).map(async ([key, name]) => [key, name, await readSource(dir, name)] as const),
  );
  const css = await readSource(dir, 'site.css');
  const searchScript = await readSource(dir, 'search.js');
  const faviconSvg = await readSource(dir, 'favicon.svg');
  const faviconIco = await readFile(join(dir, 'favicon.ico')).catch((error: unknown) => {
    throw new PaperboyError(`${join(dir, 'favicon.ico')}: cannot read the icon`, { cause: error });
  });
  const hash = createHash('sha256');
  for (const [name, source] of partials) hash.update(`partials/${name}\0${source}\0`);
  for (const [, name, source] of sources) hash.update(`${name}\0${source}\0`);
  hash.update(`site.css\0${css}\0search.js\0${searchScript}\0favicon.svg\0${faviconSvg}\0favicon.ico\0`).update(faviconIco);
  const digest = hash.digest('hex');
  if (previous?.hash === digest) return previous;

  // The template engine is loaded by the first compile: a command that renders nothing goes without it.
  const hb = (await import('handlebars')).default.create();
  helpers(hb);
  for (const [name, source] of partials) {
    // Registered compiled: a partial registered as text is compiled again on every render.
    // Partials named text-… feed the plain-text and Markdown templates, and are not HTML-escaped.
    hb.registerPartial(basename(name, '.hbs'), partial(hb, source, join(partialDir, name), name.startsWith('text-')));
  }
  const compiled: Partial<Record<keyof typeof FILES, Template>> = {};
  for (const [key, name, source] of sources) compiled[key] = compile(hb, source, join(dir, name), UNESCAPED.has(key));
  return { ...(compiled as Record<keyof typeof FILES, Template>), css, searchScript, faviconSvg, faviconIco, hash: digest, dir };
}

/** Where the templates come from: compiled once, compiled again only after a template changed. */
export type TemplateSource = () => Promise<Templates>;

// The templates last compiled from each folder: every source of a folder, in every app and build
// the process opens, starts from them, and compiles them again only after a template changed.
const newest = new Map<string, Templates>();

/** The templates of `dir`, as a source that every part of the program can share. */
export function templateSource(dir: string): TemplateSource {
  return async () => {
    const compiled = await loadTemplates(dir, newest.get(dir));
    newest.set(dir, compiled);
    return compiled;
  };
}
