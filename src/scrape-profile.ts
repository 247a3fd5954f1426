import { Duration } from 'cdk8s';
import { cadvisorDrops, KubeletEndpoint } from './kubelet-scrape';
import { MetricProblemReason, requiredMetricProblems } from './private/edge-metrics-check';
import { checkKnownProps } from './private/known-props';
import { linkBytesPerScrape } from './private/link-costs';
import { REQUIRED_METRICS } from './private/required-metrics';
import { invalid } from './private/validation';

/**
 * The node-exporter collectors kube-prometheus-stack's default dashboards and rules read from
 * (docs/edge-metrics.md): those of every Linux metric they need, where node-exporter runs the
 * collector by default. `exporter` is the exporter's own series, sent whatever `collect[]` says.
 */
function requiredCollectors(): string[] {
  const collectors = new Set<string>();
  for (const metric of REQUIRED_METRICS['node-exporter'] ?? []) {
    if (metric.linux && metric.defaultEnabled && metric.collector && metric.collector !== 'exporter') {
      collectors.add(metric.collector);
    }
  }
  return [...collectors].sort();
}

/**
 * Options for `ScrapeProfile.edgeLink()`.
 */
export interface EdgeLinkProfileOptions {
  /**
   * node-exporter's collectors (`collect[]`). node-exporter answers HTTP 400 ("disabled collector:
   * X") when one named here is turned off on its DaemonSet (`--no-collector.X`), and the whole
   * scrape fails: name only collectors your node-exporter runs. Add `systemd` here once the
   * DaemonSet runs it (`--collector.systemd`), for the `NodeSystemdService*` alerts.
   *
   * @default - the collectors kube-prometheus-stack's default dashboards and rules read, of those node-exporter runs by default
   */
  readonly nodeExporterCollectors?: string[];
}

/**
 * Options for `ScrapeProfile.linkBudget()`.
 */
export interface LinkBudgetOptions {
  /**
   * The bytes each edge node's scrapes may put on its link per day, both directions, e.g.
   * `100_000_000` for 100 MB.
   */
  readonly bytesPerNodePerDay: number;

  /**
   * The pods per node to plan for: cAdvisor's output, most of a node's bytes, grows with them.
   *
   * @default 30
   */
  readonly podsPerNode?: number;

  /**
   * node-exporter's collectors, as for `ScrapeProfile.edgeLink()`.
   *
   * @default - the collectors kube-prometheus-stack's default dashboards and rules read, of those node-exporter runs by default
   */
  readonly nodeExporterCollectors?: string[];
}

/** The intervals `linkBudget()` chooses from, shortest first; 60 s is the longest every default dashboard and rule accepts. */
const BUDGET_INTERVALS_SECONDS = [10, 15, 20, 30, 45, 60];

/** What a profile sets; `undefined` leaves a value to the Prometheus resource's global setting. */
interface ProfileSettings {
  readonly name: string;
  readonly kubeletEndpoints: KubeletEndpoint[];
  readonly interval?: Duration;
  readonly cadvisorInterval?: Duration;
  readonly timeout?: Duration;
  readonly nodeExporterCollectors?: string[];
  /** Keep `container_memory_swap`, which the chart's cAdvisor drops remove although its recording rule reads it. */
  readonly keepContainerMemorySwap: boolean;
}

/**
 * How often, and what, a node is scraped through Raven: a choice between kube-prometheus-stack's
 * habits and what a thin, metered edge link can carry.
 *
 * Every scrape of an edge node crosses Raven's tunnel and the node's uplink, and Raven opens a new
 * connection (for HTTPS a new TLS handshake with the kubelet) for every request. Metric
 * relabelings drop series only after they crossed the link; what is not scraped, or filtered at
 * the source (node-exporter's `collect[]`), never does.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { RavenPrometheus, ScrapeProfile } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * new RavenPrometheus(chart, 'raven', {
 *   release: 'kube-prometheus-stack',
 *   // every metric the default dashboards and rules read, at a fraction of the link's bytes
 *   profile: ScrapeProfile.edgeLink(),
 * });
 */
