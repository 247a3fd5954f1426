import { App, Chart } from 'cdk8s';
import { KubeletScrape, NodeExporterScrape } from '../index';

/**
 * The example platform stack: the seed scenario, a cloud Prometheus of the Helm release
 * `foundation-core` in namespace `monitor` scraping edge nodes through Raven.
 */
export function buildExamplePlatform(app: App, clusterName: string = 'edge-cluster'): Chart {
  const monitoring = new Chart(app, `${clusterName}-monitoring`, { namespace: 'monitor' });
  const selectedByPrometheus = { release: 'foundation-core' };
  new NodeExporterScrape(monitoring, 'node-exporter', { labels: selectedByPrometheus });
  new KubeletScrape(monitoring, 'kubelet', { labels: selectedByPrometheus });
  return monitoring;
}
