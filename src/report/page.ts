import { createHash } from 'node:crypto';
import { COMPLAINT_RATE_CEILING, COMPLAINT_RATE_LIMIT } from '../deliverability/index.ts';
import { escapeHtml } from '../render/index.ts';
import { barChart, lineChart } from './_charts.ts';
import type { IssueFigures, ReportData } from './collect.ts';

// Colours that stay apart for colour-blind readers (Okabe and Ito), lighter on a dark page; lines also differ by dash.
const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1b1f; --muted: #4a4a55; --grid: #d9d9e0; --limit: #b3261e;
  --s0: #0072b2; --s1: #d55e00; --s2: #8a6d00; --s3: #007a5a; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16161a; --fg: #ececf1; --muted: #b4b4c0; --grid: #3a3a44; --limit: #ff8a80;
    --s0: #6cc0f5; --s1: #ff9a5c; --s2: #f0c24b; --s3: #3dd6a3; }
}
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 760px; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; } h2 { font-size: 1.2rem; margin: 32px 0 8px; }
p.lead { color: var(--muted); margin: 0 0 16px; }
figure { margin: 0; } svg { width: 100%; height: auto; display: block; }
.grid { stroke: var(--grid); stroke-width: 1; } .axis { stroke: var(--muted); stroke-width: 1; }
.tick { fill: var(--muted); font-size: 12px; } .limit { stroke: var(--limit); stroke-width: 1.5; stroke-dasharray: 5 4; }
.limit-name { fill: var(--limit); font-size: 12px; }
polyline.s0, polyline.s1, polyline.s2, polyline.s3, line.s0, line.s1, line.s2, line.s3 { stroke-width: 2.5; }
.s0 { stroke: var(--s0); } .s1 { stroke: var(--s1); } .s2 { stroke: var(--s2); } .s3 { stroke: var(--s3); }
rect.s0 { fill: var(--s0); } rect.s1 { fill: var(--s1); } rect.s2 { fill: var(--s2); } rect.s3 { fill: var(--s3); }
ul.legend { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 4px 20px; font-size: 0.9rem; }
ul.legend li { display: flex; align-items: center; gap: 6px; } svg.key { width: 24px; height: 10px; display: inline; }
details { margin: 4px 0 8px; } summary { cursor: pointer; color: var(--fg); }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--grid); padding: 2px 10px; text-align: right; }
th[scope="row"], thead th:first-child { text-align: left; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 32px; }
`;

const STATUSES = ['confirmed', 'pending', 'unsubscribed', 'bounced'] as const;

const whole = (n: number) => Math.round(n).toLocaleString('en');
const percent = (rate: number) => `${Number((rate * 100).toFixed(2))} %`;

// How an issue's round is named along the x axis and in the tables.
function issueLabel(issue: IssueFigures): string {
  return issue.round === 0 ? issue.issue : `${issue.issue} (${issue.round + 1})`;
}

function dispatchSections(issues: readonly IssueFigures[]): string {
  const labels = issues.map(issueLabel);
  const delivered = barChart({
    id: 'delivered',
    title: 'Messages delivered per issue',
    desc: `Messages the relay took for each of the ${issues.length} dispatches.`,
    labelName: 'Issue',
    labels,
    series: [{ name: 'Delivered', values: issues.map((i) => i.delivered) }],
    format: whole,
  });
  const after = barChart({
    id: 'after',
    title: 'What came back after each issue',
    desc:
      'Bounce reports, spam complaints and unsubscriptions after each dispatch, ' +
      'each counted for the last message sent to that reader before it.',
    labelName: 'Issue',
    labels,
    series: [
      { name: 'Bounced', values: issues.map((i) => i.bounced) },
      { name: 'Complained', values: issues.map((i) => i.complained) },
      { name: 'Unsubscribed after', values: issues.map((i) => i.unsubscribed) },
    ],
    format: whole,
  });
  const duration = barChart({
    id: 'duration',
    title: 'How long each dispatch took',
    desc: 'Seconds from the start to the end of each dispatch.',
    labelName: 'Issue',
    labels,
    series: [{ name: 'Seconds', values: issues.map((i) => i.seconds) }],
    format: (s) => `${Number(s.toFixed(1))} s`,
  });
  const rate = barChart({
    id: 'rate',
    title: 'Send rate of each dispatch',
    desc: 'Messages delivered a second during each dispatch.',
    labelName: 'Issue',
    labels,
    series: [{ name: 'Messages a second', values: issues.map((i) => i.rate) }],
    format: (r) => `${Number(r.toFixed(1))}/s`,
  });
  const complaints = barChart({
    id: 'complaints',
    title: 'Complaint rate of each issue',
    desc:
      `Spam complaints over messages delivered, per issue, against the ${percent(COMPLAINT_RATE_LIMIT)} rate the large mailbox ` +
      `providers ask senders to stay under and the ${percent(COMPLAINT_RATE_CEILING)} they must never reach.`,
    labelName: 'Issue',
    labels,
    series: [{ name: 'Complaint rate', values: issues.map((i) => i.complaintRate) }],
    format: percent,
    lines: [
      { value: COMPLAINT_RATE_LIMIT, name: `${percent(COMPLAINT_RATE_LIMIT)}: keep under` },
      { value: COMPLAINT_RATE_CEILING, name: `${percent(COMPLAINT_RATE_CEILING)}: never reach` },
    ],
  });
  return (
    `<section aria-labelledby="h-issues"><h2 id="h-issues">Issues</h2>${delivered}${after}</section>` +
    `<section aria-labelledby="h-speed"><h2 id="h-speed">Dispatch duration and rate</h2>${duration}${rate}</section>` +
    `<section aria-labelledby="h-complaints"><h2 id="h-complaints">Complaint rate</h2>${complaints}</section>`
  );
}

/**
 * The content security policy the page is served under: its own inline style (by hash) and the
 * pictures inside it, nothing else, no script.
 */
export const REPORT_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The report as one self-contained HTML page: inline SVG charts with their figures as tables, no script, nothing fetched. */
export function renderReport(data: ReportData): string {
  const first = data.days[0] ?? '';
  const last = data.days.at(-1) ?? '';
  const now = data.subscribers.at(-1);
  const lastDay = now ? `; on the last day ${STATUSES.map((s) => `${whole(now[s])} ${s}`).join(', ')}` : '';
  const list = lineChart({
    id: 'subscribers',
    title: 'Subscribers by status',
    desc: `Subscribers at the end of each day from ${first} to ${last}, by status${lastDay}.`,
    labelName: 'Day',
    labels: data.days,
    series: STATUSES.map((status) => ({
      name: status.charAt(0).toUpperCase() + status.slice(1),
      values: data.subscribers.map((counts) => counts[status]),
    })),
    format: whole,
  });
  const issues =
    data.issues.length === 0
      ? '<section aria-labelledby="h-issues"><h2 id="h-issues">Issues</h2><p>No dispatch in these days.</p></section>'
      : dispatchSections(data.issues);
  const delivered = whole(data.issues.reduce((sum, i) => sum + i.delivered, 0));
  const dispatches = data.issues.length === 1 ? '1 dispatch' : `${data.issues.length} dispatches`;
  const title = `${data.title}: report from ${first} to ${last}`;
  return `<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(data.title)}: the last ${data.days.length} days</h1>
<p class="lead">From ${first} to ${last} (UTC): ${dispatches}, ${delivered} messages delivered.</p>
<section aria-labelledby="h-list"><h2 id="h-list">The list</h2>${list}</section>
${issues}
<footer>Made by paperboy at ${escapeHtml(data.madeAt.slice(0, 16).replace('T', ' '))} UTC. Counts only: no address is in this page.</footer>
</main>
</body>
</html>
`;
}
