import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { EdgeNodeScrape, EdgeNodeScrapeOptions, EdgeNodeScrapeProps } from './edge-node-scrape';
import { intern } from './private/bounded-cache';
import { checkKnownProps } from './private/known-props';
import { resolveNamespace } from './private/namespace';
import { checkObjectsOf } from './private/object-checks';
import { checkCadvisorInterval, checkJobLabel } from './private/stack-checks';
import {
  checkDnsLabel, checkDnsSubdomain, checkDuration, checkHttpPath, checkInstance, checkInstances, checkPort, inChart, invalid, toPrometheusDuration,
} from './private/validation';
import { requireVersion, resolveVersions } from './private/version-checks';
import { BearerToken, MetricRelabeling, RelabelAction, ScrapeScheme, ScrapeTls } from './scrape-options';
import { ServiceAccountTokenSecret, ServiceAccountTokenSecretProps } from './service-account-token-secret';

/**
 * A kubelet metrics endpoint. Every `/metrics*` path needs `get` on `nodes/metrics` for the identity
 * the kubelet sees: through Raven, the proxy's user `tunnel-proxy-client`.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
 */
export class KubeletEndpoint {
  /** `/metrics`: the kubelet's own metrics. */
  public static readonly METRICS = new KubeletEndpoint('/metrics', 'metrics');
  /** `/metrics/cadvisor`: container CPU, memory, network and filesystem usage. */
  public static readonly CADVISOR = new KubeletEndpoint('/metrics/cadvisor', 'cadvisor');
  /** `/metrics/probes`: liveness, readiness and startup probe results. */
  public static readonly PROBES = new KubeletEndpoint('/metrics/probes', 'probes');
  /** `/metrics/resource`: the resource metrics the metrics-server reads. */
  public static readonly RESOURCE = new KubeletEndpoint('/metrics/resource', 'resource');

  /**
   * Another kubelet path.
   *
   * @param path the HTTP path, e.g. `/metrics/slis`
   * @param suffix appended to the ScrapeConfig name prefix, an RFC 1123 label
   */
  public static custom(path: string, suffix: string): KubeletEndpoint {
    checkHttpPath('KubeletEndpoint.custom', 'path', path);
    checkDnsLabel('KubeletEndpoint.custom', 'suffix', suffix);
    return new KubeletEndpoint(path, suffix);
  }

  private constructor(
    /** The HTTP path. */
    public readonly path: string,
    /** The suffix of the ScrapeConfig name. */
    public readonly suffix: string,
  ) {}
}

/**
 * The metric relabelings kube-prometheus-stack 88.5 applies to cAdvisor
 * (`kubelet.serviceMonitor.cAdvisorMetricRelabelings`), in its order: drops of series its
 * dashboards and rules do not use, of the network series of CNI interfaces (which host-network pods
 * such as node-exporter, raven-agent and yurthub would otherwise report as their own traffic), and of
 * cgroups that belong to no pod.
 */
const CADVISOR_DROPS: MetricRelabeling[] = [
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_cpu_(cfs_throttled_seconds_total|load_average_10s|system_seconds_total|user_seconds_total)' },
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_fs_(io_current|io_time_seconds_total|io_time_weighted_seconds_total|reads_merged_total|sector_reads_total|sector_writes_total|writes_merged_total)' },
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_memory_(mapped_file|swap)' },
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_(file_descriptors|tasks_state|threads_max)' },
  { sourceLabels: ['__name__', 'scope'], action: RelabelAction.DROP, regex: 'container_memory_failures_total;hierarchy' },
  { sourceLabels: ['__name__', 'interface'], action: RelabelAction.DROP, regex: 'container_network_.*;(cali|cilium|cni|lxc|nodelocaldns|tunl).*' },
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_spec.*' },
  { sourceLabels: ['id', 'pod'], action: RelabelAction.DROP, regex: '.+;' },
];

