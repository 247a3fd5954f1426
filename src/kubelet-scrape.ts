import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { intern } from './bounded-cache';
import { EdgeNodeScrape, EdgeNodeScrapeOptions, EdgeNodeScrapeProps } from './edge-node-scrape';
import { resolveNamespace } from './namespace';
import { BearerToken, MetricRelabeling, RelabelAction, ScrapeScheme, ScrapeTls } from './scrape-options';
import { ServiceAccountTokenSecret, ServiceAccountTokenSecretProps } from './service-account-token-secret';
import { checkDnsLabel, checkDnsSubdomain, checkHttpPath, checkPort, invalid } from './validation';

/**
 * A kubelet metrics endpoint. Every `/metrics*` path needs `get` on `nodes/metrics`.
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
 * The metric relabelings kube-prometheus-stack applies to cAdvisor: drops of high-cardinality
 * or duplicated series that its dashboards and rules do not use.
 */
const CADVISOR_DROPS: MetricRelabeling[] = [
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_cpu_(cfs_throttled_seconds_total|load_average_10s|system_seconds_total|user_seconds_total)' },
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_fs_(io_current|io_time_seconds_total|io_time_weighted_seconds_total|reads_merged_total|sector_reads_total|sector_writes_total|writes_merged_total)' },
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_memory_(mapped_file|swap)' },
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_(file_descriptors|tasks_state|threads_max)' },
  { sourceLabels: ['__name__'], action: RelabelAction.DROP, regex: 'container_spec.*' },
  { sourceLabels: ['id', 'pod'], action: RelabelAction.DROP, regex: '.+;' },
];

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
   * The token Prometheus presents to the kubelet; its ServiceAccount needs `get` on `nodes/metrics`.
   *
   * @default BearerToken.fromServiceAccount() - a token Secret `prometheus-sa-token` for ServiceAccount `prometheus`
   */
  readonly bearerToken?: BearerToken;

  /**
   * How the kubelet's certificate, as presented through the Raven proxy, is checked.
   *
   * @default ScrapeTls.insecureSkipVerify()
   */
  readonly tls?: ScrapeTls;

  /**
   * The value of the `job` label, which kubernetes-mixin's rules and dashboards select on.
   *
   * @default "kubelet"
   */
  readonly jobLabel?: string;

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
   * Drop the high-cardinality cAdvisor series kube-prometheus-stack drops.
   *
   * @default true
   */
  readonly cadvisorMetricDrops?: boolean;
}

/**
 * Scrapes the kubelet of every node through Raven: one HTTPS ScrapeConfig per endpoint
 * (`https://<node name>:10250/metrics`, `/metrics/cadvisor`, `/metrics/probes`), each
 * labelled `job="kubelet"` and `metrics_path="<path>"`, authenticated with Prometheus'
 * ServiceAccount token.
 */
export class KubeletScrape extends Construct {
  /** The token Secret the construct created, if it created one. */
  public readonly tokenSecret?: ApiObject;
  /** The namespace of the ScrapeConfigs. */
  public readonly namespace: string;
  /** The kubelet port scraped. */
  public readonly port: number;
  private readonly _scrapes: EdgeNodeScrape[] = [];

  public constructor(scope: Construct, id: string, props: KubeletScrapeProps = {}) {
    super(scope, id);
    const built = addKubeletObjects(this, props, {
      tokenSecret: (s, p) => new ServiceAccountTokenSecret(s, 'TokenSecret', p).resource,
      scrape: (s, endpoint, p) => new EdgeNodeScrape(s, endpoint.suffix, p),
    });
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
}): {
    namespace: string; port: number; tokenSecret?: ApiObject; scrapes: S[];
  } {
  const owner = 'KubeletScrape';
  const namespace = resolveNamespace(scope, owner, props.namespace);
  const prefix = checkDnsSubdomain(owner, 'namePrefix', props.namePrefix ?? 'kubelet-raven');
  const port = checkPort(owner, 'port', props.port ?? 10250);
  const endpoints = props.endpoints ?? [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES];
  if (endpoints.length === 0) {
    invalid(owner, 'endpoints', [], 'at least one KubeletEndpoint', 'Omit endpoints for /metrics, /metrics/cadvisor and /metrics/probes.');
  }
  const seen = new Set<string>();
  for (const endpoint of endpoints) {
    if (seen.has(endpoint.suffix)) {
      invalid(owner, 'endpoints', endpoints.map((e) => e.path), 'a list without repeated endpoints');
    }
    seen.add(endpoint.suffix);
  }

  const token = props.bearerToken ?? BearerToken.fromServiceAccount();
  let tokenSecret: ApiObject | undefined;
  if (token.createsSecret) {
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

  const tls = props.tls ?? ScrapeTls.insecureSkipVerify();
  const jobLabel = props.jobLabel ?? 'kubelet';
  const scrapes = endpoints.map((endpoint) => make.scrape(scope, endpoint, {
    ...props,
    name: intern(`${prefix}-${endpoint.suffix}`),
    namespace,
    port,
    scheme: ScrapeScheme.HTTPS,
    metricsPath: endpoint.path,
    tls,
    bearerToken: token,
    honorLabels: props.honorLabels ?? true,
    honorTimestamps: props.honorTimestamps ?? true,
    targetLabels: { job: jobLabel, metrics_path: endpoint.path },
    metricRelabelings: endpoint.path === KubeletEndpoint.CADVISOR.path && (props.cadvisorMetricDrops ?? true) ? CADVISOR_DROPS : undefined,
  }));
  return { namespace, port, tokenSecret, scrapes };
}
