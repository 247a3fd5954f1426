import { Duration } from 'cdk8s';
import { InstanceLabel, NodeAddressing, NodeExporterScrape, NodeSelection, TargetDiscovery } from '../src';
import { expectValidManifests } from './support/schemas';
import { synth, testChart } from './support/synth';

const relabelingsOf = (chart: any) => synth(chart)[0].spec.relabelings;

describe('NodeExporterScrape', () => {
  test('defaults synthesize a pod-discovery scrape labelled like kube-prometheus-stack\'s', () => {
    const chart = testChart('monitor');
    new NodeExporterScrape(chart, 'node-exporter');
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
  });

  test('the default discovery finds the prometheus-node-exporter pods with their node metadata', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter');
    expect(synth(chart)[0].spec.kubernetesSDConfigs).toEqual([{
      role: 'Pod',
      selectors: [{ role: 'Pod', label: 'app.kubernetes.io/name=prometheus-node-exporter' }],
      attachMetadata: { node: true },
    }]);
  });

  test('pod discovery addresses the pod\'s node by name and keeps namespace and pod for node-mixin joins', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter');
    const relabelings = relabelingsOf(chart);
    expect(relabelings).toContainEqual({ sourceLabels: ['__meta_kubernetes_pod_container_port_number'], regex: '9100', action: 'keep' });
    expect(relabelings).toContainEqual({ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: '__address__', replacement: '${1}:9100' });
    expect(relabelings).toContainEqual({ action: 'replace', sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' });
    expect(relabelings).toContainEqual({ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' });
  });

  test('job, instance, node and marker labels are written', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter');
    const relabelings = relabelingsOf(chart);
    expect(relabelings).toContainEqual({ action: 'replace', targetLabel: 'job', replacement: 'node-exporter' });
    expect(relabelings).toContainEqual({ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_host_ip'], targetLabel: 'instance', replacement: '${1}:9100' });
    expect(relabelings).toContainEqual({ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' });
    expect(relabelings[relabelings.length - 1]).toEqual({ action: 'replace', targetLabel: 'scrape_via', replacement: 'raven' });
  });

  test('node discovery addresses the node name on port 9100, as the seed does', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter', { discovery: TargetDiscovery.nodes() });
    const [scrape] = synth(chart);
    expect(scrape.spec.kubernetesSDConfigs).toEqual([{ role: 'Node' }]);
    expect(scrape.spec.relabelings).toContainEqual({
      action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: '__address__', replacement: '${1}:9100',
    });
    expect(scrape.spec.relabelings).toContainEqual({
      action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: 'instance', replacement: '${1}:9100',
    });
  });

  test('edge-only selection filters pods by their node\'s edge label', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter', { nodes: NodeSelection.edgeOnly() });
    expect(relabelingsOf(chart)).toContainEqual({ sourceLabels: ['__meta_kubernetes_node_label_openyurt_io_is_edge_worker'], regex: 'true', action: 'keep' });
  });

  test('DNS-free addressing sends the node name as the nodeName parameter to the Raven Service', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter', { addressing: NodeAddressing.proxyQuery() });
    const relabelings = relabelingsOf(chart);
    expect(relabelings).toContainEqual({ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: '__param_nodeName', replacement: '${1}' });
    expect(relabelings).toContainEqual({ action: 'replace', targetLabel: '__address__', replacement: 'x-raven-proxy-internal-svc.kube-system.svc:9100' });
    expectValidManifests(synth(chart));
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
    expect(scrape.spec.relabelings[0].regex).toBe('9101');
  });

  test('an empty job label leaves job to the ScrapeConfig\'s job name', () => {
    const chart = testChart();
    new NodeExporterScrape(chart, 'node-exporter', { jobLabel: '' });
    expect(relabelingsOf(chart).filter((r: any) => r.targetLabel === 'job')).toEqual([]);
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

  test('rejects the discovered instance with pod discovery, which would name the pod address', () => {
    expect(() => new NodeExporterScrape(testChart(), 'n', { instance: InstanceLabel.discovered() }))
      .toThrow(/NodeExporterScrape: 'instance' must be InstanceLabel.internalIp\(\) or InstanceLabel.nodeName\(\) with pod discovery or DNS-free addressing/);
  });

  test('rejects pod discovery without a pod selector', () => {
    expect(() => TargetDiscovery.pods({ podLabels: {} })).toThrow(/TargetDiscovery.pods: 'podLabels' must be at least one pod label/);
  });
});
