import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import * as YAML from 'yaml';
import { AlertSeverity, PrometheusConfig, RavenAlertRules, RavenPrometheus } from '../../src';
import { upstreamProgram } from '../support/upstream';
import { operatorRuleFile } from './support/prometheus-rules';

/**
 * promtool 3.x (built from the pinned Prometheus module) judges the edge alert rules: `check rules`
 * on every rules file the library can write, and `test rules` on each alert over a fleet of edge
 * targets labelled as the library's relabelings label them: whether it fires, whether the others stay
 * quiet, and that it resolves. The rules file is made by prometheus-operator's own code
 * (`prometheus-rules`, a test helper of the toolchain: the operator's PrometheusRuleSelector, which
 * sanitizes the spec for the Prometheus version, marshals it and validates it with Prometheus's rule
 * parser, as it does for the rules ConfigMap of its Prometheus); PrometheusConfig.renderRuleFile,
 * for a Prometheus without the operator, is checked to give the same file.
 *
 * The tests run on a copy of the rules without their annotations: promtool compares annotations
 * exactly, the texts are the unit tests' business, and `check rules` parses their templates here.
 */

const POOL = 'apps_openyurt_io_nodepool';

function ruleManifest(build: (chart: Chart) => void): any {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const chart = new Chart(app, 'edge', { namespace: 'monitoring' });
  build(chart);
  const rules = chart.toJson().filter((m: any) => m.kind === 'PrometheusRule');
  expect(rules).toHaveLength(1);
  return rules[0];
}

