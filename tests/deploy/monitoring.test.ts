import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import parsePrometheus, { type MetricFamily } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { dispatchIssue } from '../../src/deliver/index.ts';
import { addConfirmed, fixtureIssue } from '../helpers/dispatch.ts';
import { root } from '../helpers/paths.ts';
import { has, PROMTOOL } from '../helpers/peers.ts';
import { startWeb } from '../helpers/web.ts';

const DASHBOARD = join(root, 'deploy', 'grafana', 'paperboy.json');
const RULES = join(root, 'deploy', 'prometheus', 'paperboy-rules.yml');
const RULE_TESTS = join(root, 'tests', 'deploy', 'paperboy-rules.test.yml');

interface Target {
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  fieldConfig?: { defaults?: { thresholds?: { steps: { value: number | null }[] } } };
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  title: string;
  __inputs?: { name: string; type: string; pluginId: string }[];
  panels: Panel[];
  templating?: { list: { name: string; query: unknown; datasource?: { uid?: string } }[] };
}
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}

const dashboard = async () => JSON.parse(await readFile(DASHBOARD, 'utf8')) as Dashboard;
const rules = async () => (load(await readFile(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const queries = (d: Dashboard) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/**
 * The metric names a PromQL expression reads: identifiers starting `paperboy_`, once string
 * literals (label values, which may look like names) and comments are taken out.
 */
function metricNames(expr: string): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""').replace(/#[^\n]*/g, '');
  return [...new Set([...bare.matchAll(/(?<![\w:$])paperboy_[A-Za-z0-9_:]*/g)].map((m) => m[0]))];
}

// Whether a name is a family /metrics exports with at least one sample; `_bucket`, `_sum` and `_count` only of a histogram or summary.
function exported(name: string, families: MetricFamily[]): boolean {
  const sampled = (f: MetricFamily | undefined) => f !== undefined && f.metrics.length > 0;
  if (sampled(families.find((f) => f.name === name))) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const base = families.find((f) => f.name === m[1]);
  return sampled(base) && (base?.type === 'HISTOGRAM' || (base?.type === 'SUMMARY' && m[2] !== 'bucket'));
}

describe('reading metric names out of PromQL', () => {
  it('finds the names a query reads, not label values, label names, functions or Grafana variables', () => {
    expect(
      metricNames(
        'sum by (issue) (paperboy_issue_bounces{job=~"paperboy_web", note=\'paperboy_x\'}) / ignoring(status) ' +
          'rate(paperboy_http_request_seconds_bucket[$__rate_interval]) > on() paperboy_a:b # paperboy_comment\n + $paperboy_var',
      ),
    ).toEqual(['paperboy_issue_bounces', 'paperboy_http_request_seconds_bucket', 'paperboy_a:b']);
  });

  it('takes _bucket, _sum and _count only of a histogram', () => {
    const families = [
      { name: 'paperboy_seconds', help: '', type: 'HISTOGRAM', metrics: [{ buckets: {}, count: '1', sum: '1' }] },
      { name: 'paperboy_things', help: '', type: 'GAUGE', metrics: [{ value: '1' }] },
    ] satisfies MetricFamily[];
    expect(exported('paperboy_seconds_bucket', families)).toBe(true);
    expect(exported('paperboy_seconds_count', families)).toBe(true);
    expect(exported('paperboy_things_count', families)).toBe(false);
    expect(exported('paperboy_nothing', families)).toBe(false);
  });
});

describe('the dashboard and the alerts', () => {
  it('read only metrics a live /metrics exports, each with a sample', async () => {
    const token = 'a-metrics-token-of-enough-length';
    const web = await startWeb({ metricsToken: token });
    try {
      // A list, an issue dispatched, a bounce and a complaint after it, a round left unfinished, a publication, an inbound message.
      await addConfirmed(web.store, 3);
      await dispatchIssue(await fixtureIssue(), web.app.dispatchContext(web.app.outbox()));
      await web.store.recordBounce(1, 'hard', 'test: 550 no such user');
      await web.store.recordEvent(2, 'complaint', 'test: abuse report');
      await web.app.ledger.rounds.open('2031-02-04', 0, 'daily');
      await web.app.ledger.publications.record('2031-02-03', true, 'test');
      web.app.metrics.inbound('hard bounce');
      const response = await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const families = parsePrometheus(await response.text());
      const used = new Set([...queries(await dashboard()), ...(await rules()).map((r) => r.expr)].flatMap(metricNames));
      // Not a vacuous check: the names the alerts stand on are among them.
      const needed = ['paperboy_issue_bounces', 'paperboy_issue_complaints', 'paperboy_dispatch_queued', 'paperboy_inbound_set_aside'];
      for (const name of [...needed, 'paperboy_publication_due_timestamp_seconds']) expect(used).toContain(name);
      expect([...used].filter((name) => !exported(name, families))).toEqual([]);
    } finally {
      await web.close();
    }
  });

  it('the dashboard imports into Grafana: a Prometheus data source asked for on import, and the panels the operator needs', async () => {
    const d = await dashboard();
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(d.uid).toBe('paperboy');
    expect(d.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of d.panels) {
      expect(panel.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
    for (const variable of d.templating?.list ?? []) expect(variable.datasource?.uid).toBe('${DS_PROMETHEUS}');
    const titles = d.panels.map((p) => p.title);
    const needed = ['Subscribers by status', 'Sends per issue', 'Send rate', 'Bounce and complaint rates per issue', 'Inbound outcomes'];
    for (const title of [...needed, 'Time since the last publication']) expect(titles).toContain(title);
    // The complaint rates are drawn against the 0.1 % and 0.3 % lines.
    for (const title of ['Bounce and complaint rates per issue', 'Complaint rate, recent dispatches']) {
      const steps = d.panels.find((p) => p.title === title)?.fieldConfig?.defaults?.thresholds?.steps.map((s) => s.value);
      expect(steps, title).toEqual([null, 0.001, 0.003]);
    }
  });

  it('every alert has a unit test where it fires and one where it stays quiet', async () => {
    const alerts = (await rules()).flatMap((r) => (r.alert ? [r.alert] : []));
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    const file = load(await readFile(RULE_TESTS, 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] };
    const cases = file.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      const of = cases.filter((c) => c.alertname === alert);
      expect(
        of.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert} fires in a test`,
      ).toBe(true);
      expect(
        of.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert} stays quiet in a test`,
      ).toBe(true);
    }
  });

  it.runIf(has('promtool'))('promtool accepts the rules and their unit tests pass', () => {
    const check = spawnSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(check.status).toBe(0);
    const test = spawnSync(PROMTOOL, ['test', 'rules', RULE_TESTS], { encoding: 'utf8' });
    expect(test.stdout + test.stderr).toMatch(/SUCCESS/);
    expect(test.status).toBe(0);
  });

  it.runIf(has('promtool'))('every query of the dashboard is PromQL promtool accepts', async () => {
    // Grafana's variables stand for a regex and a range; as recording rules, promtool parses each query.
    const exprs = queries(await dashboard()).map((q) => q.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.*'));
    const file = join(await mkdtemp(join(tmpdir(), 'paperboy-dashboard-')), 'queries.yml');
    const lines = exprs.flatMap((expr, i) => [`      - record: dashboard:query_${i}`, `        expr: ${JSON.stringify(expr)}`]);
    await writeFile(file, ['groups:', '  - name: dashboard', '    rules:', ...lines, ''].join('\n'));
    const check = spawnSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(check.status).toBe(0);
  });
});
