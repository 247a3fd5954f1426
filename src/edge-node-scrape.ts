import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { resolveNamespace } from './namespace';
import { BearerToken, InstanceLabel, ScrapeScheme, ScrapeTls } from './scrape-options';
import {
  checkDnsSubdomain,
  checkHttpPath,
  checkIntervalAndTimeout,
  checkKubernetesLabels,
  checkPort,
  checkPrometheusLabelName,
  invalid,
  toPrometheusDuration,
} from './validation';
import {
  ScrapeConfig,
  ScrapeConfigSpec,
  ScrapeConfigSpecKubernetesSdConfigsRole,
  ScrapeConfigSpecRelabelings,
  ScrapeConfigSpecRelabelingsAction,
  ScrapeConfigSpecScheme,
} from '../imports/monitoring.coreos.com';

/**
 * Props for `EdgeNodeScrape`.
 */
export interface EdgeNodeScrapeProps {
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
   * How the certificate of an HTTPS target is checked. Only valid with `ScrapeScheme.HTTPS`.
   *
   * @default - ScrapeTls.insecureSkipVerify() for HTTPS, none for HTTP
   */
  readonly tls?: ScrapeTls;

  /**
   * A bearer token sent as `Authorization: Bearer <token>`.
   *
   * @default - no authorization
   */
  readonly bearerToken?: BearerToken;

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
   * Copy every node label onto the series (`labelmap` of `__meta_kubernetes_node_label_(.+)`).
   *
   * @default true
   */
  readonly keepNodeLabels?: boolean;

  /**
   * Where the `instance` label comes from.
   *
   * @default InstanceLabel.nodeName()
   */
  readonly instance?: InstanceLabel;

  /**
   * Fixed labels written onto every target by relabeling, in order, e.g. `{ job: 'kubelet' }`.
   *
   * @default - none
   */
  readonly targetLabels?: { [name: string]: string };

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
}

/**
 * A ScrapeConfig that scrapes one port of every node through OpenYurt's Raven L7 proxy.
 *
 * Nodes are discovered with `kubernetes_sd_configs` role `Node`; the target address is
 * rewritten from the unreachable `<InternalIP>:<kubelet port>` to `<node name>:<port>`,
 * which the cluster DNS resolves to the Raven proxy Service once the tunnel-nodes hosts
 * file is wired in (see `RavenCoreDns`). The proxy then picks the edge node from the
 * HTTP `Host` header.
 *
 * @see https://prometheus-operator.dev/docs/developer/scrapeconfig/
 */
export class EdgeNodeScrape extends Construct {
  /** The ScrapeConfig API object. */
  public readonly resource: ApiObject;
  /** The ScrapeConfig's name. */
  public readonly name: string;
  /** The ScrapeConfig's namespace. */
  public readonly namespace: string;
  /** The port scraped on every node. */
  public readonly port: number;
  /** The HTTP path scraped. */
  public readonly metricsPath: string;
  /** The Prometheus job name prometheus-operator gives this scrape. */
  public readonly prometheusJobName: string;

  public constructor(scope: Construct, id: string, props: EdgeNodeScrapeProps) {
    super(scope, id);
    const owner = this.constructor.name;

    this.name = checkDnsSubdomain(owner, 'name', props.name ?? id);
    this.namespace = resolveNamespace(this, owner, props.namespace);
    this.port = checkPort(owner, 'port', props.port);
    this.metricsPath = checkHttpPath(owner, 'metricsPath', props.metricsPath ?? '/metrics');
    this.prometheusJobName = `scrapeConfig/${this.namespace}/${this.name}`;
    checkKubernetesLabels(owner, 'labels', props.labels);
    checkIntervalAndTimeout(owner, props.scrapeInterval, props.scrapeTimeout);

    const scheme = props.scheme ?? ScrapeScheme.HTTP;
    if (props.tls && scheme !== ScrapeScheme.HTTPS) {
      invalid(owner, 'tls', 'set', 'unset when scheme is HTTP', 'Use scheme: ScrapeScheme.HTTPS or drop tls.');
    }
    const tls = scheme === ScrapeScheme.HTTPS ? props.tls ?? ScrapeTls.insecureSkipVerify() : undefined;

    const targetLabels = props.targetLabels ?? {};
    for (const [label, value] of Object.entries(targetLabels)) {
      checkPrometheusLabelName(owner, 'targetLabels', label);
      if (label === 'instance' || label === '__address__') {
        invalid(owner, 'targetLabels', label, 'a label other than instance and __address__', 'Use the instance prop for instance.');
      }
      if (typeof value !== 'string' || value === '') {
        invalid(owner, `targetLabels.${label}`, value, 'a non-empty string');
      }
    }

    const relabelings: ScrapeConfigSpecRelabelings[] = [];
    if (props.keepNodeLabels ?? true) {
      relabelings.push({ action: ScrapeConfigSpecRelabelingsAction.LABELMAP, regex: '__meta_kubernetes_node_label_(.+)' });
    }
    relabelings.push({
      sourceLabels: ['__meta_kubernetes_node_name'],
      action: ScrapeConfigSpecRelabelingsAction.REPLACE,
      targetLabel: '__address__',
      replacement: `\${1}:${this.port}`,
    });
    if ((props.instance ?? InstanceLabel.nodeName()).fromInternalIp) {
      relabelings.push({
        sourceLabels: ['__meta_kubernetes_node_address_InternalIP'],
        action: ScrapeConfigSpecRelabelingsAction.REPLACE,
        targetLabel: 'instance',
        replacement: `\${1}:${this.port}`,
      });
    }
    for (const [label, value] of Object.entries(targetLabels)) {
      relabelings.push({ action: ScrapeConfigSpecRelabelingsAction.REPLACE, targetLabel: label, replacement: value });
    }

    const spec: ScrapeConfigSpec = {
      kubernetesSdConfigs: [{ role: ScrapeConfigSpecKubernetesSdConfigsRole.NODE }],
      // The generated enum only carries the lowercase spelling; see ScrapeScheme.
      scheme: scheme === ScrapeScheme.HTTPS ? scheme as unknown as ScrapeConfigSpecScheme : undefined,
      // Prometheus' default path is /metrics; written only when asked for.
      metricsPath: props.metricsPath === undefined ? undefined : this.metricsPath,
      scrapeInterval: props.scrapeInterval && toPrometheusDuration(owner, 'scrapeInterval', props.scrapeInterval),
      scrapeTimeout: props.scrapeTimeout && toPrometheusDuration(owner, 'scrapeTimeout', props.scrapeTimeout),
      honorLabels: props.honorLabels,
      honorTimestamps: props.honorTimestamps,
      tlsConfig: tls ? { insecureSkipVerify: tls.skipVerify } : undefined,
      authorization: props.bearerToken
        // type is left to the operator's default, Bearer.
        ? { credentials: { name: props.bearerToken.secretName, key: props.bearerToken.key } }
        : undefined,
      relabelings,
    };

    this.resource = new ScrapeConfig(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels: props.labels },
      spec,
    });
  }
}
