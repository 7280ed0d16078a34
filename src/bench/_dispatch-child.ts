// One side of the delivery benchmark, in a process of its own so that its peak memory is its own:
// `ours` dispatches through paperboy; `plain` has nodemailer build every message itself. With
// `-signed`, each message is DKIM-signed with the RSA key given: by paperboy's signer, or by
// nodemailer's own `dkim` option.
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { senderOf } from '../config.ts';
import { openDatabase, sqliteSql } from '../db/index.ts';
import { createDkimSigner, dispatchIssue, signingTransport, smtpTransport } from '../deliver/index.ts';
import { readSigningKeys } from '../deliverability/index.ts';
import { openLedger } from '../ledger/index.ts';
import { PLACEHOLDERS } from '../render/index.ts';
import type { IssueToSend } from '../site/index.ts';
import { linkTo, SubscriberStore } from '../subscribers/index.ts';

const [mode, dataDir, renderedPath, port, connections, keyPath] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
];
const signed = mode.endsWith('-signed');
if (signed && keyPath === undefined) throw new Error(`${mode} needs a key file`);
const url = `smtp://127.0.0.1:${port}`;
// The issue as the builder handed it over (rendered by the parent); these subscribers want every paper.
const rendered = JSON.parse(readFileSync(renderedPath, 'utf8')) as Omit<IssueToSend, 'renderVariant'>;
const issue: IssueToSend = { ...rendered, renderVariant: () => Promise.reject(new Error('the benchmark has no topic subscribers')) };
const date = issue.id;
const { digest } = issue;
const { html, text } = issue.email;
const sql = sqliteSql(openDatabase(dataDir));
const site = { url: 'https://papers.example.org', title: 'Daily Papers', language: 'en' };
const started = performance.now();
const cpuAtStart = process.cpuUsage();
let sent = 0;

if (mode.startsWith('ours')) {
  const smtp = smtpTransport(url, { connections: Number(connections), rate: 0 });
  const keys = signed ? readSigningKeys({ keys: [{ path: keyPath as string, selector: 'bench' }], domain: 'example.org' }, 'paperboy') : [];
  const transport = signed ? signingTransport(smtp, createDkimSigner(keys)) : smtp;
  const summary = await dispatchIssue(issue, {
    // Alone on its SQLite file, as `paperboy dispatch` sends.
    claiming: {
      shared: false,
      lease: { owner: `bench/${process.pid}`, leaseMs: 30_000, heartbeatMs: 10_000 },
      fingerprint: async () => '',
      sends: true,
      rates: [],
    },
    ledger: openLedger(sql),
    store: new SubscriberStore(sql),
    transport,
    secret: 'bench-secret-0123456789',
    site,
    sender: senderOf('Daily Papers <papers@example.org>'),
    parallel: Number(connections) * 2,
    retry: { attempts: 3, delayMs: 100 },
    now: () => new Date(),
  });
  await transport.close();
  sent = summary.sent;
} else {
  // The plain approach: nodemailer composes the whole MIME message for every subscriber.
  const dkim = signed
    ? { dkim: { domainName: 'example.org', keySelector: 'bench', privateKey: readFileSync(keyPath as string, 'utf8') } }
    : {};
  const transporter = nodemailer.createTransport({
    url,
    pool: true as const,
    maxConnections: Number(connections),
    maxMessages: Infinity,
    ...dkim,
  });
  const store = new SubscriberStore(sql);
  const inFlight = new Set<Promise<unknown>>();
  for await (const subscriber of store.list('confirmed')) {
    while (inFlight.size >= Number(connections) * 2) await Promise.race(inFlight);
    const unsubscribeUrl = linkTo(site, 'unsubscribe', `u${subscriber.id}`);
    const fill = (s: string) =>
      s
        .replaceAll(PLACEHOLDERS.recipient, subscriber.email)
        .replaceAll(PLACEHOLDERS.unsubscribeUrl, unsubscribeUrl)
        .replaceAll(PLACEHOLDERS.preferencesUrl, linkTo(site, 'preferences', `p${subscriber.id}`));
    const job = transporter
      .sendMail({
        from: 'Daily Papers <papers@example.org>',
        to: subscriber.email,
        subject: `${date} · ${digest.papers.length} papers`,
        text: fill(text),
        html: fill(html),
        messageId: `<plain.${date}.${subscriber.id}@example.org>`,
        list: { unsubscribe: { url: unsubscribeUrl, comment: 'Unsubscribe' }, id: { url: 'papers.example.org', comment: 'Daily Papers' } },
        headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      })
      .then(() => sent++)
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
  }
  await Promise.all(inFlight);
  transporter.close();
}
const seconds = (performance.now() - started) / 1000;
// Processor time of every thread of this process (the signing pool's too), so a busy machine shows.
const cpu = process.cpuUsage(cpuAtStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
(globalThis as { gc?: () => void }).gc?.();
process.stdout.write(
  `${JSON.stringify({
    mode,
    sent,
    seconds,
    cpuMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    heapMb: process.memoryUsage().heapUsed / 1048576,
    externalMb: process.memoryUsage().external / 1048576,
  })}\n`,
);
await sql.close();
