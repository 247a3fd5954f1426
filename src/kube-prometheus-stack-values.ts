import { Yaml } from 'cdk8s';
import { checkKnownProps } from './private/known-props';
import { checkClusterIp, checkDnsLabel, checkDnsSubdomain, checkInstance, invalid } from './private/validation';
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
}

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
 * - with the dedicated DNS, Prometheus resolves through it (`dnsPolicy: None`, `dnsConfig`).
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
    this._values = values;
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
