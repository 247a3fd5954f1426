import { Yaml } from 'cdk8s';
import { checkKnownProps } from './private/known-props';
import { checkClusterIp, checkDnsLabel, checkDnsSubdomain, checkInstance, checkList, checkObject, invalid } from './private/validation';
import { NodeSelection } from './scrape-options';

/**
 * Props for `KubePrometheusStackValues`.
 */
export interface KubePrometheusStackValuesProps {
  /**
   * The nodes the library scrapes through Raven. The chart's own kubelet and node-exporter
   * ServiceMonitors reach nodes by IP; they drop these nodes, which they could only report down.
   *
   * @default NodeSelection.edgeOnly()
   */
  readonly nodes?: NodeSelection;

  /**
   * The ClusterIP of the dedicated DNS (`RavenProxyDns`): Prometheus then resolves names through
   * it alone (`dnsPolicy: None`).
   *
   * @default - Prometheus' DNS is left alone
   */
  readonly proxyDnsClusterIp?: string;

  /**
   * Prometheus' namespace, first in its DNS search path. Required with `proxyDnsClusterIp`.
   *
   * @default - none
   */
  readonly prometheusNamespace?: string;

  /**
   * The cluster's DNS domain, for the search path.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * Alertmanager inhibition rules to add (`RavenAlertRules.inhibitRules`), under the chart's
   * `alertmanager.config.inhibit_rules`. Helm replaces a list value rather than merging it, so the
   * list written is the chart's default rules (or those of `alertmanagerConfig`) followed by these.
   *
   * @default - no Alertmanager values
   */
  readonly inhibitRules?: { [key: string]: any }[];

  /**
   * The `service` label values of the library's targets, whose stock `TargetDown` alerts a route
   * sends to the `null` receiver: the Raven alerts report each of those targets (tunnel, pool,
   * node or exporter), with a `for:` and a severity made for edge nodes, where `TargetDown` fires
   * after 10 minutes as soon as a tenth of the group is down, which on the edge is routine.
   *
   * @default - TargetDown is left alone
   */
  readonly mutedTargetDownServices?: string[];

  /**
   * Your own Alertmanager configuration (the chart's `alertmanager.config` value), when your
   * values set one: the Raven inhibition rules and route are merged into it and the whole
   * configuration is written, since Helm would otherwise replace its lists with these values'
   * lists or the other way round. A warning (`warnings`) says when your configuration, deployed
   * as it is, drops the Raven inhibitions.
   *
   * @default - kube-prometheus-stack 88.x's default configuration
   */
  readonly alertmanagerConfig?: { [key: string]: any };
}

/**
 * kube-prometheus-stack 88.x `alertmanager.config.inhibit_rules` and `route.routes` (values.yaml):
 * the lists a value replaces, so written out with the Raven entries added.
 */
const CHART_INHIBIT_RULES = [
  { source_matchers: ['severity = critical'], target_matchers: ['severity =~ warning|info'], equal: ['namespace', 'alertname'] },
  { source_matchers: ['severity = warning'], target_matchers: ['severity = info'], equal: ['namespace', 'alertname'] },
  { source_matchers: ['alertname = InfoInhibitor'], target_matchers: ['severity = info'], equal: ['namespace'] },
  { target_matchers: ['alertname = InfoInhibitor'] },
];
const CHART_ROUTES = [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }];
const NULL_RECEIVER = 'null';

/** A target relabeling as prometheus-operator's RelabelConfig writes it (ServiceMonitor endpoints, chart values). */
type RelabelConfigJson = { [key: string]: any };