function promtool(args: string[], files: { [name: string]: string }): { ok: boolean; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-promtool-'));
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const result = spawnSync(upstreamProgram('promtool'), args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function withoutAnnotations(ruleFile: any): any {
  return { groups: ruleFile.groups.map((g: any) => ({ ...g, rules: g.rules.map(({ annotations, ...rule }: any) => rule) })) };
}

/** The fleet: pools shop-a and shop-b of two nodes, shop-c of one; each node has node-exporter and the kubelet. */
const NODES: Array<[string, string]> = [['a1', 'shop-a'], ['a2', 'shop-a'], ['b1', 'shop-b'], ['b2', 'shop-b'], ['c1', 'shop-c']];
const TARGETS: Array<{ [name: string]: string }> = [
  { job: 'node-exporter', namespace: 'monitoring', service: 'node-exporter-raven' },
  { job: 'kubelet', namespace: 'kube-system', service: 'kubelet-raven', metrics_path: '/metrics' },
];

function seriesName(metric: string, labels: { [name: string]: string }): string {
  return `${metric}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

interface Scenario {
  /** The up values of a node's target, in promtool's expanding notation; healthy by default. */
  up?: (node: string, job: string) => string | undefined;
  /** The scrape durations of a node's target. */
  duration?: (node: string, job: string) => string | undefined;
  checks: Array<{ at: string; alert: string; expect: Array<{ [name: string]: string }> }>;
}

const HEALTHY = '1x70';

function testFile(scenario: Scenario): string {
  const input = NODES.flatMap(([node, pool]) => TARGETS.flatMap((t) => {
    const labels = { ...t, node, [POOL]: pool, scrape_via: 'raven' };
    return [
      { series: seriesName('up', labels), values: scenario.up?.(node, t.job) ?? HEALTHY },
      { series: seriesName('scrape_duration_seconds', labels), values: scenario.duration?.(node, t.job) ?? '0.2x70' },
    ];
  }));
  // Targets of Prometheus that are not the library's: one down for good, one up; the rules never look at them.
  input.push({ series: 'up{job="apiserver", instance="10.0.0.1:6443"}', values: '1x70' });
  input.push({ series: 'up{job="legacy", instance="10.0.0.9:9100"}', values: '0x70' });
  return YAML.stringify({
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: [{
      interval: '1m',
      input_series: input,
      alert_rule_test: scenario.checks.map((c) => ({
        eval_time: c.at,
        alertname: c.alert,
        exp_alerts: c.expect.map((labels) => ({ exp_labels: labels })),
      })),
    }],
  });
}

function runScenario(ruleFile: any, scenario: Scenario): { ok: boolean; output: string } {
  return promtool(['test', 'rules', 'test.yaml'], { 'rules.yaml': YAML.stringify(withoutAnnotations(ruleFile)), 'test.yaml': testFile(scenario) });
}

const ALL = ['RavenEdgeTunnelDown', 'RavenEdgeNodePoolUnreachable', 'RavenEdgeNodeUnreachable', 'RavenEdgeExporterDown', 'RavenEdgeScrapeSlow'];
/** No alert of the list fires at `at`. */
const quiet = (at: string, alerts: string[] = ALL) => alerts.map((alert) => ({ at, alert, expect: [] }));

describe('promtool checks every rules file the library writes', () => {
  const files: Array<[string, any]> = [
    ['RavenPrometheus defaults', ruleManifest((c) => new RavenPrometheus(c, 'raven', { release: 'kps', extraScrapes: [{ name: 'dcgm-exporter-raven', port: 9400 }] }))],
    ['without node labels (no pool alert)', ruleManifest((c) => new RavenPrometheus(c, 'raven', { keepNodeLabels: false }))],
    ['every option set', ruleManifest((c) => new RavenAlertRules(c, 'alerts', {
      targetLabels: { scrape_via: 'raven', site: 'x' },
      nodePoolLabel: 'pool',
      nodePoolMinNodes: 1,
      nodeDownFor: Duration.hours(2),
      nodeSeverity: AlertSeverity.WARNING,
      scrapeTimeout: Duration.millis(2500),
      slowScrapeRatio: 0.75,
      alertLabels: { team: 'edge' },
    }))],
  ];

  test.each(files)('%s: the operator accepts it, its rules file is renderRuleFile\'s, promtool checks it', (_, manifest) => {
    const operator = operatorRuleFile(manifest);
    expect(operator).toMatchObject({ ok: true });
    expect(operator.file).toEqual(PrometheusConfig.renderRuleFile(manifest));
    const result = promtool(['check', 'rules', '--lint=all', 'rules.yaml'], { 'rules.yaml': YAML.stringify(operator.file) });
    expect(result).toEqual({ ok: true, output: expect.stringMatching(/SUCCESS: \d+ rules found/) });
  });

  test('the operator refuses a PrometheusRule whose expression does not parse, so the check above can fail', () => {
    const manifest = files[0][1];
    const broken = { ...manifest, spec: { groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'max by (node (up)' }] }] } };
    const result = operatorRuleFile(broken);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/refused 1 of 1 PrometheusRules/);
  });

  test('promtool refuses a broken expression, so the check above can fail', () => {
    const broken = { groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'max by (node (up)' }] }] };
    const result = promtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': YAML.stringify(broken) });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/parse error/);
  });
});

describe('promtool test rules: each alert fires on its outage only, and resolves', () => {
  const ruleFile = operatorRuleFile(ruleManifest((c) => new RavenAlertRules(c, 'alerts'))).file;
  const node = (n: string, pool: string) => ({ node: n, [POOL]: pool });

  test('a healthy fleet: nothing fires', () => {
    expect(runScenario(ruleFile, { checks: quiet('60m') })).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('one node down: only the node alert, at info, after 30 minutes; it resolves when the node is back', () => {
    const result = runScenario(ruleFile, {
      up: (n) => (n === 'a1' ? '0x40 1x30' : undefined),
      checks: [
        { at: '25m', alert: 'RavenEdgeNodeUnreachable', expect: [] },
        { at: '35m', alert: 'RavenEdgeNodeUnreachable', expect: [{ alertname: 'RavenEdgeNodeUnreachable', severity: 'info', ...node('a1', 'shop-a') }] },
        ...quiet('35m', ALL.filter((a) => a !== 'RavenEdgeNodeUnreachable')),
        ...quiet('45m'),
      ],
    });
    expect(result).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('one pool down: only the pool alert, never its nodes\' alerts; it resolves', () => {
    const result = runScenario(ruleFile, {
      up: (n) => (n.startsWith('a') ? '0x40 1x30' : undefined),
      checks: [
        { at: '10m', alert: 'RavenEdgeNodePoolUnreachable', expect: [] },
        { at: '20m', alert: 'RavenEdgeNodePoolUnreachable', expect: [{ alertname: 'RavenEdgeNodePoolUnreachable', severity: 'warning', [POOL]: 'shop-a' }] },
        ...quiet('38m', ALL.filter((a) => a !== 'RavenEdgeNodePoolUnreachable')),
        ...quiet('45m'),
      ],
    });
    expect(result).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('a pool of one node down: that is the node\'s outage, not a pool\'s', () => {
    const result = runScenario(ruleFile, {
      up: (n) => (n === 'c1' ? '0x40 1x30' : undefined),
      checks: [
        { at: '35m', alert: 'RavenEdgeNodeUnreachable', expect: [{ alertname: 'RavenEdgeNodeUnreachable', severity: 'info', ...node('c1', 'shop-c') }] },
        { at: '35m', alert: 'RavenEdgeNodePoolUnreachable', expect: [] },
      ],
    });
    expect(result).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('every edge target down: only the tunnel alert, critical, after 5 minutes, whatever the other targets of Prometheus do; it resolves', () => {
    const result = runScenario(ruleFile, {
      up: () => '0x40 1x30',
      checks: [
        { at: '3m', alert: 'RavenEdgeTunnelDown', expect: [] },
        { at: '6m', alert: 'RavenEdgeTunnelDown', expect: [{ alertname: 'RavenEdgeTunnelDown', severity: 'critical' }] },
        ...quiet('38m', ALL.filter((a) => a !== 'RavenEdgeTunnelDown')),
        { at: '38m', alert: 'RavenEdgeTunnelDown', expect: [{ alertname: 'RavenEdgeTunnelDown', severity: 'critical' }] },
        ...quiet('45m'),
      ],
    });
    expect(result).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('an exporter down on a node whose kubelet answers: only the exporter alert, with its job and node', () => {
    const result = runScenario(ruleFile, {
      up: (n, job) => (n === 'b1' && job === 'node-exporter' ? '0x40 1x30' : undefined),
      checks: [
        {
          at: '20m',
          alert: 'RavenEdgeExporterDown',
          expect: [{
            alertname: 'RavenEdgeExporterDown', severity: 'warning', job: 'node-exporter', namespace: 'monitoring', service: 'node-exporter-raven', ...node('b1', 'shop-b'),
          }],
        },
        ...quiet('38m', ALL.filter((a) => a !== 'RavenEdgeExporterDown')),
        ...quiet('45m'),
      ],
    });
    expect(result).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('scrapes near the timeout on a node: the slow alert for that node only; failed scrapes do not count as slow', () => {
    const result = runScenario(ruleFile, {
      // b2's scrapes take 9 s of the 10 s timeout; a2's 5 s; a1's node-exporter times out (10 s, down).
      duration: (n, job) => (n === 'b2' ? '9x40 0.3x30' : n === 'a2' ? '5x70' : n === 'a1' && job === 'node-exporter' ? '10x70' : undefined),
      up: (n, job) => (n === 'a1' && job === 'node-exporter' ? '0x70' : undefined),
      checks: [
        { at: '30m', alert: 'RavenEdgeScrapeSlow', expect: [{ alertname: 'RavenEdgeScrapeSlow', severity: 'info', ...node('b2', 'shop-b') }] },
        { at: '65m', alert: 'RavenEdgeScrapeSlow', expect: [] },
      ],
    });
    expect(result).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('a wrong expectation fails, so the tests above can fail', () => {
    const result = runScenario(ruleFile, {
      up: (n) => (n === 'a1' ? '0x70' : undefined),
      checks: [{ at: '35m', alert: 'RavenEdgeNodeUnreachable', expect: [] }],
    });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/RavenEdgeNodeUnreachable/);
  });
});
