/**
 * The metrics kube-prometheus-stack's default dashboards and rules read from a node's kubelet and
 * node-exporter, read from the chart's own files with upstream code:
 *
 * 1. The chart's rule and dashboard templates (pinned in upstream/files/files.json from the
 *    helm-charts Go module) are rendered by Helm's template engine with the chart's default values
 *    (`mixin-metrics render`), so `job="{{ $kubeletJob }}"` and the other values-dependent parts are
 *    what a default install gets (job="kubelet", job="node-exporter", ...) and templates that are
 *    off by default (Windows rules, ...) render nothing.
 * 2. Every rule expression, every dashboard panel query and every dashboard variable query
 *    (`label_values(SELECTOR, label)`, `query_result(EXPR)`) is parsed by Prometheus's parser
 *    (`mixin-metrics selectors`). Grafana's `$__rate_interval` is replaced by a marker duration
 *    before parsing and mapped back after; other dashboard variables (`$cluster`, `$node`, ...)
 *    sit inside label values, where the parser takes them as text.
 * 3. Each selector is attributed to a scrape endpoint (see `endpointOf`), recorded series (names
 *    with a colon that a recording rule defines) are resolved through their rules down to the
 *    scraped metrics, and each node-exporter metric gets the collector that produces it
 *    (NODE_EXPORTER_COLLECTORS, checked against node_exporter's sources by the upstream test).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { requiredMetricsModule } from '../../support/required-metrics-module';
import { upstreamFile, upstreamProgram } from '../../support/upstream';

/* eslint-disable @typescript-eslint/no-require-imports */
const FILES = (require('../../../upstream/files/files.json') as { files: PinnedFile[] }).files;
/* eslint-enable @typescript-eslint/no-require-imports */

interface PinnedFile {
  readonly name: string;
  readonly module: string;
  readonly version: string;
  readonly path: string;
}

/** The scrape endpoints of a node, as kube-prometheus-stack's rules and dashboards select them. */
export const ENDPOINTS = ['kubelet:/metrics', 'kubelet:/metrics/cadvisor', 'kubelet:/metrics/probes', 'kubelet:/metrics/resource', 'node-exporter'] as const;
export type Endpoint = typeof ENDPOINTS[number];

/** The helm-charts files the list is read from (all kps-* entries of files.json). */
export const CHART_FILES = FILES.filter((f) => f.name.startsWith('kps-'));

/**
 * The node_exporter collector of each node-exporter metric the list needs, by name prefix (longest
 * prefix wins). Each entry names the collector source file of node_exporter (at the version
 * NODE_EXPORTER_VERSION) that registers the collector and builds the names; the upstream test
 * checks both against that file.
 */
