import { ApiObject, ApiObjectProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { intern } from './private/bounded-cache';
import { checkKnownProps } from './private/known-props';
import { resolveNamespace } from './private/namespace';
import { checkObjectsOf } from './private/object-checks';
import { checkRelabelRegex } from './private/re2';
import { checkScrapePropTypes } from './private/scrape-prop-checks';
import { SCRAPE_CONFIG_GVK, ScrapeConfigSpecJson } from './private/typed-api-object';
import {
  checkDnsSubdomain,
  checkHttpPath,
  checkIntervalAndTimeout,
  checkKubernetesLabels,
  checkPort,
  checkPrometheusLabelName,
  inChart,
  invalid,
  toPrometheusDuration,
} from './private/validation';
import { requireOperatorForScrapeConfig, requireVersion, resolveVersions } from './private/version-checks';
import {
  BearerToken,
  InstanceLabel,
  MetricRelabeling,
  NodeAddressing,
  NodeSelection,
  RelabelAction,
  ScrapeScheme,
  ScrapeTls,
  TargetDiscovery,
} from './scrape-options';
import { ClusterVersions } from './versions';

// The spec is written in its JSON form, typed from the generated interfaces (see typed-api-object.ts);
// the generated module is not loaded at run time.
type Relabeling = NonNullable<ScrapeConfigSpecJson['relabelings']>[number];
type MetricRelabelingJson = NonNullable<ScrapeConfigSpecJson['metricRelabelings']>[number];
type KubernetesSdConfig = NonNullable<ScrapeConfigSpecJson['kubernetesSDConfigs']>[number];
type TlsConfig = NonNullable<ScrapeConfigSpecJson['tlsConfig']>;
type SchemeJson = NonNullable<ScrapeConfigSpecJson['scheme']>;

/**
 * Options shared by every per-node scrape of the library.
 */
export interface EdgeNodeScrapeOptions {
  /**
   * The ScrapeConfig's namespace. prometheus-operator reads the Secrets it references from here.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * Labels on the ScrapeConfig object, e.g. `{ release: 'kube-prometheus-stack' }` so that the
   * Prometheus resource's `scrapeConfigSelector` picks it up.
   *
   * @default - no labels
   */
  readonly labels?: { [key: string]: string };

  /**
   * How often to scrape.
   *
   * @default - the Prometheus resource's global interval
   */
  readonly scrapeInterval?: Duration;

  /**
   * How long one scrape may take; at most `scrapeInterval`.
   *
   * @default - the Prometheus resource's global timeout
   */
  readonly scrapeTimeout?: Duration;

  /**
   * Which nodes to scrape.
   *
   * @default NodeSelection.all()
   */
  readonly nodes?: NodeSelection;

  /**
   * How targets are addressed through the Raven proxy.
   *
   * @default NodeAddressing.nodeName()
   */
  readonly addressing?: NodeAddressing;

  /**
   * Where the `instance` label comes from.
   *
   * @default InstanceLabel.internalIp()
   */
  readonly instance?: InstanceLabel;

  /**
   * Write a `node` label with the node name on every series, as prometheus-operator does for
   * its own node-backed targets.
   *
   * @default true
   */
  readonly nodeLabel?: boolean;

  /**
   * Write `scrape_via="raven"` on every target, which `cdk8s-raven-prometheus verify` uses to
   * find the library's targets.
   *
   * @default true
   */
  readonly markerLabel?: boolean;

  /**
   * Copy every node label onto the series (`labelmap` of `__meta_kubernetes_node_label_(.+)`).
   *
   * @default true
   */
  readonly keepNodeLabels?: boolean;

  /**
   * The versions running in the cluster; options they do not support are refused.
   *
   * @default - current versions (prometheus-operator 0.93.0, raven 0.4.4, OpenYurt 1.7.0)
   */
  readonly versions?: ClusterVersions;
}

/**
 * Props for `EdgeNodeScrape`.
 */
export interface EdgeNodeScrapeProps extends EdgeNodeScrapeOptions {
  /**
   * The port the exporter listens on, on every node. The Raven Gateway must proxy it.
   */
  readonly port: number;

  /**
   * The ScrapeConfig's name; prometheus-operator names the job `scrapeConfig/<namespace>/<name>`.
   *
   * @default - the construct id
   */
  readonly name?: string;

  /**
   * The HTTP path of the metrics.
   *
   * @default "/metrics"
   */
  readonly metricsPath?: string;

  /**
   * HTTP or HTTPS.
   *
   * @default ScrapeScheme.HTTP
   */
  readonly scheme?: ScrapeScheme;

  /**
   * Query parameters sent with every scrape (the ScrapeConfig's `params`), e.g. node-exporter's
   * `collect[]`. Raven's proxy passes the query through to the node and removes only `nodeName`
   * (raven `manageheader.go`), so a filter here filters at the source: what it leaves out never
   * crosses the edge link.
   *
   * @default - none
   */
  readonly params?: { [name: string]: string[] };

  /**
   * How the certificate of an HTTPS target is checked. Only valid with `ScrapeScheme.HTTPS`.
   *
   * @default - ScrapeTls.ravenProxy() for HTTPS, none for HTTP
   */
  readonly tls?: ScrapeTls;

  /**
   * A bearer token sent as `Authorization: Bearer <token>`.
   *
   * @default - no authorization
   */
  readonly bearerToken?: BearerToken;

  /**
   * How targets are found: the nodes themselves, or the exporter's pods.
   *
   * @default TargetDiscovery.nodes()
   */
  readonly discovery?: TargetDiscovery;

  /**
   * Fixed labels written onto every target by relabeling, in order, e.g. `{ job: 'dcgm-exporter' }`.
   *
   * @default - none
   */
  readonly targetLabels?: { [name: string]: string };

  /**
   * Relabelings applied to scraped series before they are stored.
   *
   * @default - none
   */
  readonly metricRelabelings?: MetricRelabeling[];

  /**
   * Keep the target's own labels when they clash with the labels Prometheus attaches.
   *
   * @default - Prometheus' default (false)
   */
  readonly honorLabels?: boolean;

  /**
   * Use the timestamps the target exposes.
   *
   * @default - Prometheus' default (true)
   */
  readonly honorTimestamps?: boolean;

  /**
   * Mark series that carry their own timestamps (cAdvisor's) stale as soon as they disappear,
   * instead of letting a deleted container linger for the 5-minute lookback; only with
   * `honorTimestamps`. Needs prometheus-operator v0.70 (and Prometheus 2.48, below which the
   * operator leaves it out).
   *
   * @default - Prometheus' default (false)
   */
  readonly trackTimestampsStaleness?: boolean;
}

const REPLACE = 'replace';

/**
 * The object without its undefined members: what the manifest gets anyway (cdk8s drops them at
 * synth), written once instead of carried and skipped on every synth.
 */
function definedOnly<T extends object>(o: T): T {
  const result: any = {};
  for (const key of Object.keys(o)) {
    const value = (o as any)[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/** A Kubernetes label name as Prometheus writes it into `__meta_*` label names. */
function metaLabelName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** A literal as an anchored RE2 pattern. */
function literalRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A map's entries in key order. Maps from users become ordered lists here (selectors, relabelings),
 * and a map's order is not the user's intent: Go hands maps over sorted, Java's `Map.of` in an order
 * that changes between runs. Sorting makes the output the same from every language.
 */
function sortedEntries<T>(map: { [key: string]: T }): [string, T][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function labelSelector(labels: { [key: string]: string }): string {
  return intern(sortedEntries(labels).map(([k, v]) => `${k}=${v}`).join(','));
}

/** What an EdgeNodeScrape computes from its props before it exists: checked values and the spec. */
interface RenderedScrape {
  name: string;
  namespace: string;
  port: number;
  metricsPath: string;
  prometheusJobName: string;
  discovery: TargetDiscovery;
  addressing: NodeAddressing;
  scheme: ScrapeScheme;
  spec: ScrapeConfigSpecJson;
}

/** Checks the props and builds the ScrapeConfig spec; `owner` names the construct in errors. */
function renderScrape(scope: Construct, id: string, owner: string, props: EdgeNodeScrapeProps): RenderedScrape {
  const r = {} as RenderedScrape;
  checkScrapePropTypes(owner, props);
  const versions = resolveVersions(owner, props.versions);

  r.name = checkDnsSubdomain(owner, 'name', props.name ?? id);
  r.namespace = resolveNamespace(scope, owner, props.namespace);
  r.port = checkPort(owner, 'port', props.port);
  r.metricsPath = checkHttpPath(owner, 'metricsPath', props.metricsPath ?? '/metrics');
  r.prometheusJobName = intern(`scrapeConfig/${r.namespace}/${r.name}`);
  r.discovery = props.discovery ?? TargetDiscovery.nodes();
  r.addressing = props.addressing ?? NodeAddressing.nodeName();
  checkKubernetesLabels(owner, 'labels', props.labels);
  checkIntervalAndTimeout(owner, props.scrapeInterval, props.scrapeTimeout);

  if (!r.addressing.needsDns) {
    requireVersion(owner, versions, 'raven', '0.4.4', 'DNS-free addressing (NodeAddressing.proxyQuery(), the ?nodeName= parameter)',
      'Upgrade raven, or use NodeAddressing.nodeName() with RavenCoreDns or RavenProxyDns.');
  }

  r.scheme = props.scheme ?? ScrapeScheme.HTTP;
  if (props.tls && r.scheme !== ScrapeScheme.HTTPS) {
    invalid(owner, 'tls', 'set', 'unset when scheme is HTTP', 'Use scheme: ScrapeScheme.HTTPS or drop tls.');
  }
  const tls = r.scheme === ScrapeScheme.HTTPS ? props.tls ?? ScrapeTls.ravenProxy() : undefined;

  const instance = props.instance ?? InstanceLabel.internalIp();
  const byPod = r.discovery.role === 'Pod';
  if (instance.source === 'discovered' && (byPod || !r.addressing.needsDns)) {
    invalid(owner, 'instance', 'InstanceLabel.discovered()', 'InstanceLabel.internalIp() or InstanceLabel.nodeName() with pod discovery or DNS-free addressing',
      'There discovery\'s instance is the pod address or the shared Raven Service, which would merge all nodes into one series.');
  }

  const targetLabels = props.targetLabels ?? {};
  // With pod discovery, namespace and pod are the pod's; with node discovery they are free to set.
  const reserved = ['instance', '__address__', 'node', 'scrape_via', ...(byPod ? ['namespace', 'pod'] : [])];
  for (const [label, value] of Object.entries(targetLabels)) {
    checkPrometheusLabelName(owner, 'targetLabels', label);
    if (reserved.includes(label) || label.startsWith('__')) {
      invalid(owner, 'targetLabels', label, `a label other than ${reserved.join(', ')} and __*`, 'The library writes those itself; see the instance, nodeLabel and markerLabel props.');
    }
    if (typeof value !== 'string' || value === '') {
      invalid(owner, `targetLabels.${label}`, value, 'a non-empty string');
    }
  }

  const nodeSelection = (props.nodes ?? NodeSelection.all()).labels;
  const keepNodeLabels = props.keepNodeLabels ?? true;
  const attachNode = byPod && (keepNodeLabels || Object.keys(nodeSelection).length > 0);
  const nodeNameLabel = byPod ? '__meta_kubernetes_pod_node_name' : '__meta_kubernetes_node_name';

  // Keys in sorted order, as the synthesized manifest has them (also with CDK8S_DISABLE_SORT).
  const relabelings: Relabeling[] = [];
  if (byPod) {
    // One target per declared container port: keep the exporter's, and running pods only.
    relabelings.push({ action: 'keep', regex: String(r.port), sourceLabels: ['__meta_kubernetes_pod_container_port_number'] });
    relabelings.push({ action: 'drop', regex: '(Failed|Succeeded)', sourceLabels: ['__meta_kubernetes_pod_phase'] });
    for (const [key, value] of sortedEntries(nodeSelection)) {
      relabelings.push({ action: 'keep', regex: literalRegex(value), sourceLabels: [intern(`__meta_kubernetes_node_label_${metaLabelName(key)}`)] });
    }
  }
  if (keepNodeLabels) {
    relabelings.push({ action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' });
  }
  if (r.addressing.needsDns) {
    relabelings.push({ action: REPLACE, replacement: intern(`\${1}:${r.port}`), sourceLabels: [nodeNameLabel], targetLabel: '__address__' });
    // A sharded Prometheus hashes __tmp_hash when it is set (prometheus-operator >= v0.79), else
    // __address__, which differs per port: node-exporter and the kubelet of one node would land on
    // different shards, and neither shard could tell an exporter down from a node down. The node
    // name keeps every job of a node on one shard.
    relabelings.push({ action: REPLACE, replacement: '${1}', sourceLabels: [nodeNameLabel], targetLabel: '__tmp_hash' });
  } else {
    relabelings.push({ action: REPLACE, replacement: '${1}', sourceLabels: [nodeNameLabel], targetLabel: '__param_nodeName' });
    // Every target has the same __address__ (the proxy Service): hashed alone, every node would
    // land on one shard. The node name spreads them, every job of a node on the same shard.
    relabelings.push({ action: REPLACE, replacement: '${1}', sourceLabels: [nodeNameLabel], targetLabel: '__tmp_hash' });
    relabelings.push({ action: REPLACE, replacement: intern(`${r.addressing.proxyHost}:${r.port}`), targetLabel: '__address__' });
  }
  if (byPod) {
    relabelings.push({ action: REPLACE, sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' });
    relabelings.push({ action: REPLACE, sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' });
  }
  if (instance.source === 'internalIp') {
    const ip = byPod ? '__meta_kubernetes_pod_host_ip' : '__meta_kubernetes_node_address_InternalIP';
    relabelings.push({ action: REPLACE, replacement: intern(`\${1}:${r.port}`), sourceLabels: [ip], targetLabel: 'instance' });
    // An IPv6 address in brackets, `[fd00::1]:9100`, as the stock monitors' instance (Go's net.JoinHostPort) has it.
    relabelings.push({ action: REPLACE, regex: '(.+:.+)', replacement: intern(`[\${1}]:${r.port}`), sourceLabels: [ip], targetLabel: 'instance' });
  } else if (instance.source === 'nodeName') {
    relabelings.push({ action: REPLACE, sourceLabels: [nodeNameLabel], targetLabel: 'instance' });
  }
  if (props.nodeLabel ?? true) {
    relabelings.push({ action: REPLACE, sourceLabels: [nodeNameLabel], targetLabel: 'node' });
  }
  for (const [label, value] of sortedEntries(targetLabels)) {
    relabelings.push({ action: REPLACE, replacement: value, targetLabel: label });
  }
  if (props.markerLabel ?? true) {
    relabelings.push({ action: REPLACE, replacement: 'raven', targetLabel: 'scrape_via' });
  }

  const sd: KubernetesSdConfig = definedOnly(byPod
    ? {
      attachMetadata: attachNode ? { node: true } : undefined,
      namespaces: r.discovery.namespaces.length > 0 ? { names: r.discovery.namespaces } : undefined,
      role: 'Pod',
      selectors: [{ label: labelSelector(r.discovery.podLabels), role: 'Pod' }],
    }
    : {
      role: 'Node',
      selectors: Object.keys(nodeSelection).length > 0
        ? [{ label: labelSelector(nodeSelection), role: 'Node' }]
        : undefined,
    });

  const spec: ScrapeConfigSpecJson = {
    authorization: props.bearerToken
      // type is left to the operator's default, Bearer.
      ? { credentials: { key: props.bearerToken.key, name: props.bearerToken.secretName } }
      : undefined,
    honorLabels: props.honorLabels,
    honorTimestamps: props.honorTimestamps,
    kubernetesSDConfigs: [sd],
    metricRelabelings: props.metricRelabelings && props.metricRelabelings.map((relabeling, i) => renderMetricRelabeling(owner, i, relabeling)),
    // Prometheus' default path is /metrics; written only when asked for.
    metricsPath: props.metricsPath === undefined ? undefined : r.metricsPath,
    params: props.params === undefined ? undefined : checkParams(owner, props.params),
    relabelings,
    // The generated enum only carries the lowercase spelling; see ScrapeScheme.
    scheme: r.scheme === ScrapeScheme.HTTPS ? r.scheme as string as SchemeJson : undefined,
    scrapeInterval: props.scrapeInterval && toPrometheusDuration(owner, 'scrapeInterval', props.scrapeInterval),
    scrapeTimeout: props.scrapeTimeout && toPrometheusDuration(owner, 'scrapeTimeout', props.scrapeTimeout),
    tlsConfig: tls && renderTls(tls),
    trackTimestampsStaleness: props.trackTimestampsStaleness,
  };
  r.spec = definedOnly(spec);
  requireOperatorForScrapeConfig(owner, versions, r.spec);
  return r;
}

/**
 * A ScrapeConfig that scrapes one port of every selected node through OpenYurt's Raven L7 proxy.
 *
 * Targets are found as nodes (`role: Node`) or as the exporter's pods (`role: Pod`). Their
 * unreachable `<InternalIP>` address is replaced by the node name: either `<node name>:<port>`,
 * which DNS resolves to the Raven proxy once the tunnel-nodes hosts file is wired in
 * (`RavenCoreDns`, `RavenProxyDns`), or DNS-free, the proxy Service with `?nodeName=<node>`.
 * The proxy then forwards to the node.
 *
 * The construct is the ScrapeConfig API object itself.
 *
 * @see https://prometheus-operator.dev/docs/developer/scrapeconfig/
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { EdgeNodeScrape, NodeAddressing, NodeSelection } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * new EdgeNodeScrape(chart, 'dcgm-exporter-raven', {
 *   // dcgm-exporter on the GPU edge nodes, addressed DNS-free through the Raven proxy Service
 *   port: 9400,
 *   nodes: NodeSelection.withLabels({ 'openyurt.io/is-edge-worker': 'true', 'nvidia.com/gpu.present': 'true' }),
 *   addressing: NodeAddressing.proxyQuery(),
 * });
 */
export class EdgeNodeScrape extends ApiObject {
  /** The ScrapeConfig's namespace. */
  public readonly namespace: string;
  /** The port scraped on every node. */
  public readonly port: number;
  /** The HTTP path scraped. */
  public readonly metricsPath: string;
  /** The scheme scraped. */
  public readonly scheme: ScrapeScheme;
  /** The Prometheus job name prometheus-operator gives this scrape (`scrapeConfig/<namespace>/<name>`). */
  public readonly prometheusJobName: string;
  /** How the targets are found. */
  public readonly discovery: TargetDiscovery;
  /** How the targets are addressed. */
  public readonly addressing: NodeAddressing;

  /**
   * @param scope the chart, or a construct in it, that the objects are added to
   * @param id the construct id, unique within `scope`; also the ScrapeConfig's name unless `name` is set
   * @param props the port to scrape, and which nodes and how
   */
  public constructor(scope: Construct, id: string, props: EdgeNodeScrapeProps) {
    const owner = new.target.name;
    const r = inChart(scope, id, () => {
      // KubeletScrape builds its scrapes from its own props, kubelet ones included: checked there.
      if (new.target === EdgeNodeScrape && scope.constructor.name !== 'KubeletScrape') checkKnownProps(owner, 'props', props, 'EdgeNodeScrapeProps');
      return renderScrape(scope, id, owner, props);
    });
    super(scope, id, scrapeObjectProps(r, props));
    checkObjectsOf(this);
    this.namespace = r.namespace;
    this.port = r.port;
    this.metricsPath = r.metricsPath;
    this.prometheusJobName = r.prometheusJobName;
    this.discovery = r.discovery;
    this.addressing = r.addressing;
    this.scheme = r.scheme;
  }

  /** The ScrapeConfig API object: the scrape itself (kept for symmetry with the other constructs). */
  public get resource(): ApiObject {
    return this;
  }
}

function scrapeObjectProps(r: RenderedScrape, props: EdgeNodeScrapeProps): ApiObjectProps {
  return {
    apiVersion: SCRAPE_CONFIG_GVK.apiVersion,
    kind: SCRAPE_CONFIG_GVK.kind,
    metadata: { name: r.name, namespace: r.namespace, labels: props.labels },
    spec: r.spec,
  };
}

/**
 * The same ScrapeConfig as `EdgeNodeScrape`, as a plain `ApiObject` in `scope`: how the composite
 * writes its scrapes without a construct class of their own per object (see `RavenPrometheus`).
 */
export function addScrapeObject(scope: Construct, id: string, owner: string, props: EdgeNodeScrapeProps): {
  object: ApiObject; port: number; scheme: ScrapeScheme; discovery: TargetDiscovery;
} {
  const r = renderScrape(scope, id, owner, props);
  return { object: new ApiObject(scope, id, scrapeObjectProps(r, props)), port: r.port, scheme: r.scheme, discovery: r.discovery };
}

/** The query parameters, checked, in key order. */
function checkParams(owner: string, params: { [name: string]: string[] }): { [name: string]: string[] } {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    invalid(owner, 'params', params, 'a map of parameter names to lists of values, e.g. { \'collect[]\': [\'cpu\'] }');
  }
  const out: { [name: string]: string[] } = {};
  for (const [name, values] of sortedEntries(params)) {
    if (name === '' || /[\s&=?#]/.test(name)) {
      invalid(owner, 'params', name, 'parameter names without spaces, &, =, ? or #', 'Name the query parameter as the exporter reads it, e.g. collect[].');
    }
    if (name === 'nodeName') {
      invalid(owner, `params[${name}]`, values, 'no nodeName parameter', 'Raven\'s proxy routes by nodeName and removes it; DNS-free addressing (NodeAddressing.proxyQuery()) sets it per target.');
    }
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string' || v === '')) {
      invalid(owner, `params[${name}]`, values, 'a non-empty list of non-empty strings');
    }
    out[name] = [...values];
  }
  return out;
}

function renderTls(tls: ScrapeTls): TlsConfig {
  if (tls.skipVerify) return { insecureSkipVerify: true };
  const ca = tls.ca!;
  return {
    ca: ca.kind === 'secret' ? { secret: { key: ca.key, name: ca.name } } : { configMap: { key: ca.key, name: ca.name } },
    serverName: tls.serverName,
  };
}

function renderMetricRelabeling(owner: string, index: number, r: MetricRelabeling): MetricRelabelingJson {
  for (const label of r.sourceLabels ?? []) checkPrometheusLabelName(owner, `metricRelabelings[${index}].sourceLabels`, label);
  if (r.targetLabel !== undefined) checkPrometheusLabelName(owner, `metricRelabelings[${index}].targetLabel`, r.targetLabel);
  // Every RelabelAction is one of the CRD's actions: checked here by the compiler.
  const action: NonNullable<MetricRelabelingJson['action']> = r.action ?? RelabelAction.REPLACE;
  if (action === 'replace' && r.targetLabel === undefined) {
    invalid(owner, `metricRelabelings[${index}].targetLabel`, undefined, 'set for a replace action', 'Name the label to write, or choose another action.');
  }
  if ((action === 'keep' || action === 'drop') && (r.sourceLabels ?? []).length === 0) {
    invalid(owner, `metricRelabelings[${index}].sourceLabels`, [], `at least one label for a ${action} action`);
  }
  if (r.regex !== undefined) checkRelabelRegex(owner, `metricRelabelings[${index}].regex`, r.regex);
  return definedOnly({
    action,
    regex: r.regex,
    replacement: r.replacement,
    separator: r.separator,
    sourceLabels: r.sourceLabels,
    targetLabel: r.targetLabel,
  });
}
