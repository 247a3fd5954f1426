import { Construct } from 'constructs';
import { EdgeNodeScrape, EdgeNodeScrapeOptions, EdgeNodeScrapeProps } from './edge-node-scrape';
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
   * Exporter" dashboards) join; `TargetDiscovery.nodes()` is the seed's node discovery, which
   * cannot supply those labels.
   *
   * @default TargetDiscovery.nodeExporterPods()
   */
  readonly discovery?: TargetDiscovery;

  /**
   * The `job` label, which node-mixin's rules and dashboards select on. An empty string writes
   * no job relabeling, leaving `job` to the ScrapeConfig's job name (the seed's behaviour).
   *
   * @default "node-exporter"
   */
  readonly jobLabel?: string;
}

/**
 * Scrapes node-exporter (`http://<node name>:9100/metrics`) on every selected node through Raven,
 * labelled as kube-prometheus-stack's own node-exporter scrape: `job="node-exporter"`,
 * `instance="<InternalIP>:9100"`, `node`, and with pod discovery `namespace` and `pod`.
 *
 * @see https://github.com/prometheus/node_exporter
 */
export class NodeExporterScrape extends EdgeNodeScrape {
  public constructor(scope: Construct, id: string, props: NodeExporterScrapeProps = {}) {
    super(scope, id, nodeExporterScrapeProps(props));
  }
}

/** The `EdgeNodeScrape` props of a node-exporter scrape: node-exporter's defaults filled in. */
export function nodeExporterScrapeProps(props: NodeExporterScrapeProps): EdgeNodeScrapeProps {
  const job = props.jobLabel ?? 'node-exporter';
  return {
    ...props,
    name: props.name ?? 'node-exporter-raven',
    port: props.port ?? 9100,
    discovery: props.discovery ?? TargetDiscovery.nodeExporterPods(),
    targetLabels: job === '' ? undefined : { job },
  };
}