/**
 * The same drops, except `container_memory_swap`, which the chart drops although its own recording
 * rule `node_namespace_pod_container:container_memory_swap` reads it (docs/edge-metrics.md): what
 * `ScrapeProfile.edgeLink()` keeps, since it keeps every metric the default rules read.
 */
const CADVISOR_DROPS_KEEPING_SWAP: MetricRelabeling[] = CADVISOR_DROPS.map((drop) => (drop.regex === 'container_memory_(mapped_file|swap)'
  ? { ...drop, regex: 'container_memory_mapped_file' }
  : drop));

/** The cAdvisor drops a kubelet scrape writes (keeping `container_memory_swap` when asked). */
export function cadvisorDrops(keepContainerMemorySwap: boolean): MetricRelabeling[] {
  return keepContainerMemorySwap ? CADVISOR_DROPS_KEEPING_SWAP : CADVISOR_DROPS;
}

/**
 * kube-prometheus-stack 88.5's metric relabeling of the kubelet's `/metrics`
 * (`kubelet.serviceMonitor.metricRelabelings`): fewer buckets of the storage operation histograms.
 */
const STORAGE_BUCKET_DROPS: MetricRelabeling[] = [
  { sourceLabels: ['__name__', 'le'], action: RelabelAction.DROP, regex: '(csi_operations|storage_operation_duration)_seconds_bucket;(0.25|2.5|15|25|120|600)(\\.0)?' },
];

/** The endpoints whose values come from cAdvisor's housekeeping, carrying their own timestamps. */
const CADVISOR_PATHS = ['/metrics/cadvisor', '/metrics/resource'];

/**
 * Props for `KubeletScrape`.
 */
export interface KubeletScrapeProps extends EdgeNodeScrapeOptions {
  /**
   * The ScrapeConfigs are named `<namePrefix>-<endpoint suffix>`, e.g. `kubelet-raven-cadvisor`.
   *
   * @default "kubelet-raven"
   */
  readonly namePrefix?: string;

  /**
   * The kubelet endpoints to scrape, one ScrapeConfig each.
   *
   * @default [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES]
   */
  readonly endpoints?: KubeletEndpoint[];

  /**
   * The kubelet's HTTPS port.
   *
   * @default 10250
   */
  readonly port?: number;

  /**
   * A token to send with every scrape. Through Raven it is of no use and a risk: the proxy
   * forwards the request as it came, `Authorization` included, to every edge node, while the
   * kubelet authorizes the proxy's own client certificate (`tunnel-proxy-client`) and ignores the
   * token. Set it only where the kubelet is reached without Raven's certificate; the
   * ServiceAccount then needs `get` on `nodes/metrics` (`PrometheusNodeRbac`'s `nodeMetrics`).
   *
   * @default - no token is sent
   */
  readonly bearerToken?: BearerToken;

  /**
   * How the certificate presented through the Raven proxy (the proxy's own, not the kubelet's) is checked.
   *
   * @default ScrapeTls.ravenProxy() - the cluster's root CA and the proxy Service's name
   */
  readonly tls?: ScrapeTls;

  /**
   * The value of the `job` label, which kubernetes-mixin's rules and dashboards select on.
   *
   * @default "kubelet"
   */
  readonly jobLabel?: string;

  /**
   * The `namespace` label of every target: the series without a `namespace` of their own (the
   * kubelet's, the node's cgroups) get it, as from kube-prometheus-stack's kubelet ServiceMonitor,
   * whose targets are in the kubelet Service's namespace. `TargetDown` groups by it. An empty
   * string writes none.
   *
   * @default "kube-system"
   */
  readonly namespaceLabel?: string;

  /**
   * The `service` label of every target. `TargetDown` groups by `(job, namespace, service)` and
   * reads "…% of the <job>/<service> targets in <namespace> namespace are down"; a value other than
   * the chart's kubelet Service (`<fullname>-kubelet`) keeps the edge nodes' group apart from the
   * cloud nodes' and the series apart from the stock ones. An empty string writes none.
   *
   * @default - the name prefix, `kubelet-raven`
   */
  readonly serviceLabel?: string;

