import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { EdgeNodeScrape } from './edge-node-scrape';
import { InstanceLabel } from './scrape-options';

/**
 * Props for `NodeExporterScrape`.
 */
export interface NodeExporterScrapeProps {
  /**
   * The ScrapeConfig's name.
   *
   * @default "node-exporter-raven"
   */
  readonly name?: string;

  /**
   * The ScrapeConfig's namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * Labels on the ScrapeConfig, e.g. `{ release: '<helm release>' }` for kube-prometheus-stack's selector.
   *
   * @default - no labels
   */
  readonly labels?: { [key: string]: string };

  /**
   * node-exporter's port on every node.
   *
   * @default 9100
   */
  readonly port?: number;

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
   * @default InstanceLabel.nodeName()
   */
  readonly instance?: InstanceLabel;

  /**
   * Fixed labels written onto every target, e.g. `{ job: 'node-exporter' }`.
   *
   * @default - none
   */
  readonly targetLabels?: { [name: string]: string };
}

/**
 * Scrapes node-exporter (`http://<node name>:9100/metrics`) on every node through Raven.
 *
 * @see https://github.com/prometheus/node_exporter
 */
export class NodeExporterScrape extends EdgeNodeScrape {
  public constructor(scope: Construct, id: string, props: NodeExporterScrapeProps = {}) {
    super(scope, id, {
      ...props,
      name: props.name ?? 'node-exporter-raven',
      port: props.port ?? 9100,
    });
  }
}
