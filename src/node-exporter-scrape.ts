import { Construct } from 'constructs';
import { EdgeNodeScrape, EdgeNodeScrapeOptions, EdgeNodeScrapeProps } from './edge-node-scrape';
import { definedLabels, optionalLabelValue } from './kubelet-scrape';
import { checkKnownProps } from './private/known-props';
import { resolveNamespace } from './private/namespace';
import { checkDnsSubdomain, inChart, invalid } from './private/validation';
import { TargetDiscovery } from './scrape-options';

/**
 * Props for `NodeExporterScrape`.
 */
export interface NodeExporterScrapeProps extends EdgeNodeScrapeOptions {
  /**
   * The ScrapeConfig's name.
   *
   * @default "node-exporter-raven"
   */
  readonly name?: string;

  /**
   * node-exporter's port on every node.
   *
   * @default 9100
   */
  readonly port?: number;

  /**
   * How node-exporter targets are found.
   *
   * `TargetDiscovery.nodeExporterPods()` finds the prometheus-node-exporter pods and keeps their
   * `namespace` and `pod` labels, on which node-mixin's recording rules (and so the stock "Node
   * Exporter" dashboards) join; `TargetDiscovery.nodes()` is the manual recipe's node discovery, which
   * cannot supply those labels.
   *
   * @default TargetDiscovery.nodeExporterPods()
   */
  readonly discovery?: TargetDiscovery;

  /**
   * The `job` label, which node-mixin's rules and dashboards select on. An empty string writes
   * no job relabeling, leaving `job` to the ScrapeConfig's job name (the manual recipe's behaviour).
   *
   * @default "node-exporter"
   */
  readonly jobLabel?: string;

  /**
   * The `service` label of every target. `TargetDown` groups by `(job, namespace, service)`; a
   * value other than the node-exporter Service of kube-prometheus-stack keeps the edge nodes'
   * group apart from the cloud nodes'. An empty string writes none.
   *
   * @default - the ScrapeConfig's name, `node-exporter-raven`
   */
  readonly serviceLabel?: string;

  /**
   * The `namespace` label of every target with node discovery (pod discovery writes the pod's).
   * An empty string writes none.
   *
   * @default - the ScrapeConfig's namespace
   */
  readonly namespaceLabel?: string;

  /**
   * Only these collectors run for the scrape (node-exporter's `collect[]` query parameter, which
   * Raven's proxy passes through): the others' series are never produced, so they cost nothing on
   * the edge link, unlike a metric relabeling, which drops series after they crossed it.
   * `ScrapeProfile.edgeLink()` picks the collectors kube-prometheus-stack's dashboards and rules need.
   *
   * @default - every collector node-exporter runs
   */
  readonly collectors?: string[];
}

/**
 * Scrapes node-exporter (`http://<node name>:9100/metrics`) on every selected node through Raven.
 *
 * Its series are labelled as kube-prometheus-stack's own node-exporter scrape labels them:
 * `job="node-exporter"`, `instance="<InternalIP>:9100"`, `node`, and with pod discovery
 * `namespace` and `pod`.
 *
 * @see https://github.com/prometheus/node_exporter
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { NodeExporterScrape, NodeSelection } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * new NodeExporterScrape(chart, 'node-exporter', {
 *   nodes: NodeSelection.edgeOnly(),
 *   labels: { release: 'kube-prometheus-stack' },
 * });
 */
export class NodeExporterScrape extends EdgeNodeScrape {
  /**
   * @param scope the chart, or a construct in it, that the objects are added to
   * @param id the construct id, unique within `scope`
   * @param props which nodes, and how node-exporter is found and labelled
   */
  public constructor(scope: Construct, id: string, props: NodeExporterScrapeProps = {}) {
    super(scope, id, inChart(scope, id, () => {
      checkKnownProps('NodeExporterScrape', 'props', props, 'NodeExporterScrapeProps');
      return nodeExporterScrapeProps(props ?? {}, resolveNamespace(scope, 'NodeExporterScrape', props?.namespace));
    }));
  }
}

/** The `EdgeNodeScrape` props of a node-exporter scrape in `namespace`: node-exporter's defaults filled in. */
export function nodeExporterScrapeProps(props: NodeExporterScrapeProps, namespace: string): EdgeNodeScrapeProps {
  const owner = 'NodeExporterScrape';
  // Checked first: the service label is derived from it.
  const name = checkDnsSubdomain(owner, 'name', props.name ?? 'node-exporter-raven');
  const discovery = props.discovery ?? TargetDiscovery.nodeExporterPods();
  const labels = targetGroupLabels(owner, discovery, namespace, name, props);
  const job = props.jobLabel ?? 'node-exporter';
  const targetLabels = { ...(job === '' ? {} : { job }), ...labels };
  const { collectors, ...rest } = props;
  return {
    ...rest,
    params: collectorParams(owner, collectors),
    name,
    port: props.port ?? 9100,
    discovery,
    targetLabels: Object.keys(targetLabels).length > 0 ? targetLabels : undefined,
  };
}

/**
 * The `namespace` (node discovery only: pod discovery writes the pod's) and `service` labels of a
 * scrape's targets, which `TargetDown` groups by with `job`.
 */
/** `collect[]` for a list of collectors; undefined for none given. */
function collectorParams(owner: string, collectors: string[] | undefined): { [name: string]: string[] } | undefined {
  if (collectors === undefined) return undefined;
  if (!Array.isArray(collectors) || collectors.length === 0) {
    invalid(owner, 'collectors', collectors, 'a non-empty list of node-exporter collector names, e.g. [\'cpu\', \'meminfo\']',
      'Omit collectors to run every collector node-exporter runs.');
  }
  const seen = new Set<string>();
  for (const collector of collectors) {
    if (typeof collector !== 'string' || !/^[a-z][a-z0-9_]*$/.test(collector)) {
      invalid(owner, 'collectors', collector, 'node-exporter collector names (lowercase letters, digits and _), e.g. cpu, meminfo, filesystem');
    }
    if (seen.has(collector)) invalid(owner, 'collectors', collector, 'a list without repeated collectors');
    seen.add(collector);
  }
  return { 'collect[]': [...collectors].sort() };
}

export function targetGroupLabels(owner: string, discovery: TargetDiscovery, namespace: string, name: string,
  props: { namespaceLabel?: string; serviceLabel?: string }): { [name: string]: string } {
  if (discovery.role === 'Pod' && props.namespaceLabel !== undefined) {
    invalid(owner, 'namespaceLabel', props.namespaceLabel, 'unset with pod discovery', 'The target\'s namespace label is its pod\'s namespace.');
  }
  return definedLabels({
    namespace: discovery.role === 'Pod' ? undefined : optionalLabelValue(owner, 'namespaceLabel', props.namespaceLabel, namespace),
    service: optionalLabelValue(owner, 'serviceLabel', props.serviceLabel, name),
  });
}