  /**
   * Keep the kubelet's own `namespace`, `pod` and `container` labels on cAdvisor series.
   *
   * @default true
   */
  readonly honorLabels?: boolean;

  /**
   * Use the timestamps cAdvisor exposes.
   *
   * @default true
   */
  readonly honorTimestamps?: boolean;

  /**
   * Drop the cAdvisor series kube-prometheus-stack drops (its 8 `cAdvisorMetricRelabelings`).
   *
   * @default true
   */
  readonly cadvisorMetricDrops?: boolean;

  /**
   * Drop the `le` buckets of `csi_operations_seconds_bucket` and
   * `storage_operation_duration_seconds_bucket` on `/metrics` that kube-prometheus-stack drops
   * (its `metricRelabelings`).
   *
   * @default true
   */
  readonly storageBucketDrops?: boolean;

  /**
   * Track the staleness of the timestamped series of `/metrics/cadvisor` and `/metrics/resource`,
   * as kube-prometheus-stack does: a deleted container's series end at once instead of lingering
   * for the 5-minute lookback. Needs `honorTimestamps`; written only for prometheus-operator v0.70
   * or later, whose CRD has the field.
   *
   * @default - true when `honorTimestamps` is true and prometheus-operator is v0.70 or later
   */
  readonly trackTimestampsStaleness?: boolean;

  /**
   * How often `/metrics/cadvisor` and `/metrics/resource` are scraped when `scrapeInterval` is not
   * set. kube-prometheus-stack scrapes them every 10 s (`cAdvisorInterval`, `resourceInterval`:
   * cAdvisor's minimum housekeeping interval); through Raven that triples cAdvisor's bytes on every
   * edge node's link, and cAdvisor is most of a node's bytes (measured: the library's stack cost 2.4
   * times the manual recipe's bytes with 10 s, docs/performance.md). So by default they follow the
   * global interval like the other endpoints; `Duration.seconds(10)` is the chart's habit.
   * `Duration.seconds(0)` is the same as unset.
   *
   * @default - the Prometheus resource's global interval
   */
  readonly cadvisorInterval?: Duration;
}

/**
 * Scrapes the kubelet of every selected node through Raven, one HTTPS ScrapeConfig per endpoint.
 *
 * The endpoints are `https://<node name>:10250/metrics`, `/metrics/cadvisor` and `/metrics/probes`
 * by default, each labelled `job="kubelet"` and `metrics_path="<path>"`. No credential is sent:
 * Raven's proxy presents its own client certificate to the kubelet, and Prometheus verifies the
 * proxy's certificate against the cluster's root CA.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { KubeletEndpoint, KubeletScrape, NodeSelection } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * new KubeletScrape(chart, 'kubelet', {
 *   nodes: NodeSelection.edgeOnly(),
 *   endpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR],
 *   labels: { release: 'kube-prometheus-stack' },
 * });
 */
export class KubeletScrape extends Construct {
  /** The token Secret the construct created, if it created one. */
  public readonly tokenSecret?: ApiObject;
  /** The namespace of the ScrapeConfigs. */
  public readonly namespace: string;
  /** The kubelet port scraped. */
  public readonly port: number;
  private readonly _scrapes: EdgeNodeScrape[] = [];

  /**
   * @param scope the chart, or a construct in it, that the objects are added to
   * @param id the construct id, unique within `scope`
   * @param props which nodes, which kubelet endpoints, and the token and TLS settings
   */
  public constructor(scope: Construct, id: string, props: KubeletScrapeProps = {}) {
    super(scope, id);
    checkKnownProps('KubeletScrape', 'props', props, 'KubeletScrapeProps', scope, id);
    const built = inChart(scope, id, () => addKubeletObjects(this, props ?? {}, {
      tokenSecret: (s, p) => new ServiceAccountTokenSecret(s, 'TokenSecret', p).resource,
      scrape: (s, endpoint, p) => new EdgeNodeScrape(s, endpoint.suffix, p),
    }));
    checkObjectsOf(this);
    this.namespace = built.namespace;
    this.port = built.port;
    this.tokenSecret = built.tokenSecret;
    this._scrapes.push(...built.scrapes);
  }

