import { checkNonEmptyLabelValues, checkVerifiedTlsOptions } from './private/factory-checks';
import { checkKnownProps } from './private/known-props';
import { checkDataKey, checkDnsLabel, checkDnsSubdomain, checkKubernetesLabels, checkServerName, invalid } from './private/validation';

/**
 * The protocol Prometheus uses to scrape a target.
 *
 * Written capitalised (`HTTP`, `HTTPS`): every ScrapeConfig CRD since prometheus-operator
 * v0.67 accepts that spelling, whereas lowercase is only accepted from v0.87 on.
 */
export enum ScrapeScheme {
  /** Plain HTTP, e.g. node-exporter on :9100. */
  HTTP = 'HTTP',
  /** HTTPS, e.g. the kubelet on :10250. */
  HTTPS = 'HTTPS',
}

/**
 * Where the `instance` label of a scraped series comes from.
 *
 * With DNS-free addressing every target's address is the same Raven Service, so `instance`
 * must never be left to the address: that would merge all nodes into one series.
 */
export class InstanceLabel {
  /**
   * `<node InternalIP>:<port>`, as kube-prometheus-stack's own kubelet and node-exporter
   * scrapes produce it, so series from Raven scrapes line up with the stock dashboards.
   * With pod discovery the pod's host IP is used, which is the node's InternalIP.
   */
  public static internalIp(): InstanceLabel {
    return new InstanceLabel('internalIp');
  }

  /** The node name. */
  public static nodeName(): InstanceLabel {
    return new InstanceLabel('nodeName');
  }

  /**
   * Write no relabeling and keep what discovery sets: with node discovery the node name.
   * This is the manual recipe's node-exporter scrape. Refused with pod discovery and with DNS-free
   * addressing, where discovery's value would not identify the node.
   */
  public static discovered(): InstanceLabel {
    return new InstanceLabel('discovered');
  }

  /** `internalIp`, `nodeName` or `discovered`. */
  public readonly source: string;

  private constructor(source: string) {
    this.source = source;
  }
}

/**
 * Where the CA certificate that verifies a target comes from. prometheus-operator reads it
 * from the ScrapeConfig's namespace.
 */
export class CertificateAuthority {
  /**
   * A key of a Secret.
   *
   * @param name the Secret's name, in the ScrapeConfig's namespace
   * @param key the key holding the PEM certificate, e.g. `ca.crt`
   */
  public static fromSecret(name: string, key: string): CertificateAuthority {
    checkDnsSubdomain('CertificateAuthority.fromSecret', 'name', name);
    checkDataKey('CertificateAuthority.fromSecret', 'key', key);
    return new CertificateAuthority('secret', name, key);
  }

  /**
   * A key of a ConfigMap.
   *
   * @param name the ConfigMap's name, in the ScrapeConfig's namespace, e.g. `kube-root-ca.crt`
   * @param key the key holding the PEM certificate, e.g. `ca.crt`
   */
  public static fromConfigMap(name: string, key: string): CertificateAuthority {
    checkDnsSubdomain('CertificateAuthority.fromConfigMap', 'name', name);
    checkDataKey('CertificateAuthority.fromConfigMap', 'key', key);
    return new CertificateAuthority('configMap', name, key);
  }

  /**
   * The cluster's root CA as Kubernetes publishes it in every namespace: key `ca.crt` of the
   * ConfigMap `kube-root-ca.crt` (kube-controller-manager's root-ca-cert-publisher, Kubernetes 1.21
   * and later). It is the CA that signs kubelet-serving certificates on kubeadm clusters, and so
   * Raven's proxy certificate, which raven-agent requests with signer `kubernetes.io/kubelet-serving`.
   */
  public static clusterRoot(): CertificateAuthority {
    return new CertificateAuthority('configMap', 'kube-root-ca.crt', 'ca.crt');
  }

  private constructor(
    /** `secret` or `configMap`. */
    public readonly kind: string,
    /** The object's name. */
    public readonly name: string,
    /** The key holding the PEM certificate. */
    public readonly key: string,
  ) {}
}

