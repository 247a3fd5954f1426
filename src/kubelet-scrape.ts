import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { EdgeNodeScrape } from './edge-node-scrape';
import { resolveNamespace } from './namespace';
import { BearerToken, InstanceLabel, ScrapeScheme, ScrapeTls } from './scrape-options';
import { ServiceAccountTokenSecret } from './service-account-token-secret';
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
 * Props for `KubeletScrape`.
 */
export interface KubeletScrapeProps {
  /**
   * The ScrapeConfigs are named `<namePrefix>-<endpoint suffix>`, e.g. `kubelet-raven-cadvisor`.
   *
   * @default "kubelet-raven"
   */
  readonly namePrefix?: string;

  /**
   * The namespace of the ScrapeConfigs (and of the token Secret the construct creates).
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * Labels on each ScrapeConfig, e.g. `{ release: '<helm release>' }`.
   *
   * @default - no labels
   */
  readonly labels?: { [key: string]: string };

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
   * The token Prometheus presents to the kubelet.
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
   * Where the `instance` label comes from.
   *
   * @default InstanceLabel.internalIp()
   */
  readonly instance?: InstanceLabel;

  /**
   * The value of the `job` label.
   *
   * @default "kubelet"
   */
  readonly jobLabel?: string;
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
  private readonly _scrapes: EdgeNodeScrape[] = [];

  public constructor(scope: Construct, id: string, props: KubeletScrapeProps = {}) {
    super(scope, id);
    const owner = 'KubeletScrape';
    this.namespace = resolveNamespace(this, owner, props.namespace);
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
    if (token.createsSecret) {
      const saNamespace = token.serviceAccountNamespace ?? this.namespace;
      if (saNamespace !== this.namespace) {
        throw new Error(`${owner}: the token Secret for ServiceAccount '${saNamespace}/${token.serviceAccountName}' `
          + `must be created in '${saNamespace}', but prometheus-operator reads authorization.credentials from the `
          + `ScrapeConfigs' own namespace '${this.namespace}'; got serviceAccountNamespace '${saNamespace}' and namespace `
          + `'${this.namespace}'. Put the ScrapeConfigs in '${saNamespace}' (namespace: '${saNamespace}'), or create the `
          + `Secret yourself in '${this.namespace}' and pass BearerToken.fromSecret(name).`);
      }
      this.tokenSecret = new ServiceAccountTokenSecret(this, 'TokenSecret', {
        namespace: this.namespace,
        secretName: token.secretName,
        serviceAccountName: token.serviceAccountName,
      }).resource;
    }

    for (const endpoint of endpoints) {
      this._scrapes.push(new EdgeNodeScrape(this, endpoint.suffix, {
        name: `${prefix}-${endpoint.suffix}`,
        namespace: this.namespace,
        labels: props.labels,
        port,
        scheme: ScrapeScheme.HTTPS,
        metricsPath: endpoint.path,
        tls: props.tls ?? ScrapeTls.insecureSkipVerify(),
        bearerToken: token,
        scrapeInterval: props.scrapeInterval,
        scrapeTimeout: props.scrapeTimeout,
        instance: props.instance ?? InstanceLabel.internalIp(),
        targetLabels: { job: props.jobLabel ?? 'kubelet', metrics_path: endpoint.path },
      }));
    }
  }

  /** One scrape per endpoint, in the order given. */
  public get scrapes(): EdgeNodeScrape[] {
    return [...this._scrapes];
  }
}