  /** One scrape per endpoint, in the order given. */
  public get scrapes(): EdgeNodeScrape[] {
    return [...this._scrapes];
  }
}

/** What a kubelet scrape writes in `scope`: the token Secret (if it creates one) and one ScrapeConfig per endpoint. */
export function addKubeletObjects<S>(scope: Construct, props: KubeletScrapeProps, make: {
  // As constructs of their own (KubeletScrape), or as plain ApiObjects (RavenPrometheus).
  tokenSecret(scope: Construct, props: ServiceAccountTokenSecretProps): ApiObject;
  scrape(scope: Construct, endpoint: KubeletEndpoint, props: EdgeNodeScrapeProps): S;
}, options: { keepContainerMemorySwap?: boolean } = {}): {
    namespace: string; port: number; tokenSecret?: ApiObject; scrapes: S[];
  } {
  const owner = 'KubeletScrape';
  checkInstances(owner, 'endpoints', props.endpoints, KubeletEndpoint);
  checkInstance(owner, 'bearerToken', props.bearerToken, BearerToken);
  checkInstance(owner, 'tls', props.tls, ScrapeTls);
  checkDuration(owner, 'cadvisorInterval', props.cadvisorInterval);
  checkCadvisorInterval(owner, props.scrapeInterval, props.cadvisorInterval);
  if (props.jobLabel !== undefined) checkJobLabel(owner, 'jobLabel', props.jobLabel);
  const namespace = resolveNamespace(scope, owner, props.namespace);
  const prefix = checkDnsSubdomain(owner, 'namePrefix', props.namePrefix ?? 'kubelet-raven');
  const port = checkPort(owner, 'port', props.port ?? 10250);
  const endpoints = props.endpoints ?? [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES];
  if (endpoints.length === 0) {
    invalid(owner, 'endpoints', [], 'at least one KubeletEndpoint', 'Omit endpoints for /metrics, /metrics/cadvisor and /metrics/probes.');
  }
  const seen = new Set<string>();
  for (const endpoint of endpoints) {
    if (seen.has(endpoint.suffix) || endpoints.filter((e) => e.path === endpoint.path).length > 1) {
      invalid(owner, 'endpoints', endpoints.map((e) => e.path), 'a list without repeated endpoints or paths',
        'Each path is one target per node: scraped by two ScrapeConfigs, every series would be stored twice.');
    }
    seen.add(endpoint.suffix);
  }

  const token = props.bearerToken;
  let tokenSecret: ApiObject | undefined;
  if (token?.createsSecret) {
    const saNamespace = token.serviceAccountNamespace ?? namespace;
    if (saNamespace !== namespace) {
      throw new Error(`${owner}: the token Secret for ServiceAccount '${saNamespace}/${token.serviceAccountName}' `
        + `must be created in '${saNamespace}', but prometheus-operator reads authorization.credentials from the `
        + `ScrapeConfigs' own namespace '${namespace}'; got serviceAccountNamespace '${saNamespace}' and namespace `
        + `'${namespace}'. Put the ScrapeConfigs in '${saNamespace}' (namespace: '${saNamespace}'), or create the `
        + `Secret yourself in '${namespace}' and pass BearerToken.fromSecret(name).`);
    }
    tokenSecret = make.tokenSecret(scope, {
      namespace,
      secretName: token.secretName,
      serviceAccountName: token.serviceAccountName,
    });
  }

  const tls = props.tls ?? ScrapeTls.ravenProxy();
  const jobLabel = props.jobLabel ?? 'kubelet';
  const namespaceLabel = optionalLabelValue(owner, 'namespaceLabel', props.namespaceLabel, 'kube-system');
  const serviceLabel = optionalLabelValue(owner, 'serviceLabel', props.serviceLabel, prefix);
  const honorTimestamps = props.honorTimestamps ?? true;
  const staleness = trackTimestampsStaleness(owner, props, honorTimestamps);
  const cadvisorInterval = props.scrapeInterval ?? cadvisorIntervalOf(owner, props.cadvisorInterval);
  const scrapes = endpoints.map((endpoint) => {
    const fromCadvisor = CADVISOR_PATHS.includes(endpoint.path);
    return make.scrape(scope, endpoint, {
      ...props,
      name: intern(`${prefix}-${endpoint.suffix}`),
      namespace,
      port,
      scheme: ScrapeScheme.HTTPS,
      metricsPath: endpoint.path,
      tls,
      bearerToken: token,
      honorLabels: props.honorLabels ?? true,
      honorTimestamps,
      trackTimestampsStaleness: fromCadvisor && staleness ? true : undefined,
      scrapeInterval: fromCadvisor ? cadvisorInterval : props.scrapeInterval,
      targetLabels: definedLabels({ job: jobLabel, metrics_path: endpoint.path, namespace: namespaceLabel, service: serviceLabel }),
      metricRelabelings: metricDropsOf(endpoint, props, options.keepContainerMemorySwap ?? false),
    });
  });
  return { namespace, port, tokenSecret, scrapes };
}