/** The proxy Service's name in the cluster DNS, which Raven's proxy certificate carries. */
const RAVEN_PROXY_SERVER_NAME = 'x-raven-proxy-internal-svc.kube-system.svc';

/**
 * Options for `ScrapeTls.verify()`.
 */
export interface VerifiedTlsOptions {
  /** The CA that signed the certificate the Raven proxy presents. */
  readonly ca: CertificateAuthority;

  /**
   * The name to verify the certificate against. The Raven proxy's certificate names the
   * gateway and its Service, not the edge nodes: addressed by node name, set this to the
   * Service's name (`x-raven-proxy-internal-svc.kube-system.svc`).
   *
   * @default - the target's host: with node-name addressing the node name, which the Raven proxy's
   * certificate does not carry; DNS-free (`NodeAddressing.proxyQuery()`) the proxy Service, which it does
   */
  readonly serverName?: string;
}

/**
 * Options for `ScrapeTls.ravenProxy()`.
 */
export interface RavenProxyTlsOptions {
  /**
   * The CA that signed Raven's proxy certificate.
   *
   * @default CertificateAuthority.clusterRoot() - the `kube-root-ca.crt` ConfigMap of the ScrapeConfig's namespace
   */
  readonly ca?: CertificateAuthority;

  /**
   * A name or IP address Raven's proxy certificate carries. raven-agent requests it for the gateway
   * node's name and IP, 127.0.0.1, the proxy Service's names (`x-raven-proxy-internal-svc`,
   * `x-raven-proxy-internal-svc.kube-system`, `...svc`, `...svc.cluster.local`) and its ClusterIP,
   * never for an edge node's name. An IP address is given without brackets (`fd00:10:96::a`).
   *
   * @default "x-raven-proxy-internal-svc.kube-system.svc"
   */
  readonly serverName?: string;
}

/**
 * How Prometheus checks the certificate of an HTTPS target.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { CertificateAuthority, KubeletScrape, NodeAddressing, ScrapeTls } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * new KubeletScrape(chart, 'kubelet', {
 *   addressing: NodeAddressing.proxyQuery(),
 *   // DNS-free, the target's host is the Raven proxy Service, whose certificate this CA signed
 *   tls: ScrapeTls.verify({ ca: CertificateAuthority.fromSecret('raven-proxy-ca', 'ca.crt') }),
 * });
 */
export class ScrapeTls {
  /**
   * Do not verify the target's certificate.
   *
   * No longer the default (that is `ScrapeTls.ravenProxy()`): the Raven proxy's certificate names
   * the gateway and its Service, never an edge node, and `ravenProxy()` checks the Service's name
   * whatever node the target names. Skip verification only where no CA for the certificate is at hand.
   */
  public static insecureSkipVerify(): ScrapeTls {
    return new ScrapeTls(true);
  }

  /**
   * Verify Raven's proxy certificate: the default for HTTPS scrapes.
   *
   * Through Raven, Prometheus's TLS session ends at the proxy on the gateway node, which presents
   * its own certificate (raven `pkg/proxyengine/proxyserver/proxyserver.go`, `Start`: signer
   * `kubernetes.io/kubelet-serving`, issued by the cluster's CA on kubeadm clusters) for the
   * gateway and the proxy Service, never for an edge node. So the certificate is checked against
   * the cluster's root CA and the proxy Service's name, whatever node the target names. Where
   * kubelet-serving certificates are signed by another CA, pass it as `ca`.
   *
   * @param options the CA and the server name, both defaulting to what a kubeadm cluster has
   */
  public static ravenProxy(options: RavenProxyTlsOptions = {}): ScrapeTls {
    const owner = 'ScrapeTls.ravenProxy';
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      invalid(owner, 'options', options, 'an options object ({ ca?, serverName? })');
    }
    checkKnownProps(owner, 'options', options, 'RavenProxyTlsOptions');
    if (options.ca !== undefined && !(options.ca instanceof CertificateAuthority)) {
      invalid(owner, 'ca', options.ca, 'a CertificateAuthority (CertificateAuthority.fromSecret(...), .fromConfigMap(...) or .clusterRoot())');
    }
    const serverName = checkServerName(owner, 'serverName', options.serverName ?? RAVEN_PROXY_SERVER_NAME);
    return new ScrapeTls(false, options.ca ?? CertificateAuthority.clusterRoot(), serverName);
  }

  /**
   * Verify the certificate with a CA, optionally against a fixed server name.
   *
   * @param options the CA, and the name the certificate must carry
   */
  public static verify(options: VerifiedTlsOptions): ScrapeTls {
    checkVerifiedTlsOptions(options);
    if (options.serverName !== undefined) {
      checkServerName('ScrapeTls.verify', 'serverName', options.serverName);
    }
    return new ScrapeTls(false, options.ca, options.serverName);
  }

  private constructor(
    /** Whether certificate verification is skipped. */
    public readonly skipVerify: boolean,
    /** The CA, when verifying. */
    public readonly ca?: CertificateAuthority,
    /** The server name checked, when verifying. */
    public readonly serverName?: string,
  ) {}
}