export const NODE_EXPORTER_COLLECTORS: ReadonlyArray<CollectorEntry> = [
  { prefix: 'node_cpu_', collector: 'cpu', files: ['cpu_linux.go', 'cpu_common.go'], evidence: ['registerCollector("cpu", ', 'cpuCollectorSubsystem, "seconds_total"'] },
  { prefix: 'node_memory_', collector: 'meminfo', files: ['meminfo.go'], evidence: ['registerCollector("meminfo", ', 'memInfoSubsystem = "memory"'] },
  { prefix: 'node_filesystem_', collector: 'filesystem', files: ['filesystem_common.go'], evidence: ['registerCollector("filesystem", ', 'const subsystem = "filesystem"'] },
  { prefix: 'node_network_', collector: 'netdev', files: ['netdev_common.go'], evidence: ['registerCollector("netdev", ', 'subsystem:    "network"'] },
  // node_network_up is the interface's operational state from sysfs, not a netdev counter.
  { prefix: 'node_network_up', collector: 'netclass', files: ['netclass_linux.go'], evidence: ['registerCollector("netclass", ', 'subsystem:             "network"', '"up"'] },
  { prefix: 'node_disk_', collector: 'diskstats', files: ['diskstats_linux.go', 'diskstats_common.go'], evidence: ['registerCollector("diskstats", ', 'diskSubsystem = "disk"'] },
  { prefix: 'node_load', collector: 'loadavg', files: ['loadavg.go'], evidence: ['registerCollector("loadavg", ', 'namespace+"_load1"', 'namespace+"_load5"', 'namespace+"_load15"'] },
  { prefix: 'node_uname_info', collector: 'uname', files: ['uname.go'], evidence: ['registerCollector("uname", ', 'BuildFQName(namespace, "uname", "info")'] },
  { prefix: 'node_time_seconds', collector: 'time', files: ['time.go'], evidence: ['registerCollector("time", ', 'const subsystem = "time"', 'BuildFQName(namespace, subsystem, "seconds")'] },
  { prefix: 'node_boot_time_seconds', collector: 'stat', files: ['stat_linux.go'], evidence: ['registerCollector("stat", ', 'BuildFQName(namespace, "", "boot_time_seconds")'] },
  { prefix: 'node_timex_', collector: 'timex', files: ['timex.go'], evidence: ['registerCollector("timex", ', '"timex"'] },
  { prefix: 'node_vmstat_', collector: 'vmstat', files: ['vmstat_linux.go'], evidence: ['registerCollector("vmstat", ', 'vmStatSubsystem = "vmstat"'] },
  { prefix: 'node_pressure_', collector: 'pressure', files: ['pressure_linux.go'], evidence: ['registerCollector("pressure", ', 'BuildFQName(namespace, "pressure", '] },
  { prefix: 'node_textfile_', collector: 'textfile', files: ['textfile.go'], evidence: ['registerCollector("textfile", ', '"node_textfile_scrape_error"'] },
  { prefix: 'node_filefd_', collector: 'filefd', files: ['filefd_linux.go'], evidence: ['registerCollector(fileFDStatSubsystem, ', 'fileFDStatSubsystem = "filefd"'] },
  { prefix: 'node_nf_conntrack_', collector: 'conntrack', files: ['conntrack_linux.go'], evidence: ['registerCollector("conntrack", ', '"nf_conntrack_entries"', '"nf_conntrack_entries_limit"'] },
  { prefix: 'node_systemd_', collector: 'systemd', files: ['systemd_linux.go'], evidence: ['registerCollector("systemd", ', '"unit_state"', '"service_restart_total"'] },
  { prefix: 'node_md_', collector: 'mdadm', files: ['mdadm_linux.go'], evidence: ['registerCollector("mdadm", ', 'BuildFQName(namespace, "md", "disks")', 'BuildFQName(namespace, "md", "disks_required")'] },
  { prefix: 'node_bonding_', collector: 'bonding', files: ['bonding_linux.go'], evidence: ['registerCollector("bonding", ', 'BuildFQName(namespace, "bonding", "slaves")', 'BuildFQName(namespace, "bonding", "active")'] },
  { prefix: 'node_netstat_', collector: 'netstat', files: ['netstat_linux.go'], evidence: ['registerCollector("netstat", ', 'netStatsSubsystem = "netstat"'] },
  // Not a collector: the exporter registers it itself; it is there whatever collect[] says.
  { prefix: 'node_exporter_build_info', collector: 'exporter', files: ['../node_exporter.go'], evidence: ['versioncollector.NewCollector("node_exporter")'] },
];

interface CollectorEntry {
  /** A metric name prefix; the longest that matches wins. */
  readonly prefix: string;
  /** The collector's name, as `collect[]` and `--collector.<name>` take it. */
  readonly collector: string;
  /** node_exporter's collector/ files that register the collector and build the names. */
  readonly files: string[];
  /** Texts those files must hold: the registration and the name parts. */
  readonly evidence: string[];
}

/** node_exporter's version the subchart (prometheus-node-exporter 4.56.1) deploys. */
export const NODE_EXPORTER_VERSION = 'v1.12.1';
export const NODE_EXPORTER_MODULE = 'github.com/prometheus/node_exporter';

/** The marker that stands for `$__rate_interval` while Prometheus's parser reads a dashboard query. */
const RATE_INTERVAL_MARKER_MS = 3_141_592;
const GRAFANA_RANGE_VARIABLES: Record<string, number> = { __rate_interval: RATE_INTERVAL_MARKER_MS };