function metricDropsOf(endpoint: KubeletEndpoint, props: KubeletScrapeProps, keepSwap: boolean): MetricRelabeling[] | undefined {
  if (endpoint.path === KubeletEndpoint.CADVISOR.path && (props.cadvisorMetricDrops ?? true)) return cadvisorDrops(keepSwap);
  if (endpoint.path === KubeletEndpoint.METRICS.path && (props.storageBucketDrops ?? true)) return STORAGE_BUCKET_DROPS;
  return undefined;
}

function trackTimestampsStaleness(owner: string, props: KubeletScrapeProps, honorTimestamps: boolean): boolean {
  if (props.trackTimestampsStaleness === false) return false;
  if (!honorTimestamps) {
    if (props.trackTimestampsStaleness) {
      invalid(owner, 'trackTimestampsStaleness', true, 'false or unset when honorTimestamps is false',
        'Prometheus tracks the staleness only of the timestamps it honors.');
    }
    return false;
  }
  const versions = resolveVersions(owner, props.versions);
  if (props.trackTimestampsStaleness) {
    requireVersion(owner, versions, 'prometheusOperator', '0.70.0', 'trackTimestampsStaleness',
      'Upgrade prometheus-operator, or leave trackTimestampsStaleness unset.');
    return true;
  }
  // The default adapts: an older CRD has no such field (resolveVersions checked the format).
  const [major, minor] = versions.prometheusOperator.replace(/^v/, '').split('.').map(Number);
  return major > 0 || minor >= 70;
}

function cadvisorIntervalOf(owner: string, value: Duration | undefined): Duration | undefined {
  if (value === undefined) return undefined;
  if (value.toMilliseconds({ integral: false }) === 0) return undefined;
  toPrometheusDuration(owner, 'cadvisorInterval', value);
  return value;
}

/** A label value prop where an empty string means "write none". */
export function optionalLabelValue(owner: string, prop: string, value: string | undefined, fallback: string): string | undefined {
  if (value === '') return undefined;
  const v = value ?? fallback;
  if (typeof v !== 'string' || /[\n\r]/.test(v)) invalid(owner, prop, v, 'a label value on one line, or \'\' for none');
  return v;
}

/** The entries whose value is set, in order. */
export function definedLabels(labels: { [name: string]: string | undefined }): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const [k, v] of Object.entries(labels)) if (v !== undefined) out[k] = v;
  return out;
}