const EDGE_WORKER_LABEL = 'openyurt.io/is-edge-worker';

/**
 * Which nodes a scrape targets.
 */
export class NodeSelection {
  /** The node label OpenYurt sets to "true" on edge nodes and "false" on cloud nodes. */
  public static readonly EDGE_WORKER_LABEL = EDGE_WORKER_LABEL;

  /** Every node, cloud nodes included, as the manual recipe scrapes them. */
  public static all(): NodeSelection {
    return new NodeSelection({});
  }

  /**
   * Only edge nodes (`openyurt.io/is-edge-worker=true`), so cloud nodes stay with the stock
   * ServiceMonitors that scrape them by IP, without duplicate series.
   */
  public static edgeOnly(): NodeSelection {
    return new NodeSelection({ [EDGE_WORKER_LABEL]: 'true' });
  }

  /**
   * Nodes carrying all of these labels, e.g. `{ 'apps.openyurt.io/nodepool': 'gpu-pool' }`.
   *
   * @param labels node labels and the values they must have, all of them
   */
  public static withLabels(labels: { [key: string]: string }): NodeSelection {
    checkNonEmptyLabelValues('NodeSelection.withLabels', 'labels', labels);
    if (Object.keys(labels).length === 0) {
      invalid('NodeSelection.withLabels', 'labels', labels, 'at least one node label', 'Use NodeSelection.all() to select every node.');
    }
    checkKubernetesLabels('NodeSelection.withLabels', 'labels', labels);
    return new NodeSelection({ ...labels });
  }

  private readonly _labels: { [key: string]: string };

  private constructor(labels: { [key: string]: string }) {
    this._labels = labels;
  }

  /** The node labels required; empty for every node. */
  public get labels(): { [key: string]: string } {
    return { ...this._labels };
  }
}

/**
 * Options for `NodeAddressing.proxyQuery()`.
 */
export interface ProxyQueryOptions {
  /**
   * The host of the Raven L7 proxy Service as Prometheus resolves it.
   *
   * @default "x-raven-proxy-internal-svc.kube-system.svc"
   */
  readonly proxyHost?: string;
}

/**
 * How a scrape addresses a node through the Raven proxy.
 */
export class NodeAddressing {
  /**
   * `<node name>:<port>`: the node name must resolve to the Raven proxy Service, through
   * the cluster CoreDNS (`RavenCoreDns`) or a dedicated DNS (`RavenProxyDns`). The manual recipe's way.
   */
  public static nodeName(): NodeAddressing {
    return new NodeAddressing(undefined);
  }

  /**
   * DNS-free: `__address__` is the Raven proxy Service and the node name travels as the
   * `nodeName` query parameter (`?nodeName=<node>`). Needs raven v0.4.4 or later; no DNS change.
   *
   * @param options the Raven proxy Service to address
   */
  public static proxyQuery(options: ProxyQueryOptions = {}): NodeAddressing {
    checkKnownProps('NodeAddressing.proxyQuery', 'options', options, 'ProxyQueryOptions');
    const host = options.proxyHost ?? 'x-raven-proxy-internal-svc.kube-system.svc';
    checkDnsSubdomain('NodeAddressing.proxyQuery', 'proxyHost', host);
    return new NodeAddressing(host);
  }