export class ScrapeProfile {
  /**
   * kube-prometheus-stack's own habits: the kubelet's `/metrics`, `/metrics/cadvisor` and
   * `/metrics/probes`, cAdvisor every 10 s (the chart's `cAdvisorInterval`), everything else and
   * node-exporter's every collector at the Prometheus resource's global interval. The library's
   * default differs in one thing: cAdvisor follows the global interval too, which cuts a node's link
   * bytes by more than half (docs/performance.md).
   */
  public static kubePrometheusStack(): ScrapeProfile {
    return new ScrapeProfile({
      name: 'kubePrometheusStack',
      kubeletEndpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES],
      cadvisorInterval: Duration.seconds(10),
      keepContainerMemorySwap: false,
    });
  }

  /**
   * For thin or metered edge links: every metric kube-prometheus-stack's default dashboards and
   * alerting and recording rules read from a node, its pods and its kubelet, and nothing else
   * that can be left at the source.
   *
   * - every endpoint every 60 s: the longest interval at which every query of those metrics
   *   still finds the samples it needs (a rate over `$__rate_interval`, at least 4 × Grafana's
   *   30 s, needs two samples: 60 s), checked against the list in docs/edge-metrics.md;
   * - the kubelet's `/metrics` and `/metrics/cadvisor` only: no default dashboard or rule reads
   *   `/metrics/probes` or `/metrics/resource`, and each scrape of them costs a TLS handshake
   *   between Raven and the kubelet on the link;
   * - node-exporter's collectors limited (`collect[]`) to those the dashboards and rules read;
   * - a 30 s scrape timeout: room for a slow scrape on a lossy, high-latency link (Raven's 10 s
   *   read timeout bounds only the request Prometheus sends, not the answer).
   */
  public static edgeLink(options: EdgeLinkProfileOptions = {}): ScrapeProfile {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      invalid('ScrapeProfile.edgeLink', 'options', options, 'an options object ({ nodeExporterCollectors? })');
    }
    checkKnownProps('ScrapeProfile.edgeLink', 'options', options, 'EdgeLinkProfileOptions');
    const collectors = options.nodeExporterCollectors;
    if (collectors !== undefined && (!Array.isArray(collectors) || collectors.length === 0
      || collectors.some((c) => typeof c !== 'string' || !/^[a-z][a-z0-9_]*$/.test(c)) || new Set(collectors).size !== collectors.length)) {
      invalid('ScrapeProfile.edgeLink', 'nodeExporterCollectors', collectors,
        'a non-empty list of distinct node-exporter collector names (lowercase letters, digits and _), e.g. [\'cpu\', \'meminfo\']',
        'Omit it for the collectors the default dashboards and rules read.');
    }
    return new ScrapeProfile({
      name: 'edgeLink',
      kubeletEndpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR],
      interval: Duration.seconds(60),
      cadvisorInterval: Duration.seconds(60),
      timeout: Duration.seconds(30),
      nodeExporterCollectors: options.nodeExporterCollectors ?? requiredCollectors(),
      keepContainerMemorySwap: true,
    });
  }

  /**
   * `edgeLink()` at the shortest interval whose measured cost fits a daily budget of bytes per
   * node: the same endpoints and collectors, every endpoint at one interval of 10, 15, 20, 30, 45
   * or 60 s. A budget that even 60 s exceeds is refused with the cheapest figure, since a longer
   * interval would leave the default dashboards' `rate()` windows without the samples they need.
   *
   * The cost of a scrape was measured on the real programs through Raven's proxy at 10, 30 and
   * 110 pods (docs/performance.md) and is interpolated between them; `estimatedBytesPerNodePerDay`
   * says what the chosen profile is expected to cost.
   *
   * @param options the budget, and the pods per node it is for
   */
  public static linkBudget(options: LinkBudgetOptions): ScrapeProfile {
    const owner = 'ScrapeProfile.linkBudget';
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      invalid(owner, 'options', options, 'an options object ({ bytesPerNodePerDay, podsPerNode? })');
    }
    checkKnownProps(owner, 'options', options, 'LinkBudgetOptions');
    const budget = options.bytesPerNodePerDay;
    if (typeof budget !== 'number' || !Number.isFinite(budget) || budget <= 0) {
      invalid(owner, 'bytesPerNodePerDay', budget, 'a positive number of bytes, e.g. 100_000_000 for 100 MB a day');
    }
    const pods = options.podsPerNode ?? 30;
    if (typeof pods !== 'number' || !Number.isInteger(pods) || pods < 1 || pods > 250) {
      invalid(owner, 'podsPerNode', pods, 'a whole number of pods from 1 to 250 (the kubelet runs at most 110 by default)');
    }
    const base = ScrapeProfile.edgeLink({ nodeExporterCollectors: options.nodeExporterCollectors });
    for (const seconds of BUDGET_INTERVALS_SECONDS) {
      const candidate = base.withInterval('linkBudget', Duration.seconds(seconds));
      if (candidate.estimatedBytesPerNodePerDay(pods) <= budget) return candidate;
    }
    const cheapest = base.estimatedBytesPerNodePerDay(pods);
    return invalid(owner, 'bytesPerNodePerDay', budget,
      `at least ${cheapest} (${(cheapest / 1e6).toFixed(1)} MB) for ${pods} pods per node: what ScrapeProfile.edgeLink() costs, `
      + 'every endpoint every 60 s, the longest interval at which every default dashboard and rule still finds its samples',
      'Raise the budget, or plan for fewer pods per node; cAdvisor\'s output, most of the bytes, grows with the pods.');
  }

  /** The profile's name: `kubePrometheusStack`, `edgeLink` or `linkBudget`. */
  public readonly name: string;
  private readonly settings: ProfileSettings;

  private constructor(settings: ProfileSettings) {
    this.settings = settings;
    this.name = settings.name;
  }

  /**
   * The bytes a node's scrapes are expected to put on its link per day, both directions, from the
   * costs measured per scrape (docs/performance.md).
   *
   * @param podsPerNode the pods on the node
   * @param globalIntervalSeconds the Prometheus resource's global interval, for what the profile leaves to it
   */
  public estimatedBytesPerNodePerDay(podsPerNode: number = 30, globalIntervalSeconds: number = 30): number {
    const seconds = (d: Duration | undefined) => (d === undefined ? globalIntervalSeconds : d.toSeconds());
    const nodeExporter = this.settings.nodeExporterCollectors ? 'node-exporter collect[]' : 'node-exporter';
    let perDay = (86400 / seconds(this.settings.interval)) * linkBytesPerScrape(nodeExporter, podsPerNode);
    for (const endpoint of this.settings.kubeletEndpoints) {
      const fromCadvisor = endpoint.path === KubeletEndpoint.CADVISOR.path || endpoint.path === KubeletEndpoint.RESOURCE.path;
      const interval = fromCadvisor ? seconds(this.settings.cadvisorInterval ?? this.settings.interval) : seconds(this.settings.interval);
      perDay += (86400 / interval) * linkBytesPerScrape(`kubelet:${endpoint.path}`, podsPerNode);
    }
    return Math.round(perDay);
  }

  /**
   * Whether the kubelet's cAdvisor drops keep `container_memory_swap`.
   *
   * @internal
   */
  public get _keepsContainerMemorySwap(): boolean {
    return this.settings.keepContainerMemorySwap;
  }

  /** The same profile at one interval for every endpoint. */
  private withInterval(name: string, interval: Duration): ScrapeProfile {
    return new ScrapeProfile({ ...this.settings, name, interval, cadvisorInterval: interval });
  }

  /** The kubelet endpoints scraped. */
  public get kubeletEndpoints(): KubeletEndpoint[] {
    return [...this.settings.kubeletEndpoints];
  }

  /**
   * The interval of node-exporter and the kubelet's `/metrics` and `/metrics/probes`.
   *
   * @default - the Prometheus resource's global interval
   */
  public get scrapeInterval(): Duration | undefined {
    return this.settings.interval;
  }

  /**
   * The interval of `/metrics/cadvisor` and `/metrics/resource`.
   *
   * @default - the Prometheus resource's global interval
   */
  public get cadvisorInterval(): Duration | undefined {
    return this.settings.cadvisorInterval;
  }

  /**
   * The scrape timeout.
   *
   * @default - the Prometheus resource's global timeout
   */
  public get scrapeTimeout(): Duration | undefined {
    return this.settings.timeout;
  }

  /**
   * node-exporter's collectors (`collect[]`).
   *
   * @default - every collector node-exporter runs
   */
  public get nodeExporterCollectors(): string[] | undefined {
    return this.settings.nodeExporterCollectors && [...this.settings.nodeExporterCollectors];
  }

  /**
   * The metrics kube-prometheus-stack's default dashboards and rules read that this profile
   * would lose or read too coarsely, one line each, with kube-prometheus-stack's cAdvisor metric
   * drops on: empty for `edgeLink()`; for `kubePrometheusStack()` the chart's own gap
   * (`container_memory_swap`, which its drops remove and its recording rule reads). Metrics of
   * collectors node-exporter does not run by default (`systemd`) are beyond any scrape's reach and
   * not listed.
   *
   * @param globalIntervalSeconds the Prometheus resource's global interval, for what the profile leaves to it
   */
  public missingMetrics(globalIntervalSeconds: number = 30): string[] {
    const seconds = (d: Duration | undefined) => (d === undefined ? globalIntervalSeconds : d.toSeconds());
    const scrapes = [
      { endpoint: 'node-exporter', intervalSeconds: seconds(this.settings.interval) },
      ...this.settings.kubeletEndpoints.map((e) => ({
        endpoint: `kubelet:${e.path}`,
        intervalSeconds: e.path === KubeletEndpoint.CADVISOR.path || e.path === KubeletEndpoint.RESOURCE.path
          ? seconds(this.settings.cadvisorInterval ?? this.settings.interval)
          : seconds(this.settings.interval),
        metricRelabelings: e.path === KubeletEndpoint.CADVISOR.path
          ? cadvisorDrops(this.settings.keepContainerMemorySwap).map((d) => ({ action: d.action, sourceLabels: d.sourceLabels, regex: d.regex }))
          : undefined,
      })),
    ];
    return requiredMetricProblems({ scrapes, nodeExporterCollectors: this.settings.nodeExporterCollectors })
      .filter((p) => p.reason !== MetricProblemReason.COLLECTOR_NOT_ENABLED)
      .map((p) => `${p.endpoint} ${p.metric}: ${p.detail}`);
  }
}