/** The chart's default relabeling of every kubelet endpoint, which a value of the list replaces. */
const METRICS_PATH_RELABELING: RelabelConfigJson = { action: 'replace', sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' };

/** kube-prometheus-stack's values for the four endpoints of its kubelet ServiceMonitor. */
const KUBELET_RELABELING_KEYS = ['relabelings', 'cAdvisorRelabelings', 'probesRelabelings', 'resourceRelabelings'];

/** A Kubernetes label name as Prometheus writes it into `__meta_*` label names. */
function metaLabelName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** A literal as an anchored RE2 pattern. */
function literalRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The kube-prometheus-stack (chart 88.x) values a Raven setup needs.
 *
 * Give them to `helm -f` (`toYaml()`) or to cdk8s' `Helm` construct (`values`):
 *
 * - the chart's kubelet ServiceMonitor drops the nodes the library scrapes, on all four of its
 *   endpoints: `kubelet.serviceMonitor.relabelings` apply to `/metrics` only, so
 *   `cAdvisorRelabelings`, `probesRelabelings` and `resourceRelabelings` carry the drop too, each
 *   keeping the chart's `metrics_path` relabeling that setting the list replaces;
 * - the node-exporter ServiceMonitor drops them as well;
 * - both attach node metadata (`attachMetadata.node`), which the drop reads: Prometheus 2.45 or later
 *   for the kubelet's operator-managed endpoints, and RBAC to read nodes, which the chart grants;
 * - with the dedicated DNS, Prometheus resolves through it (`dnsPolicy: None`, `dnsConfig`);
 * - with `inhibitRules`, Alertmanager's `inhibit_rules` gain them, and with `mutedTargetDownServices`
 *   a route sends those services' `TargetDown` to the `null` receiver; both lists carry the chart's
 *   own default entries, which a list in values replaces (or are merged into `alertmanagerConfig`).
 *
 * Helm replaces lists rather than merging them: where your values already set one of these
 * relabeling lists, add `nodeDropRelabelings` to yours instead.
 *
 * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/values.yaml
 * @example
 * import { KubePrometheusStackValues, NodeSelection } from 'cdk8s-raven-prometheus';
 *
 * const values = new KubePrometheusStackValues({ nodes: NodeSelection.edgeOnly() });
 * // Write it to a file for `helm upgrade --install ... -f <file>`, or pass values.values to cdk8s' Helm.
 * const yaml = values.toYaml();
 */
export class KubePrometheusStackValues {
  /** The chart's values keys of the kubelet ServiceMonitor's four endpoints, under `kubelet.serviceMonitor`. */
  public static readonly KUBELET_RELABELING_KEYS = [...KUBELET_RELABELING_KEYS];

  private readonly _values: { [key: string]: any };
  private readonly _nodeDrops: RelabelConfigJson[];
  private readonly _warnings: string[];

  /**
   * @param props the nodes the library scrapes, and how Prometheus resolves their names
   */
  public constructor(props: KubePrometheusStackValuesProps = {}) {
    const owner = 'KubePrometheusStackValues';
    checkKnownProps(owner, 'props', props, 'KubePrometheusStackValuesProps');
    checkInstance(owner, 'nodes', props.nodes, NodeSelection);
    const nodeLabels = (props.nodes ?? NodeSelection.edgeOnly()).labels;
    const keys = Object.keys(nodeLabels).sort();
    this._nodeDrops = keys.length === 0 ? [] : [{
      action: 'drop',
      sourceLabels: keys.map((k) => `__meta_kubernetes_node_label_${metaLabelName(k)}`),
      regex: keys.map((k) => literalRegex(nodeLabels[k])).join(';'),
    }];

    const values: { [key: string]: any } = {};
    if (keys.length === 0) {
      // Every node is scraped through Raven: the stock monitors would only duplicate it.
      values.kubelet = { serviceMonitor: { enabled: false } };
      values['prometheus-node-exporter'] = { prometheus: { monitor: { enabled: false } } };
    } else {
      const serviceMonitor: { [key: string]: any } = { attachMetadata: { node: true } };
      for (const key of KUBELET_RELABELING_KEYS) serviceMonitor[key] = [...this._nodeDrops, METRICS_PATH_RELABELING];
      values.kubelet = { serviceMonitor };
      values['prometheus-node-exporter'] = { prometheus: { monitor: { attachMetadata: { node: true }, relabelings: [...this._nodeDrops] } } };
    }

    if (props.proxyDnsClusterIp !== undefined) {
      const ip = checkClusterIp(owner, 'proxyDnsClusterIp', props.proxyDnsClusterIp);
      if (props.prometheusNamespace === undefined) {
        invalid(owner, 'prometheusNamespace', undefined, 'set with proxyDnsClusterIp', 'It leads the DNS search path of the Prometheus pods.');
      }
      const namespace = checkDnsLabel(owner, 'prometheusNamespace', props.prometheusNamespace);
      const domain = checkDnsSubdomain(owner, 'clusterDomain', props.clusterDomain ?? 'cluster.local');
      values.prometheus = {
        prometheusSpec: {
          // With ClusterFirst, dnsConfig's nameserver comes after the cluster DNS, which answers
          // node names NXDOMAIN first; None makes the dedicated DNS, which answers everything else
          // as the cluster DNS does, the only one.
          dnsPolicy: 'None',
          dnsConfig: {
            nameservers: [ip],
            searches: [`${namespace}.svc.${domain}`, `svc.${domain}`, domain],
            options: [{ name: 'ndots', value: '5' }],
          },
        },
      };
    } else if (props.prometheusNamespace !== undefined || props.clusterDomain !== undefined) {
      invalid(owner, props.prometheusNamespace !== undefined ? 'prometheusNamespace' : 'clusterDomain', 'set', 'unset without proxyDnsClusterIp',
        'They only serve Prometheus\' DNS settings for the dedicated DNS.');
    }
    this._warnings = [];
    const alertmanager = alertmanagerValues(owner, props, this._warnings);
    if (alertmanager !== undefined) values.alertmanager = { config: alertmanager };
    this._values = values;
  }

  /** What these values cannot do for you, for you to review (e.g. an Alertmanager config that drops the inhibitions). */
  public get warnings(): string[] {
    return [...this._warnings];
  }

  /** The values, as cdk8s' `Helm` construct takes them (a copy). */
  public get values(): { [key: string]: any } {
    return JSON.parse(JSON.stringify(this._values));
  }

  /**
   * The relabelings that drop the library's nodes from a stock ServiceMonitor whose targets carry
   * node metadata (`attachMetadata: { node: true }`), to add to relabeling lists of your own.
   */
  public get nodeDropRelabelings(): { [key: string]: any }[] {
    return JSON.parse(JSON.stringify(this._nodeDrops));
  }

  /** The values as a YAML document, for `helm upgrade -f`. */
  public toYaml(): string {
    // Through JSON: the lists share their relabeling objects, which YAML would write as anchors and aliases.
    return Yaml.stringify(this.values);
  }
}

/** A copy of a JSON-like value (the config and rules come from users: nothing of theirs is changed). */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/**
 * `alertmanager.config` with the Raven inhibition rules and the TargetDown route: only the two
 * lists without a config of the user's (Helm merges the maps of values with the chart's defaults,
 * but replaces lists), the whole merged config with one.
 */
function alertmanagerValues(owner: string, props: KubePrometheusStackValuesProps, warnings: string[]): { [key: string]: any } | undefined {
  checkList(owner, 'inhibitRules', props.inhibitRules, 'a list of Alertmanager inhibit_rules entries (RavenAlertRules.inhibitRules)');
  checkList(owner, 'mutedTargetDownServices', props.mutedTargetDownServices, 'a list of service label values');
  checkObject(owner, 'alertmanagerConfig', props.alertmanagerConfig, 'your Alertmanager configuration as an object (the chart\'s alertmanager.config value)');
  const rules = props.inhibitRules ?? [];
  rules.forEach((rule, i) => {
    if (rule === null || typeof rule !== 'object' || Array.isArray(rule) || !Array.isArray(rule.target_matchers ?? rule.target_match)) {
      invalid(owner, `inhibitRules[${i}]`, rule, 'an Alertmanager inhibit rule ({ source_matchers, target_matchers, equal })');
    }
  });
  const services = props.mutedTargetDownServices ?? [];
  services.forEach((service, i) => {
    if (typeof service !== 'string' || service === '' || /[\n\r]/.test(service)) {
      invalid(owner, `mutedTargetDownServices[${i}]`, service, 'a non-empty label value on one line');
    }
  });
  const user = props.alertmanagerConfig;
  if (rules.length === 0 && services.length === 0) {
    if (user !== undefined) {
      invalid(owner, 'alertmanagerConfig', 'set', 'unset without inhibitRules or mutedTargetDownServices', 'It only serves to merge those into your configuration.');
    }
    return undefined;
  }
  const muteRoute = services.length === 0 ? [] : [{
    receiver: NULL_RECEIVER,
    matchers: ['alertname = "TargetDown"', `service =~ ${JSON.stringify(services.map(literalRegex).join('|'))}`],
  }];

  if (user === undefined) {
    return {
      inhibit_rules: [...copy(CHART_INHIBIT_RULES), ...copy(rules)],
      ...(muteRoute.length > 0 ? { route: { routes: [...muteRoute, ...copy(CHART_ROUTES)] } } : {}),
    };
  }

  const config = copy(user);
  if (config.route === null || typeof config.route !== 'object' || Array.isArray(config.route)) {
    invalid(owner, 'alertmanagerConfig.route', config.route, 'the root route of your Alertmanager configuration',
      'Alertmanager refuses a configuration without one; pass the whole alertmanager.config value.');
  }
  const theirs: any[] = config.inhibit_rules ?? [];
  if (!Array.isArray(theirs)) invalid(owner, 'alertmanagerConfig.inhibit_rules', theirs, 'a list');
  const has = (rule: any) => theirs.some((t) => JSON.stringify(t) === JSON.stringify(rule));
  const missing = rules.filter((rule) => !has(rule));
  if (missing.length > 0) {
    warnings.push(`Your Alertmanager configuration (alertmanagerConfig) has ${missing.length} of the ${rules.length} Raven inhibition rules `
      + 'missing: deployed as it is, an outage of the Raven tunnel or of a node pool also notifies every node and TargetDown it silences. '
      + 'These values carry your configuration with them added (alertmanager.config): give Helm these values after your own, or add '
      + 'RavenAlertRules.inhibitRules to your configuration.');
  }
  config.inhibit_rules = [...theirs, ...copy(missing)];
  if (muteRoute.length > 0) {
    const routes: any[] = config.route.routes ?? [];
    if (!Array.isArray(routes)) invalid(owner, 'alertmanagerConfig.route.routes', routes, 'a list');
    if (!routes.some((r) => JSON.stringify(r) === JSON.stringify(muteRoute[0]))) {
      // First: a route of yours before it (without `continue`) would take TargetDown to a receiver.
      config.route.routes = [...copy(muteRoute), ...routes];
    }
    const receivers: any[] = config.receivers ?? [];
    if (!Array.isArray(receivers)) invalid(owner, 'alertmanagerConfig.receivers', receivers, 'a list');
    if (!receivers.some((r) => r?.name === NULL_RECEIVER)) {
      config.receivers = [...receivers, { name: NULL_RECEIVER }];
    }
  }
  return config;
}
