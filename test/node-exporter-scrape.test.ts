import { Duration } from 'cdk8s';
import { InstanceLabel, NodeExporterScrape } from '../src';
import { expectValidManifests } from './support/schemas';
import { synth, testChart } from './support/synth';

describe('NodeExporterScrape', () => {
  test('defaults synthesize the seed\'s node-exporter ScrapeConfig in the chart namespace', () => {
    const chart = testChart('monitor');
    new NodeExporterScrape(chart, 'node-exporter');
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
  });

  test('the target address is the node name on port 9100', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter');
    const [scrape] = synth(chart);
    expect(scrape.spec.kubernetesSDConfigs).toEqual([{ role: 'Node' }]);
    expect(scrape.spec.relabelings).toContainEqual({
      action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: '__address__', replacement: '${1}:9100',
    });
  });

  test('node labels are kept as series labels', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter');
    expect(synth(chart)[0].spec.relabelings[0]).toEqual({ action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' });
  });

  test('props set name, namespace, labels, port, interval and timeout', () => {
    const chart = testChart(null);
    new NodeExporterScrape(chart, 'node-exporter', {
      name: 'edge-nodes',
      namespace: 'monitoring',
      labels: { release: 'kps' },
      port: 9101,
      scrapeInterval: Duration.seconds(90),
      scrapeTimeout: Duration.millis(1500),
    });
    const [scrape] = synth(chart);
    expect(scrape.metadata).toEqual({ name: 'edge-nodes', namespace: 'monitoring', labels: { release: 'kps' } });
    expect(scrape.spec.scrapeInterval).toBe('1m30s');
    expect(scrape.spec.scrapeTimeout).toBe('1s500ms');
    expect(scrape.spec.relabelings[1].replacement).toBe('${1}:9101');
  });

  test('an InternalIP instance label is written with the exporter port', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter', { instance: InstanceLabel.internalIp() });
    expect(synth(chart)[0].spec.relabelings).toContainEqual({
      action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: 'instance', replacement: '${1}:9100',
    });
  });

  test('rejects a port outside 1-65535', () => {
    expect(() => new NodeExporterScrape(testChart(), 'n', { port: 70000 }))
      .toThrow("NodeExporterScrape: 'port' must be an integer between 1 and 65535, got 70000.");
  });

  test('rejects a name that is not an RFC 1123 subdomain', () => {
    expect(() => new NodeExporterScrape(testChart(), 'n', { name: 'Node_Exporter' }))
      .toThrow(/NodeExporterScrape: 'name' must be an RFC 1123 subdomain .*got 'Node_Exporter'/);
  });

  test('rejects a timeout longer than the interval', () => {
    expect(() => new NodeExporterScrape(testChart(), 'n', { scrapeInterval: Duration.seconds(10), scrapeTimeout: Duration.seconds(30) }))
      .toThrow(/'scrapeTimeout' must be at most the scrape interval \(10s\), got '30s'/);
  });

  test('rejects a chart without namespace when no namespace is given', () => {
    expect(() => new NodeExporterScrape(testChart(null), 'n'))
      .toThrow(/NodeExporterScrape: 'namespace' is required when the chart has no namespace/);
  });

  test('rejects an invalid label value', () => {
    expect(() => new NodeExporterScrape(testChart(), 'n', { labels: { release: 'not valid!' } }))
      .toThrow(/'labels.release' must be a Kubernetes label value/);
  });
});
