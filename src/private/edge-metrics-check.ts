import { REQUIRED_METRICS, RequiredMetric, RequiredWindow } from './required-metrics';

/**
 * Which metrics kube-prometheus-stack's default dashboards and rules would lose, or read too
 * coarsely, when a node is scraped a given way: the check an edge scrape profile must pass.
 * REQUIRED_METRICS (generated, see docs/edge-metrics.md) is the list it checks against.
 */

/** A metric relabeling as Prometheus applies it; only `keep` and `drop` on `__name__` alone are judged. */
export interface MetricRelabelRule {
  /** @default "replace" */
  readonly action?: string;
  readonly sourceLabels?: readonly string[];
  /** RE2, anchored. @default "(.*)" */
  readonly regex?: string;
  /** @default ";" */
  readonly separator?: string;
}

/** How one endpoint of the node is scraped. */
export interface EndpointScrape {
  /** A key of REQUIRED_METRICS: `kubelet:/metrics`, `kubelet:/metrics/cadvisor`, ..., `node-exporter`. */
  readonly endpoint: string;
  readonly intervalSeconds: number;
  readonly metricRelabelings?: readonly MetricRelabelRule[];
}

export interface EdgeScrapePlan {
  /** The scraped endpoints; an endpoint not listed is not scraped. */
  readonly scrapes: readonly EndpointScrape[];
  /** node-exporter's `collect[]` parameter: only these collectors run. @default - every collector node_exporter runs */
  readonly nodeExporterCollectors?: readonly string[];
  /** Collectors enabled with `--collector.<name>` beyond node_exporter's defaults. @default - none */
  readonly nodeExporterEnabledCollectors?: readonly string[];
  /**
   * The Grafana data source's scrape interval (`timeInterval`): `$__rate_interval` is at least 4
   * times it, whatever the endpoint's own interval.
   *
   * @default 30 - kube-prometheus-stack's `prometheus.prometheusSpec.scrapeInterval` default
   */
  readonly datasourceScrapeIntervalSeconds?: number;
  /** Also check the metrics only the macOS and AIX node dashboards read. @default false */
  readonly includeNonLinux?: boolean;
}

export enum MetricProblemReason {
  /** The endpoint that serves it is not scraped. */
  ENDPOINT_NOT_SCRAPED = 'endpoint-not-scraped',
  /** node-exporter's collector is not run by default and not enabled. */
  COLLECTOR_NOT_ENABLED = 'collector-not-enabled',
  /** node-exporter's `collect[]` leaves its collector out. */
  COLLECTOR_NOT_COLLECTED = 'collector-not-collected',
  /** A metric relabeling drops it. */
  DROPPED = 'dropped',
  /** The interval is too long for a window a query reads it over. */
  UNDER_RESOLVED = 'under-resolved',
}

export interface MetricProblem {
  readonly endpoint: string;
  readonly metric: string;
  readonly reason: MetricProblemReason;
  /** The rules and dashboards that read it. */
  readonly neededBy: readonly string[];
  /** What is wrong, in words. */
  readonly detail: string;
}

/** The 5 m lookback delta in which an instant selector finds its sample (Prometheus's default). */
const LOOKBACK_SECONDS = 300;

/**
 * The longest interval at which a window still holds the samples its function needs: a left-open
 * range of W seconds holds at least `floor(W / interval)` samples, so `n` samples need
 * `interval <= W / n`. `$__rate_interval` is taken at its smallest, 4 × the data source interval;
 * an instant selector needs one sample in the lookback delta.
 */
export function maxIntervalSeconds(window: RequiredWindow, datasourceScrapeIntervalSeconds: number): number {
  let rangeSeconds: number;
  if (window.range === 'instant') {
    rangeSeconds = LOOKBACK_SECONDS;
  } else if (window.range === '$__rate_interval') {
    rangeSeconds = 4 * datasourceScrapeIntervalSeconds;
  } else {
    rangeSeconds = parseDurationSeconds(window.range);
  }
  return rangeSeconds / window.samples;
}

/** Prometheus durations as the generated list writes them: `1h30m`, `5m`, `90s`, `500ms`. */
export function parseDurationSeconds(text: string): number {
  const units: Record<string, number> = { y: 31_536_000, w: 604_800, d: 86_400, h: 3600, m: 60, s: 1, ms: 0.001 };
  const re = /(\d+)(ms|[ywdhms])/g;
  let total = 0;
  let consumed = 0;
  for (let match = re.exec(text); match !== null; match = re.exec(text)) {
    total += Number(match[1]) * units[match[2]];
    consumed += match[0].length;
  }
  if (consumed !== text.length || text.length === 0) {
    throw new Error(`not a Prometheus duration: "${text}"`);
  }
  return total;
}

