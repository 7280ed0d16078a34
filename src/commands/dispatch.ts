import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBuilder, earlierIssues, emailDigest, type Builder } from '../build/build.ts';
import type { Config } from '../config.ts';
import { findDigests, isIsoDate, loadDigest, type Digest } from '../digest/index.ts';
import { createMessageMaker, dispatchIssue, type DispatchContext, type DispatchSummary, type IssueToSend } from '../deliver/dispatch.ts';
import { Ledger } from '../deliver/ledger.ts';
import { Publications } from '../deliver/publications.ts';
import { createProgress } from '../deliver/progress.ts';
import { fileTransport, smtpTransport, type Transport } from '../deliver/transport.ts';
import { PaperboyError, UsageError } from '../errors.ts';
import { renderEmail } from '../render/email.ts';
import { loadTemplates } from '../render/_templates.ts';
import { issueView } from '../render/_view.ts';
import { openDatabase } from '../subscribers/db.ts';
import { addressProblem } from '../subscribers/email-address.ts';
import { loadSecret } from '../subscribers/secret.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import { buildSettings } from './build.ts';
import { plural, type Output } from './_output.ts';

/** What `dispatch` takes on the command line. */
export interface DispatchFlags {
  date?: string;
  dryRun?: boolean;
  to?: string;
  force?: boolean;
}

/** The transport the settings ask for: SMTP when PAPERBOY_SMTP_URL is set, else `.eml` files in out/outbox/. */
export function transportFor(config: Config, dryRun = false): Transport {
  if (config.smtpUrl === undefined || dryRun) return fileTransport(join(config.outDir, 'outbox'));
  return smtpTransport(config.smtpUrl, { connections: config.smtpConnections, rate: config.smtpRate });
}

/** Builds an issue (with `builder`, or a new one) and loads what mailing it needs: the model and the email as built. */
export async function loadIssue(config: Config, root: string, date: string, builder: Builder = createBuilder(buildSettings(config, root))): Promise<IssueToSend> {
  await builder.build({ date });
  const files = await findDigests(config.digestsDir);
  const index = files.findIndex((d) => d.date === date);
  if (index === -1) throw new PaperboyError(`no digest for ${date} in ${config.digestsDir}`);
  const [html, text] = await Promise.all([
    readFile(join(config.outDir, 'email', `${date}.html`), 'utf8'),
    readFile(join(config.outDir, 'email', `${date}.txt`), 'utf8'),
  ]);
  if (config.repeats !== 'omit') return { digest: await loadDigest((files[index] as { path: string }).path), html, text };
  const digests = await Promise.all(files.slice(0, index + 1).map((f) => loadDigest(f.path)));
  const earlier = earlierIssues(digests).at(-1) ?? new Map<string, string>();
  return { digest: emailDigest(digests.at(-1) as Digest, earlier, 'omit'), html, text };
}

/** How old a digest is past its day, and whether that is too old to mail. */
export function lateness(config: Config, date: string, now: Date = new Date()): { late: boolean; days: number } {
  const age = now.getTime() - Date.parse(`${date}T00:00:00Z`);
  return { late: age > config.maxLatenessMs, days: Math.floor(age / 86_400_000) };
}

/** The dispatch context of the settings, around an open database. */
export function dispatchContext(config: Config, root: string, db: DispatchContext['db'], transport: Transport): DispatchContext {
  const settings = buildSettings(config, root);
  const templates = loadTemplates(settings.templatesDir);
  return {
    db,
    store: new SubscriberStore(db),
    transport,
    secret: loadSecret(config.dataDir, config.secret),
    site: settings.site,
    from: config.from,
    parallel: config.smtpUrl === undefined ? 8 : config.smtpConnections * 2,
    retry: { attempts: config.smtpAttempts, delayMs: config.smtpRetryMs },
    renderVariant: async (digest) => renderEmail(issueView(digest, settings.site), await templates),
  };
}

