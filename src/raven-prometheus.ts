import { ApiObject, App, Chart, Duration, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { DnsStrategy } from './dns-strategy';
import { addScrapeObject } from './edge-node-scrape';
import { checkHelmReleaseName, prometheusServiceAccountOf } from './kube-prometheus-stack';
import { KubePrometheusStackValues } from './kube-prometheus-stack-values';
import { addKubeletObjects, KubeletEndpoint } from './kubelet-scrape';
import { nodeExporterScrapeProps, targetGroupLabels } from './node-exporter-scrape';
import { intern } from './private/bounded-cache';
import { coreObject } from './private/core-objects';
import { checkKnownProps } from './private/known-props';
import { resolveNamespace } from './private/namespace';
import { checkObjectsOf, whenWrittenTwice } from './private/object-checks';
import { checkStackProps, gatewayPortsWarning, pushAll } from './private/stack-checks';
import {
  addWarnings,
  checkBoolean,
  checkDataSize,
  checkDnsSubdomain,
  checkDuration,
  checkEnumValue,
  checkInstance,
  checkInstances,
  checkKubernetesLabels,
  checkList,
  checkObject,
  checkPort,
  invalid,
  withChartContext,
} from './private/validation';
import { requireVersion, resolveVersions } from './private/version-checks';
import { addNodeRbacObjects } from './prometheus-node-rbac';
import { addAlertRulesObject, RavenAlertRulesOptions } from './raven-alert-rules';
import { addGatewayPortsObject, readCloudGateway } from './raven-gateway-ports';
import {
  BearerToken,
  NodeAddressing,
  NodeSelection,
  ScrapeScheme,
  ScrapeTls,
  TargetDiscovery,
} from './scrape-options';
import { renderFragmentJobs, ScrapeOutput } from './scrape-output';
import { ScrapeProfile } from './scrape-profile';
import { addTokenSecretObject } from './service-account-token-secret';
import { ClusterVersions } from './versions';

/**
 * An extra per-node exporter scraped through Raven, e.g. NVIDIA's dcgm-exporter.
 */
export interface ExtraEdgeScrape {
  /** The ScrapeConfig's name, an RFC 1123 subdomain. */
  readonly name: string;

  /** The exporter's port on every node. */
  readonly port: number;

  /**
   * The `job` label.
   *
   * @default - the name
   */
  readonly jobLabel?: string;

  /**
   * HTTP or HTTPS.
   *
   * @default ScrapeScheme.HTTP
   */
  readonly scheme?: ScrapeScheme;

  /**
   * The HTTP path of the metrics.
   *
   * @default "/metrics"
   */
  readonly metricsPath?: string;

  /**
   * How targets are found.
   *
   * @default TargetDiscovery.nodes()
   */
  readonly discovery?: TargetDiscovery;

  /**
   * Which nodes run the exporter.
   *
   * @default - the stack's node selection
   */
  readonly nodes?: NodeSelection;

  /**
   * Send Prometheus' ServiceAccount token to the exporter. Needs `sendServiceAccountTokenToNodes`,
   * since every node the scrape targets receives the token.
   *
   * @default false
   */
  readonly authenticate?: boolean;
}

/**
 * Options for `RavenPrometheus.kubePrometheusStackValues()`.
 */
export interface KubePrometheusStackValuesOptions {
  /**
   * The cluster's DNS domain, for Prometheus' DNS search path with the dedicated DNS.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * Your own Alertmanager configuration (the chart's `alertmanager.config` value), if your values
   * set one: the alert rules' inhibitions are merged into it (see
   * `KubePrometheusStackValuesProps.alertmanagerConfig`), with a warning when yours lacks them.
   *
   * @default - kube-prometheus-stack's default Alertmanager configuration
   */
  readonly alertmanagerConfig?: { [key: string]: any };
}

/**
 * Props for `RavenPrometheus`.
 */
export interface RavenPrometheusProps {
  /**
   * The Helm release of kube-prometheus-stack. Its Prometheus selects ScrapeConfigs labelled
   * `release: <release>`, and its ServiceAccount is `<fullname>-prometheus`, the fullname
   * derived from the release as the chart derives it (see `KubePrometheusStack.fullname()`).
   *
   * @default - no release label; ServiceAccount `prometheus`
   */
  readonly release?: string;

  /**
   * kube-prometheus-stack's `nameOverride` value, when the release sets one: it changes the
   * chart's fullname and so the name of Prometheus' ServiceAccount.
   *
   * @default - the chart name, `kube-prometheus-stack`
   */
  readonly nameOverride?: string;

  /**
   * kube-prometheus-stack's `fullnameOverride` value, when the release sets one: the chart's
   * fullname, cut to 26 characters, which prefixes Prometheus' ServiceAccount.
   *
   * @default - derived from `release` and `nameOverride`
   */
  readonly fullnameOverride?: string;

  /**
   * The namespace of Prometheus: the ScrapeConfigs (and, with `sendServiceAccountTokenToNodes`, the token Secret) go here.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * The ServiceAccount Prometheus runs as (kube-prometheus-stack's
   * `prometheus.serviceAccount.name`, when set). The RBAC is bound to it; with
   * `sendServiceAccountTokenToNodes`, Kubernetes also deletes a token Secret whose ServiceAccount
   * does not exist.
   *
   * @default - with a release, kube-prometheus-stack's `<fullname>-prometheus` (e.g.
   * `kps-kube-prometheus-stack-prometheus` for release `kps`); else `prometheus`
   */
  readonly serviceAccountName?: string;

  /**
   * Labels on every ScrapeConfig, added to the release label.
   *
   * @default - only the release label
   */
  readonly scrapeConfigLabels?: { [key: string]: string };

  /**
   * How node names resolve to the Raven proxy.
   *
   * @default DnsStrategy.none()
   */
  readonly dns?: DnsStrategy;

  /**
   * How targets are addressed.
   *
   * @default - NodeAddressing.nodeName() with a DNS strategy, NodeAddressing.proxyQuery() without one
   */
  readonly addressing?: NodeAddressing;

  /**
   * Which nodes are scraped through Raven. Cloud nodes are left to the stock ServiceMonitors,
   * which reach them by IP.
   *
   * @default NodeSelection.edgeOnly()
   */
  readonly nodes?: NodeSelection;

  /**
   * Scrape node-exporter.
   *
   * @default true
   */
  readonly nodeExporter?: boolean;

  /**
   * How node-exporter targets are found.
   *
   * @default TargetDiscovery.nodeExporterPods()
   */
  readonly nodeExporterDiscovery?: TargetDiscovery;

  /**
   * node-exporter's port.
   *
   * @default 9100
   */
  readonly nodeExporterPort?: number;

  /**
   * The kubelet endpoints to scrape; an empty list scrapes no kubelet.
   *
   * @default [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES]
   */
  readonly kubeletEndpoints?: KubeletEndpoint[];

  /**
   * How the certificate presented through the Raven proxy is checked. That is the proxy's own
   * certificate (issued for the gateway and the proxy Service), never the kubelet's.
   *
   * @default ScrapeTls.ravenProxy() - the cluster's root CA (`kube-root-ca.crt`) and the name `x-raven-proxy-internal-svc.kube-system.svc`
   */
  readonly kubeletTls?: ScrapeTls;

  /**
   * Other per-node exporters to scrape through Raven.
   *
   * @default - none
   */
  readonly extraScrapes?: ExtraEdgeScrape[];

  /**
   * How often to scrape.
   *
   * @default - the Prometheus resource's global interval
   */
  readonly scrapeInterval?: Duration;

  /**
   * How often the kubelet's `/metrics/cadvisor` and `/metrics/resource` are scraped when
   * `scrapeInterval` is not set. kube-prometheus-stack's `cAdvisorInterval` is 10 s; through Raven
   * every scrape crosses the edge node's link and cAdvisor is most of its bytes, so by default they
   * follow the global interval (measured: 10 s made the stack cost 2.4 times the manual recipe's
   * bytes, docs/performance.md). `Duration.seconds(10)` restores the chart's habit.
   *
   * @default - the Prometheus resource's global interval
   */
  readonly cadvisorInterval?: Duration;

  /**
   * Drop the cAdvisor series kube-prometheus-stack drops (its 8 `cAdvisorMetricRelabelings`).
   *
   * @default true
   */
  readonly cadvisorMetricDrops?: boolean;

  /**
   * What is scraped how often: kube-prometheus-stack's habits, or `ScrapeProfile.edgeLink()` for
   * thin or metered edge links (every metric the default dashboards and rules read, at a fraction
   * of the bytes; see docs/performance.md). It sets the intervals, the scrape timeout, the kubelet
   * endpoints and node-exporter's collectors, so `scrapeInterval`, `cadvisorInterval` and
   * `kubeletEndpoints` cannot be set with it.
   *
   * @default - the kubelet's /metrics, /metrics/cadvisor and /metrics/probes and node-exporter's every collector, all at the Prometheus resource's global interval, unless scrapeInterval, cadvisorInterval or kubeletEndpoints say otherwise
   */
  readonly profile?: ScrapeProfile;

  /**
   * Write `scrape_via="raven"` on every target, by which `cdk8s-raven-prometheus verify` finds the
   * library's targets.
   *
   * @default true
   */
  readonly markerLabel?: boolean;

  /**
   * Copy every label of the node onto its targets' series (`labelmap`).
   *
   * @default true
   */
  readonly keepNodeLabels?: boolean;

  /**
   * The cloud Raven Gateway as exported (`kubectl get gateways.raven.openyurt.io <name> -o yaml`).
   * Only its two proxy port fields are written back, with the ports the scrapes need added (see
   * `RavenGatewayPorts`): its endpoints, which raven-agent updates, stay the cluster's.
   *
   * @default - no Gateway is written; declare the ports by hand (see the README)
   */
  readonly gateway?: { [key: string]: any };

  /**
   * The cluster's other exported Gateways, checked for port clashes.
   *
   * @default - none checked
   */
  readonly otherGateways?: { [key: string]: any }[];

  /**
   * Add the scrapes' ports to the Gateway. When false with a `gateway`, the Gateway is only
   * checked: a scrape port it does not proxy is refused. When false without one, the ports are
   * declared where the Gateway is managed (raven's chart values, a GitOps repository): no Gateway
   * is written and the stack does not warn that the ports must be added by hand.
   *
   * @default true
   */
  readonly addGatewayPorts?: boolean;

  /**
   * Create the ClusterRole and ClusterRoleBinding Prometheus needs (`nodes`, `pods` with pod
   * discovery, `nodes/metrics` with `sendServiceAccountTokenToNodes`). Turn off when the
   * Prometheus chart already grants them.
   *
   * @default true
   */
  readonly rbac?: boolean;

  /**
   * Send Prometheus's ServiceAccount token with every kubelet scrape, so that each scraped node
   * receives it. Off by default, and rarely right: through Raven the proxy forwards the request
   * as it came, `Authorization` included, to every edge node, where anyone with access to the
   * device can read a credential that lists every node and pod of the cluster; and the kubelet
   * ignores it, because it authenticates the proxy's client certificate (`tunnel-proxy-client`,
   * bound to `raven-proxy-user` by the raven-agent chart) before any bearer token. Turn it on only
   * where the kubelet is reached without Raven's certificate: then a token Secret is written
   * (`createTokenSecret`, `tokenSecretName`) and the ClusterRole grants `nodes/metrics`.
   *
   * @default false
   */
  readonly sendServiceAccountTokenToNodes?: boolean;

  /**
   * With `sendServiceAccountTokenToNodes`: create the ServiceAccount token Secret; when false, an
   * existing Secret named `tokenSecretName` must hold the token under `token`.
   *
   * @default true
   */
  readonly createTokenSecret?: boolean;

  /**
   * With `sendServiceAccountTokenToNodes`: the token Secret's name.
   *
   * @default "prometheus-sa-token"
   */
  readonly tokenSecretName?: string;

  /**
   * The versions running in the cluster.
   *
   * @default - current versions
   */
  readonly versions?: ClusterVersions;

  /**
   * What the scrapes are synthesized as: prometheus-operator ScrapeConfigs, or a prometheus.yml
   * fragment for a Prometheus without the operator.
   *
   * @default ScrapeOutput.scrapeConfigResources()
   */
  readonly output?: ScrapeOutput;

  /**
   * Write the edge alert rules (`RavenAlertRules`): one page for a broken tunnel, quiet reports
   * for nodes that went offline. Needs `markerLabel`, by which the rules find the library's targets.
   *
   * @default - true, unless `markerLabel` is false
   */
  readonly alertRules?: boolean;

  /**
   * Thresholds, durations and severities of the alert rules.
   *
   * @default - the defaults of `RavenAlertRulesOptions`
   */
  readonly alertRulesOptions?: RavenAlertRulesOptions;
}

/**
 * Everything a cloud Prometheus needs to scrape OpenYurt edge nodes through Raven, in one construct.
 *
 * That is the DNS side (cluster CoreDNS edit, dedicated raven-proxy-dns, or none for DNS-free
 * addressing), the Gateway ports, least-privilege RBAC, the node-exporter and
 * kubelet scrapes labelled as kube-prometheus-stack labels its own, and any extra exporters.
 *
 * It writes the same objects as the single constructs (`RavenCoreDns`, `NodeExporterScrape`,
 * `KubeletScrape`, ...), as plain `ApiObject`s directly under itself: one construct per object
 * and no wrapper constructs. cdk8s resolves and validates the whole construct tree once per
 * chart it synthesizes, so in a platform app with hundreds of clusters every extra construct
 * per cluster is paid hundreds of times over.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { NodeSelection, RavenPrometheus } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * // kube-prometheus-stack's Prometheus (release 'kube-prometheus-stack') scrapes node-exporter, the
 * // kubelet and dcgm-exporter on every edge node, DNS-free through the Raven proxy Service.
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * new RavenPrometheus(chart, 'raven', {
 *   release: 'kube-prometheus-stack',
 *   nodes: NodeSelection.edgeOnly(),
 *   extraScrapes: [{ name: 'dcgm-exporter-raven', jobLabel: 'dcgm-exporter', port: 9400 }],
 * });
 * app.synth();
 */
export class RavenPrometheus extends Construct {
  /**
   * The node-exporter ScrapeConfig, if one is part of the app.
   *
   * Undefined without node-exporter or with `ScrapeOutput.prometheusConfigFragment()`.
   */
  public readonly nodeExporterScrape?: ApiObject;
  /** The token Secret for the kubelet scrapes, if `sendServiceAccountTokenToNodes` is on and the construct created it. */
  public readonly tokenSecret?: ApiObject;
  /**
   * The Gateway's server-side apply configuration (its two proxy port fields, the scrape ports added),
   * if a Gateway was given and `addGatewayPorts` is on.
   */
  public readonly gateway?: ApiObject;
  /** The ClusterRole, if `rbac` is on. */
  public readonly clusterRole?: ApiObject;
  /** The ClusterRoleBinding, if `rbac` is on. */
  public readonly clusterRoleBinding?: ApiObject;
  /** The ConfigMap or Secret holding the prometheus.yml fragment, with `ScrapeOutput.prometheusConfigFragment()`. */
  public readonly fragmentObject?: ApiObject;
  /** The prometheus.yml `scrape_configs` fragment (YAML), with `ScrapeOutput.prometheusConfigFragment()`. */
  public readonly scrapeConfigsYaml?: string;
  /** The ServiceAccount Prometheus runs as: the RBAC (and a token Secret, if any) are for it. */
  public readonly serviceAccountName: string;
  /** The PrometheusRule of the edge alerts, if `alertRules` is on (none with `ScrapeOutput.prometheusConfigFragment()`). */
  public readonly alertRules?: ApiObject;
  private readonly _alertRuleSpec?: { [key: string]: any };
  private readonly _inhibitRules: { [key: string]: any }[];
  private readonly _mutedServices: string[];
  private readonly _kubeletScrapes: ApiObject[];
  private readonly _extraScrapes: ApiObject[];
  private readonly _dnsObjects: ApiObject[];
  private readonly _warnings: string[];
  private readonly _httpPorts: number[];
  private readonly _httpsPorts: number[];
  private readonly _nodes: NodeSelection;
  private readonly _namespace: string;

  /**
   * @param scope the chart, or a construct in it, that the objects are added to
   * @param id the construct id, unique within `scope`
   * @param props the Prometheus to serve, the nodes, the DNS strategy and what to scrape
   */
  public constructor(scope: Construct, id: string, props: RavenPrometheusProps = {}) {
    super(scope, id);
    try {
      const owner = 'RavenPrometheus';
      checkPropTypes(owner, props);
      checkStackProps(owner, props);
      const versions = resolveVersions(owner, props.versions);
      const namespace = resolveNamespace(this, owner, props.namespace);
      const serviceAccountName = resolveServiceAccountName(owner, props);
      const labels = { ...(props.release ? { release: props.release } : {}), ...(props.scrapeConfigLabels ?? {}) };
      checkKubernetesLabels(owner, 'scrapeConfigLabels', labels);

      const dns = props.dns ?? DnsStrategy.none();
      const addressing = props.addressing ?? (dns.resolvesNodeNames ? NodeAddressing.nodeName() : NodeAddressing.proxyQuery());
      if (!addressing.needsDns && dns.resolvesNodeNames) {
        invalid(owner, 'dns', `DnsStrategy.${dns.kind}()`, 'DnsStrategy.none() with DNS-free addressing (NodeAddressing.proxyQuery())',
          'DNS-free addressing never resolves node names; drop the DNS strategy, or address by node name.');
      }
      if (dns.resolvesNodeNames) {
        requireVersion(owner, versions, 'openYurt', '1.4.0', 'the edge-tunnel-nodes ConfigMap (yurt-manager\'s gateway DNS controller)',
          'Upgrade OpenYurt, or use DNS-free addressing (NodeAddressing.proxyQuery()) with DnsStrategy.none().');
      }
      const dnsBuilt = dns._build(this);
      this._dnsObjects = dnsBuilt.objects;
      this._warnings = dnsBuilt.warnings;
      addWarnings(this, dnsBuilt.warnings);

      const output = props.output ?? ScrapeOutput.scrapeConfigResources();
      const fragment = output.fragment;
      if (fragment && (props.createTokenSecret !== undefined || props.tokenSecretName !== undefined)) {
        invalid(owner, fragment && props.createTokenSecret !== undefined ? 'createTokenSecret' : 'tokenSecretName', 'set',
          'unset with ScrapeOutput.prometheusConfigFragment()', 'The fragment reads the Prometheus pod\'s own ServiceAccount token file; no Secret is used.');
      }
      // A fragment is rendered from scrapes built in a private app that is never synthesized.
      const scrapeScope: Construct = fragment ? new Chart(new App({ outdir: '/nonexistent-raven-render' }), 'Render', { namespace }) : this;

      const nodes = props.nodes ?? NodeSelection.edgeOnly();
      const profile = props.profile;
      if (profile) {
        const set = (['scrapeInterval', 'cadvisorInterval', 'kubeletEndpoints'] as const).find((p) => props[p] !== undefined);
        if (set) {
          invalid(owner, set, 'set', `unset with profile ScrapeProfile.${profile.name}()`,
            'The profile sets the intervals and the kubelet endpoints; drop the prop, or drop the profile and tune the scrapes yourself.');
        }
      }
      const common = {
        namespace,
        labels,
        nodes,
        addressing,
        scrapeInterval: profile ? profile.scrapeInterval : props.scrapeInterval,
        scrapeTimeout: profile?.scrapeTimeout,
        versions: props.versions,
        markerLabel: props.markerLabel,
        keepNodeLabels: props.keepNodeLabels,
      };
      const sendToken = props.sendServiceAccountTokenToNodes ?? false;
      if (!sendToken) {
        const tokenProp = (['createTokenSecret', 'tokenSecretName'] as const).find((p) => props[p] !== undefined);
        if (tokenProp) {
          invalid(owner, tokenProp, props[tokenProp], 'unset unless sendServiceAccountTokenToNodes is true',
            'No token is sent by default: through Raven the kubelet authorizes the proxy\'s client certificate. '
            + 'Drop the prop, or set sendServiceAccountTokenToNodes: true where the kubelet is reached without Raven\'s certificate.');
        }
        const authenticated = (props.extraScrapes ?? []).findIndex((extra) => extra?.authenticate === true);
        if (authenticated >= 0) {
          invalid(owner, `extraScrapes[${authenticated}].authenticate`, true, 'false unless sendServiceAccountTokenToNodes is true',
            'The token would be sent to every node the scrape targets; set sendServiceAccountTokenToNodes: true to accept that, or drop authenticate.');
        }
      }
      const tokenSecretName = props.tokenSecretName ?? 'prometheus-sa-token';
      const token = !sendToken ? undefined : (props.createTokenSecret ?? true) && !fragment
        ? BearerToken.fromServiceAccount({ serviceAccountName, secretName: tokenSecretName, serviceAccountNamespace: namespace })
        : BearerToken.fromSecret(tokenSecretName);

      const httpPorts: number[] = [];
      const httpsPorts: number[] = [];
      const scrapes: ApiObject[] = [];
      let podDiscovery = false;
      // The `service` label of each scrape's targets, whose stock TargetDown the alerts replace.
      const services: string[] = [];
      const addScrape: typeof addScrapeObject = (s, scrapeId, o, p) => {
        if (p.targetLabels?.service !== undefined && !services.includes(p.targetLabels.service)) services.push(p.targetLabels.service);
        return addScrapeObject(s, scrapeId, o, p);
      };

      let nodeExporterScrape: ApiObject | undefined;
      if (props.nodeExporter ?? true) {
        const discovery = props.nodeExporterDiscovery ?? TargetDiscovery.nodeExporterPods();
        const scrape = addScrape(scrapeScope, 'NodeExporter', 'NodeExporterScrape',
          nodeExporterScrapeProps({ ...common, discovery, port: props.nodeExporterPort, collectors: profile?.nodeExporterCollectors }, namespace));
        nodeExporterScrape = scrape.object;
        scrapes.push(scrape.object);
        httpPorts.push(scrape.port);
        podDiscovery = podDiscovery || discovery.role === 'Pod';
      } else if (props.nodeExporterDiscovery || props.nodeExporterPort) {
        invalid(owner, 'nodeExporter', false, 'true when nodeExporterDiscovery or nodeExporterPort is set', 'Drop those props or enable the scrape.');
      }

      const endpoints = profile?.kubeletEndpoints ?? props.kubeletEndpoints
        ?? [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES];
      let kubeletScrapes: ApiObject[] = [];
      let tokenSecret: ApiObject | undefined;
      if (endpoints.length > 0) {
        const kubelet = addKubeletObjects(scrapeScope, {
          ...common,
          endpoints,
          bearerToken: token,
          tls: props.kubeletTls,
          cadvisorMetricDrops: props.cadvisorMetricDrops,
          // A profile with one interval for every endpoint sets it as scrapeInterval alone.
          cadvisorInterval: profile ? (profile.scrapeInterval ? undefined : profile.cadvisorInterval ?? Duration.seconds(0)) : props.cadvisorInterval,
        }, {
          tokenSecret: (s, p) => addTokenSecretObject(s, 'KubeletTokenSecret', p),
          scrape: (s, endpoint, p) => addScrape(s, `Kubelet-${endpoint.suffix}`, 'EdgeNodeScrape', p).object,
        }, { keepContainerMemorySwap: profile?._keepsContainerMemorySwap ?? false });
        kubeletScrapes = kubelet.scrapes;
        tokenSecret = kubelet.tokenSecret;
        scrapes.push(...kubelet.scrapes);
        httpsPorts.push(kubelet.port);
      } else {
        const kubeletOnly = (['kubeletTls', 'cadvisorMetricDrops', 'cadvisorInterval'] as const).find((p) => props[p] !== undefined);
        if (kubeletOnly) invalid(owner, kubeletOnly, 'set', 'unset when no kubelet endpoint is scraped');
      }

      const extraScrapes: ApiObject[] = [];
      const names = new Set<string>();
      const builtIn = scrapes.map((scrape) => scrape.name);
      for (const [i, extra] of (props.extraScrapes ?? []).entries()) {
        if (builtIn.includes(extra.name)) {
          invalid(owner, `extraScrapes[${i}].name`, extra.name, `a name other than the built-in scrapes' (${builtIn.join(', ')})`,
            'A ScrapeConfig of that name in the same namespace would replace the built-in one; name it after its exporter, e.g. dcgm-exporter-raven.');
        }
        if (names.has(extra.name)) invalid(owner, 'extraScrapes', extra.name, 'unique scrape names');
        names.add(extra.name);
        checkPort(owner, `extraScrapes[${extra.name}].port`, extra.port);
        const discovery = extra.discovery ?? TargetDiscovery.nodes();
        const scrape = addScrape(scrapeScope, `Extra-${extra.name}`, 'EdgeNodeScrape', {
          ...common,
          name: extra.name,
          port: extra.port,
          scheme: extra.scheme,
          metricsPath: extra.metricsPath,
          discovery,
          nodes: extra.nodes ?? nodes,
          bearerToken: extra.authenticate ? token : undefined,
          targetLabels: { job: extra.jobLabel ?? extra.name, ...targetGroupLabels(owner, discovery, namespace, extra.name, {}) },
        });
        extraScrapes.push(scrape.object);
        scrapes.push(scrape.object);
        (scrape.scheme === ScrapeScheme.HTTPS ? httpsPorts : httpPorts).push(scrape.port);
        podDiscovery = podDiscovery || scrape.discovery.role === 'Pod';
      }

      const clash = httpPorts.find((p) => httpsPorts.includes(p));
      if (clash !== undefined) {
        invalid(owner, 'extraScrapes', `port ${clash}`, 'a port scraped either over HTTP or over HTTPS, not both',
          'The Raven Gateway proxies each port as HTTP or as HTTPS.');
      }

      let gateway: ApiObject | undefined;
      if (props.gateway) {
        if (props.addGatewayPorts ?? true) {
          gateway = addGatewayPortsObject(this, 'GatewayPorts', {
            gateway: props.gateway, httpPorts, httpsPorts, otherGateways: props.otherGateways,
          });
        } else {
          const declared = readCloudGateway(owner, props.gateway);
          const missing = [
            ...httpPorts.filter((p) => !declared.hadHttp.includes(p)).map((p) => `${p} (HTTP)`),
            ...httpsPorts.filter((p) => !declared.hadHttps.includes(p)).map((p) => `${p} (HTTPS)`),
          ];
          if (missing.length > 0) {
            invalid(owner, 'gateway', missing.join(', '), `ports the Gateway '${declared.name}' proxies (HTTP: ${declared.hadHttp.join(',') || 'none'}; HTTPS: ${declared.hadHttps.join(',') || 'none'})`,
              'Set addGatewayPorts to true (the default) or add the ports to spec.proxyConfig by hand.');
          }
        }
      } else if (props.otherGateways) {
        invalid(owner, 'gateway', undefined, 'set when otherGateways is set', 'Pass the exported cloud Gateway: the other Gateways are checked against it.');
      } else if (props.addGatewayPorts === true) {
        invalid(owner, 'gateway', undefined, 'set when addGatewayPorts is true',
          'Pass the exported cloud Gateway to add the ports to, or set addGatewayPorts to false when the ports are declared where the Gateway is managed.');
      }

      let alertRules: ApiObject | undefined;
      let alertRuleSpec: { [key: string]: any } | undefined;
      let inhibitRules: { [key: string]: any }[] = [];
      let mutedServices: string[] = [];
      if (props.alertRules ?? props.markerLabel ?? true) {
        if (props.markerLabel === false) {
          invalid(owner, 'markerLabel', false, 'true (the default) when alertRules is true',
            'The alert rules find the library\'s targets by scrape_via="raven"; keep the marker or set alertRules: false.');
        }
        checkKnownProps(owner, 'alertRulesOptions', props.alertRulesOptions, 'RavenAlertRulesOptions');
        mutedServices = services;
        const built = addAlertRulesObject(scrapeScope, 'AlertRules', owner, {
          ...(props.alertRulesOptions ?? {}),
          namespace,
          labels: Object.keys(labels).length > 0 ? labels : undefined,
          // Without the node labels on the targets there is no pool to group by.
          nodePoolLabel: (props.keepNodeLabels ?? true) ? undefined : '',
          targetDownServices: mutedServices,
        });
        alertRules = fragment ? undefined : built.object;
        alertRuleSpec = built.rendered.spec;
        inhibitRules = built.rendered.inhibitRules;
      } else if (props.alertRulesOptions !== undefined) {
        invalid(owner, 'alertRulesOptions', 'set', 'unset when alertRules is false', 'Drop the options or turn the alert rules on.');
      }
      const portsHandled = props.gateway !== undefined || props.addGatewayPorts === false;
      addWarnings(this, pushAll(this._warnings, gatewayPortsWarning(portsHandled, httpPorts, httpsPorts)));

      let fragmentObject: ApiObject | undefined;
      let scrapeConfigsYaml: string | undefined;
      if (fragment) {
        const configs = renderFragmentJobs(owner, scrapes.map((scrape) => scrape.toJson()), fragment);
        scrapeConfigsYaml = Yaml.stringify(JSON.parse(JSON.stringify(configs))); // no anchors for shared objects
        const metadata = { name: fragment.name, namespace, labels: Object.keys(labels).length > 0 ? labels : undefined };
        const rulesFile: { [key: string]: string } = alertRuleSpec !== undefined ? { [ALERT_RULES_KEY]: Yaml.stringify(alertRuleSpec) } : {};
        const data = { [fragment.key!]: scrapeConfigsYaml, ...rulesFile };
        if (alertRuleSpec !== undefined && fragment.key === ALERT_RULES_KEY) {
          invalid(owner, 'output', fragment.key, `a fragment key other than '${ALERT_RULES_KEY}', which holds the alert rules`);
        }
        checkDataSize(owner, 'output', `the ${fragment.asSecret ? 'Secret' : 'ConfigMap'} '${namespace}/${fragment.name}'`, data);
        fragmentObject = fragment.asSecret
          ? coreObject(this, 'ScrapeConfigsSecret', 'Secret', metadata, { type: 'Opaque', stringData: data })
          : coreObject(this, 'ScrapeConfigsConfigMap', 'ConfigMap', metadata, { data });
      }

      let rbac: { clusterRole: ApiObject; clusterRoleBinding: ApiObject } | undefined;
      if (props.rbac ?? true) {
        rbac = addNodeRbacObjects(this, { serviceAccountName, serviceAccountNamespace: namespace, podDiscovery, nodeMetrics: sendToken });
      }

      const oneNamespace = `One RavenPrometheus per Prometheus namespace: this one's objects are named the same in '${namespace}'; `
        + 'give each Prometheus its own namespace (namespace prop), or merge the stacks into one.';
      for (const obj of [...scrapes, tokenSecret, alertRules, fragmentObject]) {
        if (obj !== undefined && !fragment) whenWrittenTwice(obj, oneNamespace);
      }
      if (fragmentObject) whenWrittenTwice(fragmentObject, oneNamespace);
      checkObjectsOf(this);

      // Every field is written on every instance, in one order, so all instances share one shape.
      this.nodeExporterScrape = fragment ? undefined : nodeExporterScrape;
      this.tokenSecret = fragment ? undefined : tokenSecret;
      this.gateway = gateway;
      this.clusterRole = rbac?.clusterRole;
      this.clusterRoleBinding = rbac?.clusterRoleBinding;
      this.fragmentObject = fragmentObject;
      this.scrapeConfigsYaml = scrapeConfigsYaml;
      this.serviceAccountName = serviceAccountName;
      this.alertRules = alertRules;
      this._alertRuleSpec = alertRuleSpec;
      this._inhibitRules = inhibitRules;
      this._mutedServices = mutedServices;
      this._kubeletScrapes = fragment ? [] : kubeletScrapes;
      this._extraScrapes = fragment ? [] : extraScrapes;
      this._httpPorts = httpPorts;
      this._httpsPorts = httpsPorts;
      this._nodes = nodes;
      this._namespace = namespace;
    } catch (e) {
      throw withChartContext(scope, id, e);
    }
  }

  /**
   * The kube-prometheus-stack values this stack needs from the chart: the stock kubelet (all four
   * endpoints) and node-exporter ServiceMonitors drop the nodes scraped here, and with
   * `DnsStrategy.dedicatedProxyDns()` Prometheus resolves through the dedicated DNS.
   *
   * @param options the cluster's DNS domain, for the dedicated DNS's search path
   */
  public kubePrometheusStackValues(options: KubePrometheusStackValuesOptions = {}): KubePrometheusStackValues {
    checkKnownProps('RavenPrometheus.kubePrometheusStackValues', 'options', options, 'KubePrometheusStackValuesOptions');
    const service = this._dnsObjects.find((o) => o.kind === 'Service');
    const clusterIp: string | undefined = service?.toJson().spec?.clusterIP;
    const values = new KubePrometheusStackValues({
      nodes: this._nodes,
      proxyDnsClusterIp: clusterIp,
      prometheusNamespace: clusterIp === undefined ? undefined : this._namespace,
      clusterDomain: options.clusterDomain,
      inhibitRules: this._inhibitRules.length > 0 ? this._inhibitRules : undefined,
      mutedTargetDownServices: this._mutedServices.length > 0 ? this._mutedServices : undefined,
      alertmanagerConfig: options.alertmanagerConfig,
    });
    addWarnings(this, values.warnings);
    return values;
  }

  /**
   * The rules file of the edge alerts (YAML, `groups:`), if `alertRules` is on: for a Prometheus
   * without the operator it is also written into the fragment's ConfigMap or Secret, under
   * `raven-alert-rules.yaml`.
   */
  public get alertRulesYaml(): string | undefined {
    return this._alertRuleSpec === undefined ? undefined : Yaml.stringify(this._alertRuleSpec);
  }

  /**
   * The Alertmanager `inhibit_rules` entries of the alert rules (see `RavenAlertRules.inhibitRules`),
   * for an Alertmanager configured by hand; empty when `alertRules` is off.
   */
  public get alertmanagerInhibitRules(): { [key: string]: any }[] {
    return JSON.parse(JSON.stringify(this._inhibitRules));
  }

  /** The kubelet ScrapeConfigs, one per endpoint (none with `ScrapeOutput.prometheusConfigFragment()`). */
  public get kubeletScrapes(): ApiObject[] {
    return [...this._kubeletScrapes];
  }

  /** The ScrapeConfigs of the extra exporters (none with `ScrapeOutput.prometheusConfigFragment()`). */
  public get extraScrapes(): ApiObject[] {
    return [...this._extraScrapes];
  }

  /** Every ScrapeConfig written, in order: node-exporter, kubelet, extra exporters. */
  public get scrapeConfigs(): ApiObject[] {
    return [...(this.nodeExporterScrape ? [this.nodeExporterScrape] : []), ...this._kubeletScrapes, ...this._extraScrapes];
  }

  /**
   * What the stack could not check, for you to review: e.g. Corefile `import`s whose files were
   * not given. Each is also printed once when the app is synthesized.
   */
  public get warnings(): string[] {
    return [...this._warnings];
  }

  /** The DNS objects of the strategy: the CoreDNS ConfigMap and Deployment, or raven-proxy-dns's objects. */
  public get dnsObjects(): ApiObject[] {
    return [...this._dnsObjects];
  }

  /**
   * The ports the cloud Gateway must proxy as HTTP (`spec.proxyConfig.proxyHTTPPort`): what
   * `gateway` adds, or what to declare by hand without it.
   */
  public get proxyHttpPorts(): number[] {
    return [...this._httpPorts];
  }

  /** The ports the cloud Gateway must proxy as HTTPS (`spec.proxyConfig.proxyHTTPSPort`). */
  public get proxyHttpsPorts(): number[] {
    return [...this._httpsPorts];
  }
}

/** The fragment's key of the alert rules file, with `ScrapeOutput.prometheusConfigFragment()`. */
const ALERT_RULES_KEY = 'raven-alert-rules.yaml';

/**
 * The props' types, checked at run time: from plain JavaScript, or from values read from a file,
 * a string can arrive where a factory's result belongs (`dns: 'editClusterCoreDns'`), and would
 * otherwise crash deep inside, or be silently taken for the default.
 */
function checkPropTypes(owner: string, props: RavenPrometheusProps): void {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    invalid(owner, 'props', props, 'the props object ({ release: ... })');
  }
  checkInstance(owner, 'dns', props.dns, DnsStrategy);
  checkInstance(owner, 'addressing', props.addressing, NodeAddressing);
  checkInstance(owner, 'nodes', props.nodes, NodeSelection);
  checkInstance(owner, 'nodeExporterDiscovery', props.nodeExporterDiscovery, TargetDiscovery);
  checkInstances(owner, 'kubeletEndpoints', props.kubeletEndpoints, KubeletEndpoint);
  checkInstance(owner, 'kubeletTls', props.kubeletTls, ScrapeTls);
  checkInstance(owner, 'output', props.output, ScrapeOutput);
  checkInstance(owner, 'profile', props.profile, ScrapeProfile);
  checkDuration(owner, 'scrapeInterval', props.scrapeInterval);
  checkDuration(owner, 'cadvisorInterval', props.cadvisorInterval);
  for (const flag of ['nodeExporter', 'cadvisorMetricDrops', 'markerLabel', 'keepNodeLabels', 'addGatewayPorts', 'rbac', 'sendServiceAccountTokenToNodes', 'createTokenSecret', 'alertRules'] as const) {
    checkBoolean(owner, flag, props[flag]);
  }
  checkObject(owner, 'versions', props.versions, 'a ClusterVersions object such as { prometheusOperator: \'0.93.0\' }');
  checkObject(owner, 'alertRulesOptions', props.alertRulesOptions, 'the alert rules\' options ({ nodeDownFor: Duration.hours(1), ... })');
  checkObject(owner, 'scrapeConfigLabels', props.scrapeConfigLabels, 'a map of label keys to values');
  checkObject(owner, 'gateway', props.gateway, 'the exported Gateway as an object (Yaml.load(\'gw-cloud.yaml\')[0])');
  checkList(owner, 'otherGateways', props.otherGateways, 'a list of exported Gateways');
  checkList(owner, 'extraScrapes', props.extraScrapes, 'a list of extra scrapes ({ name, port, ... })');
  (props.extraScrapes ?? []).forEach((extra, i) => {
    if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
      invalid(owner, `extraScrapes[${i}]`, extra, 'an extra scrape ({ name, port, ... })');
    }
    if (typeof extra.name !== 'string') invalid(owner, `extraScrapes[${i}].name`, extra.name, 'the ScrapeConfig\'s name, a string');
    checkEnumValue(owner, `extraScrapes[${i}].scheme`, extra.scheme, ScrapeScheme, 'ScrapeScheme');
    checkInstance(owner, `extraScrapes[${i}].discovery`, extra.discovery, TargetDiscovery);
    checkInstance(owner, `extraScrapes[${i}].nodes`, extra.nodes, NodeSelection);
    checkBoolean(owner, `extraScrapes[${i}].authenticate`, extra.authenticate);
  });
}

/** The ServiceAccount of Prometheus: given, or named as kube-prometheus-stack names it. */
function resolveServiceAccountName(owner: string, props: RavenPrometheusProps): string {
  if (props.release !== undefined) checkHelmReleaseName(owner, 'release', props.release);
  const override = props.nameOverride !== undefined ? 'nameOverride' : props.fullnameOverride !== undefined ? 'fullnameOverride' : undefined;
  if (override && props.serviceAccountName !== undefined) {
    invalid(owner, override, props[override], 'unset when serviceAccountName is set',
      'serviceAccountName names the ServiceAccount itself; the overrides only serve to derive it.');
  }
  if (override && props.release === undefined) {
    invalid(owner, 'release', undefined, 'set when nameOverride or fullnameOverride is set', 'Pass the Helm release of kube-prometheus-stack.');
  }
  if (props.serviceAccountName !== undefined) return checkDnsSubdomain(owner, 'serviceAccountName', props.serviceAccountName);
  if (props.release === undefined) return 'prometheus';
  return intern(prometheusServiceAccountOf(owner, {
    release: props.release, nameOverride: props.nameOverride, fullnameOverride: props.fullnameOverride,
  }));
}