/** Whether a metric relabeling rule drops every series of a metric with this name. */
function dropsMetric(rule: MetricRelabelRule, metric: string): boolean {
  const action = rule.action ?? 'replace';
  if (action !== 'keep' && action !== 'drop') {
    return false;
  }
  const sources = rule.sourceLabels ?? [];
  // A rule that reads other labels drops some series and keeps others: it is not judged here.
  if (sources.length === 0 || sources.some((l) => l !== '__name__')) {
    return false;
  }
  const value = sources.map(() => metric).join(rule.separator ?? ';');
  const matches = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`).test(value);
  return action === 'drop' ? matches : !matches;
}

/**
 * The required metrics the plan loses or reads too coarsely, in REQUIRED_METRICS's order (by
 * endpoint, then metric); empty when the plan keeps them all.
 */
export function requiredMetricProblems(
  plan: EdgeScrapePlan,
  required: { readonly [endpoint: string]: readonly RequiredMetric[] } = REQUIRED_METRICS,
): MetricProblem[] {
  for (const scrape of plan.scrapes) {
    if (!(scrape.endpoint in required)) {
      throw new Error(`requiredMetricProblems: unknown endpoint "${scrape.endpoint}"; the list has ${Object.keys(required).join(', ')}`);
    }
    if (!(scrape.intervalSeconds > 0)) {
      throw new Error(`requiredMetricProblems: the interval of ${scrape.endpoint} must be a positive number of seconds, got ${scrape.intervalSeconds}`);
    }
  }
  const datasource = plan.datasourceScrapeIntervalSeconds ?? 30;
  const problems: MetricProblem[] = [];
  for (const [endpoint, metrics] of Object.entries(required)) {
    const scrape = plan.scrapes.find((s) => s.endpoint === endpoint);
    for (const metric of metrics) {
      if (!metric.linux && !plan.includeNonLinux) {
        continue;
      }
      const problem = (reason: MetricProblemReason, detail: string): void => {
        problems.push({ endpoint, metric: metric.name, reason, neededBy: metric.neededBy, detail });
      };
      if (scrape === undefined) {
        problem(MetricProblemReason.ENDPOINT_NOT_SCRAPED, `${endpoint} is not scraped`);
        continue;
      }
      if (metric.collector !== undefined && metric.collector !== 'exporter') {
        if (!metric.defaultEnabled && !(plan.nodeExporterEnabledCollectors ?? []).includes(metric.collector)) {
          problem(MetricProblemReason.COLLECTOR_NOT_ENABLED, `node_exporter runs collector ${metric.collector} only with --collector.${metric.collector}`);
          continue;
        }
        if (plan.nodeExporterCollectors !== undefined && !plan.nodeExporterCollectors.includes(metric.collector)) {
          problem(MetricProblemReason.COLLECTOR_NOT_COLLECTED, `collect[] leaves out collector ${metric.collector}`);
          continue;
        }
      }
      // `up` is written by Prometheus for each scrape; metric relabelings never see it.
      const dropping = metric.name === 'up' ? undefined : (scrape.metricRelabelings ?? []).find((r) => dropsMetric(r, metric.name));
      if (dropping !== undefined) {
        problem(MetricProblemReason.DROPPED, `the metric relabeling ${dropping.action} of ${JSON.stringify(dropping.regex ?? '(.*)')} removes it`);
        continue;
      }
      const tooCoarse = metric.windows
        .map((w) => ({ w, max: maxIntervalSeconds(w, datasource) }))
        .filter(({ max }) => scrape.intervalSeconds > max)
        .sort((a, b) => a.max - b.max);
      if (tooCoarse.length > 0) {
        const { w, max } = tooCoarse[0];
        const read = w.range === 'instant' ? 'an instant selector (5m lookback)' : `${w.function}(...[${w.range}])`;
        problem(MetricProblemReason.UNDER_RESOLVED, `scraped every ${scrape.intervalSeconds}s, but ${read} needs ${w.samples} sample(s) in the window: at most ${max}s`);
      }
    }
  }
  return problems;
}