/** One line that says what a dispatch did. */
export function describeDispatch(s: DispatchSummary): string {
  const rate = s.seconds > 0 ? s.sent / s.seconds : 0;
  return (
    `${s.issue}${s.round > 0 ? ` (round ${s.round})` : ''}: ${s.sent} sent, ${s.skipped} skipped, ${s.failed} failed` +
    `${s.queued > 0 ? `, ${s.queued} still queued` : ''} in ${s.seconds.toFixed(1)} s (${rate.toFixed(0)} messages a second)`
  );
}

async function newestDate(config: Config): Promise<string> {
  const newest = (await findDigests(config.digestsDir)).at(-1);
  if (!newest) throw new PaperboyError(`no digests in ${config.digestsDir}: nothing to send`);
  return newest.date;
}

/** `paperboy dispatch [--date D] [--dry-run] [--to ADDR] [--force]`. */
export async function dispatchCommand(config: Config, root: string, flags: DispatchFlags, output: Output): Promise<number> {
  if (flags.date !== undefined && !isIsoDate(flags.date)) throw new UsageError(`--date takes YYYY-MM-DD, not "${flags.date}"`);
  if (flags.to !== undefined) {
    const problem = addressProblem(flags.to);
    if (problem) throw new UsageError(`--to ${flags.to}: the address ${problem}`);
  }
  const date = flags.date ?? (await newestDate(config));
  const db = openDatabase(config.dataDir);
  const transport = transportFor(config, flags.dryRun);
  try {
    const ledger = new Ledger(db);
    const latest = ledger.latestRound(date);
    if (flags.to === undefined && !flags.dryRun && !flags.force && latest?.status === 'done') {
      output.out(`${date} was already sent (${latest.sent} sent, finished ${latest.finishedAt}); --force sends it again`);
      return 0;
    }
    const issue = await loadIssue(config, root, date);
    const ctx = dispatchContext(config, root, db, transport);
    const real = flags.to === undefined && !flags.dryRun;
    if (real && issue.digest.papers.length === 0) {
      new Publications(db).record(date, false, 'empty digest: archived and in the feeds, not mailed');
      output.out(`${date} has no papers: it is on the web and in the feeds, and is not mailed`);
      return 0;
    }
    const age = lateness(config, date);
    if (real && age.late && !flags.force) {
      output.err(`${date} is ${age.days} days old (PAPERBOY_MAX_LATENESS is ${config.maxLateness}): it is on the web, not mailed; --force mails it anyway`);
      return 1;
    }

    if (flags.to !== undefined) {
      const make = createMessageMaker(issue, ctx, 0);
      const message = await make({ id: 0, email: flags.to, topics: [] });
      if ('skip' in message) throw new PaperboyError(`${date}: ${message.skip}`);
      const test = { ...message, messageId: message.messageId.replace('.0.0@', `.test-${Date.now()}@`) };
      const reply = await transport.send(test);
      output.out(`test copy of ${date} sent to ${flags.to} through ${transport.name}: ${reply}`);
      return 0;
    }

    if (flags.dryRun) {
      const make = createMessageMaker(issue, ctx, latest?.round ?? 0);
      let written = 0;
      let skipped = 0;
      for (const subscriber of ctx.store.list('confirmed')) {
        if (subscriber.cadence !== 'daily') continue;
        const message = await make(subscriber);
        if ('skip' in message) skipped++;
        else {
          await transport.send(message);
          written++;
        }
      }
      output.out(`dry run of ${date}: ${plural(written, 'message')} written to ${join(config.outDir, 'outbox')}, ${skipped} subscribers would get none`);
      return 0;
    }

    const summary = await dispatchIssue(issue, { ...ctx, progress: createProgress(process.stderr, `dispatch ${date}`) }, { force: flags.force ?? false });
    output.out(describeDispatch(summary));
    if (summary.stopped === undefined) new Publications(db).record(date, true, describeDispatch(summary));
    if (summary.stopped !== undefined) {
      output.err(`${date}: stopped: ${summary.stopped}; run dispatch again to resume, nothing sent is sent twice`);
      return 1;
    }
    return 0;
  } finally {
    await transport.close();
    db.close();
  }
}