  private constructor(
    /** The Raven proxy host for DNS-free addressing; undefined when addressing by node name. */
    public readonly proxyHost?: string,
  ) {}

  /** Whether node names must resolve through DNS. */
  public get needsDns(): boolean {
    return this.proxyHost === undefined;
  }
}

/**
 * Options for `TargetDiscovery.pods()`.
 */
export interface PodDiscoveryOptions {
  /**
   * Labels of the exporter pods, e.g. `{ 'app.kubernetes.io/name': 'prometheus-node-exporter' }`.
   */
  readonly podLabels: { [key: string]: string };

  /**
   * Namespaces to look for the pods in.
   *
   * @default - all namespaces
   */
  readonly namespaces?: string[];
}

/**
 * How a scrape finds its targets.
 */
export class TargetDiscovery {
  /** Discover nodes (`role: Node`): one target per node. The manual recipe's way. */
  public static nodes(): TargetDiscovery {
    return new TargetDiscovery('Node', {}, []);
  }

  /**
   * Discover the exporter's pods (`role: Pod`) and address each through its node's name, so
   * series keep the pod's `namespace` and `pod` labels, on which node-mixin's rules join.
   *
   * @param options the labels that select the exporter's pods, and their namespaces
   */
  public static pods(options: PodDiscoveryOptions): TargetDiscovery {
    const owner = 'TargetDiscovery.pods';
    checkKnownProps(owner, 'options', options ?? null, 'PodDiscoveryOptions');
    if (!options.podLabels || Object.keys(options.podLabels).length === 0) {
      invalid(owner, 'podLabels', options.podLabels ?? {}, 'at least one pod label',
        'Without a selector every pod of the cluster would become a target; e.g. { \'app.kubernetes.io/name\': \'prometheus-node-exporter\' }.');
    }
    checkKubernetesLabels(owner, 'podLabels', options.podLabels);
    for (const ns of options.namespaces ?? []) checkDnsLabel(owner, 'namespaces', ns);
    return new TargetDiscovery('Pod', { ...options.podLabels }, [...(options.namespaces ?? [])]);
  }

  /**
   * The pods of the prometheus-node-exporter Helm chart (as installed by kube-prometheus-stack).
   */
  public static nodeExporterPods(): TargetDiscovery {
    return TargetDiscovery.pods({ podLabels: { 'app.kubernetes.io/name': 'prometheus-node-exporter' } });
  }

  private constructor(
    /** `Node` or `Pod`. */
    public readonly role: string,
    private readonly _podLabels: { [key: string]: string },
    private readonly _namespaces: string[],
  ) {}

  /** The pod labels selected (pod discovery only). */
  public get podLabels(): { [key: string]: string } {
    return { ...this._podLabels };
  }

  /** The namespaces searched (pod discovery only); empty for all. */
  public get namespaces(): string[] {
    return [...this._namespaces];
  }
}

/**
 * Options for a ServiceAccount token Secret the library creates.
 */
export interface ServiceAccountTokenOptions {
  /**
   * The ServiceAccount Prometheus runs as; Kubernetes fills the Secret with its token.
   *
   * kube-prometheus-stack names it `<fullname>-prometheus` (see
   * `KubePrometheusStack.prometheusServiceAccountName()`). Kubernetes deletes a token Secret
   * whose ServiceAccount does not exist.
   *
   * @default "prometheus"
   */
  readonly serviceAccountName?: string;

  /**
   * The name of the Secret to create.
   *
   * @default "prometheus-sa-token"
   */
  readonly secretName?: string;

  /**
   * The namespace of the ServiceAccount. The token Secret must be created there, and
   * prometheus-operator reads the Secret from the ScrapeConfig's namespace, so it must
   * equal the namespace of the scrapes; any other value is refused.
   *
   * @default - the namespace of the scrapes
   * @see https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets
   */
  readonly serviceAccountNamespace?: string;
}