/** Functions whose result needs two samples in the range; the others (`*_over_time`) need one. */
const TWO_SAMPLE_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'predict_linear', 'resets', 'changes', 'holt_winters', 'double_exponential_smoothing']);

/** One query of the chart: a rule's expression, a dashboard panel's or a dashboard variable's query. */
export interface Query {
  /** `alert`, `record`, `dashboard` (a panel), `variable` (a dashboard variable). */
  readonly kind: 'alert' | 'record' | 'dashboard' | 'variable';
  /** The alert or recorded name, the dashboard's title. */
  readonly name: string;
  /** The panel title or variable name, for dashboards. */
  readonly detail?: string;
  /** The chart template it comes from, e.g. `templates/grafana/dashboards-1.14/nodes.yaml`. */
  readonly template: string;
  readonly expr: string;
}

export interface Matcher { name: string; type: string; value: string }
/** A vector selector as `mixin-metrics selectors` prints it. */
export interface Selector {
  name: string;
  matchers: Matcher[];
  rangeMs: number;
  function?: string;
  offsetMs?: number;
  subqueries?: { rangeMs: number; stepMs: number }[];
}

/** How a query reads a metric: a range with the function that reads it, or an instant lookup. */
export interface Window {
  /** `5m`, `$__rate_interval`, or `instant` (the 5 m lookback of an instant selector). */
  readonly range: string;
  /** The function that reads the range (rate, max_over_time, ...); `instant` for an instant selector. */
  readonly function: string;
  /** The samples the function needs in the range: 2 for rate, irate, increase, ...; 1 otherwise. */
  readonly samples: 1 | 2;
}

interface Consumer {
  readonly kind: Query['kind'];
  readonly name: string;
  readonly template: string;
  /** Dashboard panels or variables. */
  readonly details?: string[];
  /** The recorded series through which it reads the metric. */
  readonly via?: string[];
}

export interface RequiredMetric {
  readonly name: string;
  /** node-exporter only: the collector that produces it. */
  readonly collector?: string;
  /** node-exporter only: whether node_exporter runs the collector without a `--collector.<name>` flag. */
  readonly defaultEnabled?: boolean;
  /** False when only the macOS and AIX node dashboards read it. */
  readonly linux: boolean;
  readonly windows: Window[];
  /** The distinct selectors that read it (dashboard variables such as `$cluster` as written). */
  readonly selectors: string[];
  readonly neededBy: Consumer[];
}

export interface RequiredMetricsFile {
  readonly description: string;
  readonly sources: object;
  readonly rules: object;
  readonly endpoints: Record<Endpoint, { metrics: RequiredMetric[] }>;
  readonly otherSources: Record<string, string[]>;
}

function run(program: string, args: string[], input?: string): string {
  return execFileSync(program, args, { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
}

const CHART_ROOT = 'charts/kube-prometheus-stack/';

/**
 * A chart folder holding exactly the pinned chart files (a fresh copy, so that a file dropped from
 * files.json but still in the cache is not rendered); the caller removes it.
 */
function pinnedChartDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-kps-chart-'));
  for (const file of CHART_FILES) {
    if (!file.path.startsWith(CHART_ROOT)) {
      throw new Error(`files.json entry ${file.name}: ${file.path} is not under ${CHART_ROOT}`);
    }
    const target = path.join(dir, file.path.slice(CHART_ROOT.length));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(upstreamFile(file.name), target);
  }
  if (!fs.existsSync(path.join(dir, 'Chart.yaml'))) {
    throw new Error('upstream/files/files.json pins no kube-prometheus-stack Chart.yaml (kps-chart-yaml)');
  }
  return dir;
}

/** The rules and dashboard queries of the chart as rendered with its defaults. */
export function chartQueries(): Query[] {
  const dir = pinnedChartDir();
  let rendered: Record<string, string>;
  try {
    rendered = JSON.parse(run(upstreamProgram('mixin-metrics'), ['render', dir])).templates;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const queries: Query[] = [];
  for (const template of Object.keys(rendered).sort()) {
    for (const doc of YAML.parseAllDocuments(rendered[template])) {
      const object = doc.toJS();
      if (object?.kind === 'PrometheusRule') {
        for (const group of object.spec.groups) {
          for (const rule of group.rules) {
            queries.push({ kind: rule.alert ? 'alert' : 'record', name: rule.alert ?? rule.record, template, expr: String(rule.expr) });
          }
        }
      } else if (object?.kind === 'ConfigMap') {
        for (const json of Object.values(object.data as Record<string, string>)) {
          queries.push(...dashboardQueries(JSON.parse(json), template));
        }
      } else if (object) {
        throw new Error(`${template}: unexpected ${object.kind}`);
      }
    }
  }
  return queries;
}

function dashboardQueries(dashboard: any, template: string): Query[] {
  const out: Query[] = [];
  const panels = (list: any[] | undefined): void => {
    for (const panel of list ?? []) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr === 'string' && target.expr.trim() !== '') {
          out.push({ kind: 'dashboard', name: dashboard.title, detail: panel.title, template, expr: target.expr });
        }
      }
      panels(panel.panels);
    }
  };
  panels(dashboard.panels);
  for (const row of dashboard.rows ?? []) {
    panels(row.panels);
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') {
      continue;
    }
    const text = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const expr = variableExpr(String(text ?? ''));
    if (expr !== undefined) {
      out.push({ kind: 'variable', name: dashboard.title, detail: variable.name, template, expr });
    }
  }
  return out;
}