/**
 * The bearer token Prometheus sends to an authenticated target such as the kubelet.
 */
export class BearerToken {
  /**
   * Create a `kubernetes.io/service-account-token` Secret for Prometheus' ServiceAccount
   * and send its `token` key.
   *
   * @param options the ServiceAccount and the Secret's name
   */
  public static fromServiceAccount(options: ServiceAccountTokenOptions = {}): BearerToken {
    const owner = 'BearerToken.fromServiceAccount';
    checkKnownProps(owner, 'options', options, 'ServiceAccountTokenOptions');
    const serviceAccountName = checkDnsSubdomain(owner, 'serviceAccountName', options.serviceAccountName ?? 'prometheus');
    const secretName = checkDnsSubdomain(owner, 'secretName', options.secretName ?? 'prometheus-sa-token');
    if (options.serviceAccountNamespace !== undefined) {
      checkDnsLabel(owner, 'serviceAccountNamespace', options.serviceAccountNamespace);
    }
    return new BearerToken(secretName, 'token', serviceAccountName, options.serviceAccountNamespace);
  }

  /**
   * Use a Secret that already exists in the ScrapeConfig's namespace.
   *
   * prometheus-operator rejects the whole ScrapeConfig when the Secret or the key is missing.
   *
   * @param secretName the Secret's name, in the ScrapeConfig's namespace
   * @param key the key holding the token; default `token`
   */
  public static fromSecret(secretName: string, key: string = 'token'): BearerToken {
    const owner = 'BearerToken.fromSecret';
    checkDnsSubdomain(owner, 'secretName', secretName);
    checkDataKey(owner, 'key', key);
    return new BearerToken(secretName, key);
  }

  /** The Secret holding the token. */
  public readonly secretName: string;
  /** The key of the token in the Secret. */
  public readonly key: string;
  /** The ServiceAccount whose token Secret is created; undefined for an existing Secret. */
  public readonly serviceAccountName?: string;
  /** The ServiceAccount's namespace when the caller named one. */
  public readonly serviceAccountNamespace?: string;

  private constructor(secretName: string, key: string, serviceAccountName?: string, serviceAccountNamespace?: string) {
    this.secretName = secretName;
    this.key = key;
    this.serviceAccountName = serviceAccountName;
    this.serviceAccountNamespace = serviceAccountNamespace;
  }

  /** Whether the library creates the Secret. */
  public get createsSecret(): boolean {
    return this.serviceAccountName !== undefined;
  }
}

/**
 * A relabeling action, spelled as Prometheus spells it.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#relabel_config
 */
export enum RelabelAction {
  /** Write `replacement` into `targetLabel` when `regex` matches. */
  REPLACE = 'replace',
  /** Keep only series (or targets) whose source labels match. */
  KEEP = 'keep',
  /** Drop series (or targets) whose source labels match. */
  DROP = 'drop',
  /** Copy labels whose names match to new names. */
  LABELMAP = 'labelmap',
  /** Remove labels whose names match. */
  LABELDROP = 'labeldrop',
  /** Remove labels whose names do not match. */
  LABELKEEP = 'labelkeep',
}

/**
 * A relabeling applied to scraped series before they are stored (`metricRelabelings`).
 */
export interface MetricRelabeling {
  /**
   * The action.
   *
   * @default RelabelAction.REPLACE
   */
  readonly action?: RelabelAction;

  /**
   * Labels whose values, joined by `separator`, are matched against `regex`.
   *
   * @default - none
   */
  readonly sourceLabels?: string[];

  /**
   * The regular expression (RE2, anchored).
   *
   * @default "(.*)"
   */
  readonly regex?: string;

  /**
   * The label written by `replace`.
   *
   * @default - none
   */
  readonly targetLabel?: string;

  /**
   * The value written by `replace`.
   *
   * @default "$1"
   */
  readonly replacement?: string;

  /**
   * The separator between joined source label values.
   *
   * @default ";"
   */
  readonly separator?: string;
}