/** The PromQL inside a Grafana Prometheus variable query; undefined when it reads no series. */
export function variableExpr(query: string): string | undefined {
  const q = query.trim();
  const labelValues = /^label_values\(\s*([\s\S]*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/.exec(q);
  if (labelValues) {
    return labelValues[1];
  }
  if (/^label_values\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/.test(q) || /^(label_names|metrics)\(/.test(q)) {
    return undefined;
  }
  const result = /^query_result\(([\s\S]*)\)$/.exec(q);
  if (result) {
    return result[1];
  }
  throw new Error(`unknown Grafana variable query: ${query}`);
}

/** Grafana's range variables replaced by marker durations Prometheus's parser accepts. */
export function substituteGrafanaRanges(expr: string): string {
  return expr.replace(/\$(?:\{(\w+)\}|(\w+))/g, (whole, braced, bare) => {
    const ms = GRAFANA_RANGE_VARIABLES[braced ?? bare];
    return ms === undefined ? whole : `${ms}ms`;
  });
}

function rangeName(ms: number): string {
  for (const [name, marker] of Object.entries(GRAFANA_RANGE_VARIABLES)) {
    if (ms === marker) {
      return `$${name}`;
    }
  }
  return formatDuration(ms);
}

function formatDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out || '0s';
}

/** The vector selectors of each expression, by Prometheus's parser (Grafana's range variables replaced first). */
export function parseAll(exprs: string[]): Selector[][] {
  const results = JSON.parse(run(upstreamProgram('mixin-metrics'), ['selectors'], JSON.stringify(exprs.map(substituteGrafanaRanges)))) as { error?: string; selectors: Selector[] }[];
  return results.map((r, i) => {
    if (r.error) {
      throw new Error(`Prometheus's parser rejects ${JSON.stringify(exprs[i])}: ${r.error}`);
    }
    return r.selectors;
  });
}

function equalityMatcher(s: Selector, label: string): string | undefined {
  return s.matchers.find((m) => m.name === label && m.type === '=')?.value;
}

/**
 * The node endpoint a selector reads, or the name of another source (another job, `unattributed`).
 *
 * - `job="kubelet"`: the `metrics_path` matcher's endpoint; without one, `/metrics/cadvisor` for
 *   `container_*` and `machine_*`, `/metrics/probes` for `prober_*`, else `/metrics`.
 * - `job="node-exporter"`: node-exporter.
 * - another `job`: that job (not a node endpoint).
 * - no `job` matcher: `node_*` → node-exporter, `container_*`/`machine_*` → cAdvisor, `kubelet_*`
 *   → the kubelet's `/metrics`; anything else is `unattributed` (kube-state-metrics' `kube_*`, ...).
 */
export function endpointOf(s: Selector): Endpoint | string {
  const job = s.matchers.find((m) => m.name === 'job');
  const metricsPath = equalityMatcher(s, 'metrics_path');
  const byName = (): Endpoint | undefined => {
    if (/^(container|machine)_/.test(s.name)) return 'kubelet:/metrics/cadvisor';
    if (/^prober_/.test(s.name)) return 'kubelet:/metrics/probes';
    return undefined;
  };
  if (job !== undefined) {
    if (job.type !== '=') {
      return `job${job.type}"${job.value}"`;
    }
    if (job.value === 'kubelet') {
      if (metricsPath !== undefined) {
        const endpoint = `kubelet:${metricsPath}`;
        if (!(ENDPOINTS as readonly string[]).includes(endpoint)) {
          throw new Error(`${s.name}: unknown kubelet metrics_path ${metricsPath}`);
        }
        return endpoint as Endpoint;
      }
      return byName() ?? 'kubelet:/metrics';
    }
    if (job.value === 'node-exporter') {
      return 'node-exporter';
    }
    return `job="${job.value}"`;
  }
  if (/^node_/.test(s.name)) return 'node-exporter';
  if (/^kubelet_/.test(s.name)) return 'kubelet:/metrics';
  return byName() ?? 'unattributed';
}

/** A selector as PromQL, matchers in label order: `name{job="kubelet", container!=""}`. */
export function selectorText(s: Selector): string {
  const matchers = s.matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`);
  return matchers.length === 0 ? s.name : `${s.name}{${matchers.join(', ')}}`;
}

function windowOf(s: Selector): Window {
  if (s.rangeMs === 0) {
    return { range: 'instant', function: 'instant', samples: 1 };
  }
  const fn = s.function ?? '?';
  return { range: rangeName(s.rangeMs), function: fn, samples: TWO_SAMPLE_FUNCTIONS.has(fn) ? 2 : 1 };
}

/** A node_exporter source file, from the pinned module. */
function nodeExporterSource(file: string): string {
  const inModule = file.startsWith('../') ? file.slice(3) : `collector/${file}`;
  const entry = FILES.find((f) => f.module === NODE_EXPORTER_MODULE && f.version === NODE_EXPORTER_VERSION && f.path === inModule);
  if (entry === undefined) {
    throw new Error(`upstream/files/files.json pins no ${NODE_EXPORTER_MODULE}@${NODE_EXPORTER_VERSION} ${inModule}`);
  }
  return fs.readFileSync(upstreamFile(entry.name), 'utf8');
}

/**
 * The collector that produces a node-exporter metric, checked against node_exporter's sources,
 * and whether node_exporter runs it without a `--collector.<name>` flag.
 */
export function collectorOf(metric: string): { collector: string; defaultEnabled: boolean } {
  let best: CollectorEntry | undefined;
  for (const entry of NODE_EXPORTER_COLLECTORS) {
    if (metric.startsWith(entry.prefix) && (best === undefined || entry.prefix.length > best.prefix.length)) {
      best = entry;
    }
  }
  if (best === undefined) {
    throw new Error(`no node_exporter collector is known for ${metric}: add its prefix to NODE_EXPORTER_COLLECTORS`);
  }
  const source = best.files.map(nodeExporterSource).join('\n');
  for (const text of best.evidence) {
    if (!source.includes(text)) {
      throw new Error(`node_exporter ${NODE_EXPORTER_VERSION} ${best.files.join(', ')} does not hold ${JSON.stringify(text)}: ${metric} may not come from collector ${best.collector}`);
    }
  }
  if (best.collector === 'exporter') {
    return { collector: best.collector, defaultEnabled: true };
  }
  const registration = new RegExp(`${best.evidence[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(defaultEnabled|defaultDisabled)`).exec(source);
  if (registration === null) {
    throw new Error(`node_exporter ${NODE_EXPORTER_VERSION}: cannot tell whether collector ${best.collector} is enabled by default`);
  }
  return { collector: best.collector, defaultEnabled: registration[1] === 'defaultEnabled' };
}

/** Dashboards for other operating systems than Linux (the edge nodes'). */
const NON_LINUX_TEMPLATES = ['templates/grafana/dashboards-1.14/nodes-aix.yaml', 'templates/grafana/dashboards-1.14/nodes-darwin.yaml'];

/** The list, from the chart's queries. */
export function requiredMetrics(queries: Query[]): RequiredMetricsFile {
  const parsed = parseAll(queries.map((q) => q.expr));
  const recordingRules = new Map<string, number[]>();
  queries.forEach((q, i) => {
    if (q.kind === 'record') {
      recordingRules.set(q.name, [...(recordingRules.get(q.name) ?? []), i]);
    }
  });

  type Use = { query: Query; window: Window; via: string[]; selector: string };
  const uses = new Map<string, Map<string, Use[]>>();
  const others = new Map<string, Set<string>>();
  const add = (endpoint: string, metric: string, use: Use): void => {
    const byMetric = uses.get(endpoint) ?? new Map<string, Use[]>();
    uses.set(endpoint, byMetric);
    byMetric.set(metric, [...(byMetric.get(metric) ?? []), use]);
  };
  // The raw selectors a query reads, through recording rules.
  const resolve = (query: Query, index: number, via: string[]): void => {
    for (const s of parsed[index]) {
      if (s.name.includes(':')) {
        const rules = recordingRules.get(s.name);
        if (rules === undefined) {
          throw new Error(`${query.kind} ${query.name} reads ${s.name}, which no recording rule of the chart records`);
        }
        if (via.includes(s.name)) {
          throw new Error(`recording rules loop through ${s.name}`);
        }
        for (const r of rules) {
          resolve(query, r, [...via, s.name]);
        }
        continue;
      }
      const endpoint = endpointOf(s);
      if ((ENDPOINTS as readonly string[]).includes(endpoint)) {
        add(endpoint, s.name, { query, window: windowOf(s), via, selector: selectorText(s) });
      } else {
        const set = others.get(endpoint) ?? new Set<string>();
        set.add(s.name);
        others.set(endpoint, set);
      }
    }
  };
  queries.forEach((q, i) => resolve(q, i, []));

  const endpoints = {} as Record<Endpoint, { metrics: RequiredMetric[] }>;
  for (const endpoint of ENDPOINTS) {
    const byMetric = uses.get(endpoint) ?? new Map<string, Use[]>();
    endpoints[endpoint] = {
      metrics: [...byMetric.keys()].sort().map((name) => ({
        name,
        ...(endpoint === 'node-exporter' ? collectorOf(name) : {}),
        linux: byMetric.get(name)!.some((u) => !NON_LINUX_TEMPLATES.includes(u.query.template)),
        windows: uniqueWindows(byMetric.get(name)!.map((u) => u.window)),
        selectors: [...new Set(byMetric.get(name)!.map((u) => u.selector))].sort(),
        neededBy: consumers(byMetric.get(name)!),
      })),
    };
  }
  const otherSources: Record<string, string[]> = {};
  for (const key of [...others.keys()].sort()) {
    otherSources[key] = [...others.get(key)!].sort();
  }
  const chart = CHART_FILES[0];
  return {
    description: 'The metrics kube-prometheus-stack\'s default Grafana dashboards and Prometheus rules read from a node: per scrape endpoint, each metric, the windows its queries read it over and the dashboards and rules that need it. Generated by `npm run required-metrics` (test/upstream/support/required-metrics.ts); do not edit.',
    sources: {
      chart: { module: chart.module, version: chart.version, chartVersion: chartVersion(), folders: ['charts/kube-prometheus-stack/templates/prometheus/rules-1.14', 'charts/kube-prometheus-stack/templates/grafana/dashboards-1.14'] },
      rendered: 'Helm\'s template engine (helm.sh/helm/v3 v3.22.1), the chart\'s default values, release "kps" in namespace "monitoring", Kubernetes v1.36.3',
      parser: 'Prometheus\'s promql/parser (github.com/prometheus/prometheus v0.316.0)',
      nodeExporter: { module: NODE_EXPORTER_MODULE, version: NODE_EXPORTER_VERSION },
      queries: { alert: count(queries, 'alert'), record: count(queries, 'record'), dashboard: count(queries, 'dashboard'), variable: count(queries, 'variable') },
    },
    rules: {
      attribution: 'job="kubelet" with metrics_path="/metrics" | "/metrics/cadvisor" | "/metrics/probes" | "/metrics/resource"; job="node-exporter". Without a job matcher: node_* is node-exporter, container_* and machine_* cAdvisor, kubelet_* the kubelet\'s /metrics. Recorded series (a name with a colon) are replaced by what their recording rules read.',
      windows: 'A range function that needs two samples (rate, irate, increase, delta, idelta, deriv, predict_linear, resets, changes) needs scrape interval <= range / 2; the *_over_time functions need interval <= range; an instant selector needs interval <= the 5m lookback delta. Grafana\'s $__rate_interval is max($__interval + scrape interval, 4 x scrape interval), the scrape interval being the data source\'s (kube-prometheus-stack: prometheus.prometheusSpec.scrapeInterval, 30s by default): at least 4 x that.',
      up: 'up is written by Prometheus for every scrape: it is there whenever the endpoint is scraped, whatever the metric relabelings.',
    },
    endpoints,
    otherSources,
  };
}

function count(queries: Query[], kind: Query['kind']): number {
  return queries.filter((q) => q.kind === kind).length;
}

function chartVersion(): string {
  const chart = YAML.parse(fs.readFileSync(upstreamFile('kps-chart-yaml'), 'utf8'));
  return String(chart.version);
}

function uniqueWindows(windows: Window[]): Window[] {
  const seen = new Map<string, Window>();
  for (const w of windows) {
    seen.set(`${w.function} ${w.range}`, w);
  }
  return [...seen.keys()].sort().map((k) => seen.get(k)!);
}

function consumers(uses: { query: Query; via: string[] }[]): Consumer[] {
  const byKey = new Map<string, { kind: Query['kind']; name: string; template: string; details: Set<string>; via: Set<string> }>();
  for (const { query, via } of uses) {
    // Dashboard panels and variables are listed under their dashboard.
    const kind = query.kind === 'variable' ? 'dashboard' : query.kind;
    const key = `${kind}\u0000${query.name}`;
    const entry = byKey.get(key) ?? { kind, name: query.name, template: query.template, details: new Set<string>(), via: new Set<string>() };
    byKey.set(key, entry);
    if (query.detail !== undefined) {
      entry.details.add(query.kind === 'variable' ? `variable ${query.detail}` : query.detail);
    }
    via.forEach((v) => entry.via.add(v));
  }
  const order = { alert: 0, record: 1, dashboard: 2, variable: 3 };
  return [...byKey.values()]
    .sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name))
    .map((e) => ({
      kind: e.kind,
      name: e.name,
      template: e.template,
      ...(e.details.size > 0 ? { details: [...e.details].sort() } : {}),
      ...(e.via.size > 0 ? { via: [...e.via].sort() } : {}),
    }));
}

/** Where the committed list lives. */
export const REQUIRED_METRICS_JSON = path.join(__dirname, '..', '..', 'fixtures', 'edge-profile', 'required-metrics.json');

/** The list as the committed file holds it. */
export function requiredMetricsJson(): string {
  return `${JSON.stringify(requiredMetrics(chartQueries()), null, 2)}\n`;
}

/** Where the library's copy lives. */
export const REQUIRED_METRICS_MODULE = path.join(__dirname, '..', '..', '..', 'src', 'private', 'required-metrics.ts');

// `npm run required-metrics`: regenerates both files from the pinned upstream files.
if (require.main === module) {
  const json = requiredMetricsJson();
  fs.mkdirSync(path.dirname(REQUIRED_METRICS_JSON), { recursive: true });
  fs.writeFileSync(REQUIRED_METRICS_JSON, json);
  fs.writeFileSync(REQUIRED_METRICS_MODULE, requiredMetricsModule(JSON.parse(json)));
  process.stdout.write(`wrote ${path.relative(process.cwd(), REQUIRED_METRICS_JSON)} and ${path.relative(process.cwd(), REQUIRED_METRICS_MODULE)}\n`);
}
