import { App } from 'cdk8s';
import { KubeletScrape, KubePrometheusStack, NodeExporterScrape, RavenPrometheus, TargetDiscovery } from '../src';
import { synth, testChart } from './support/synth';
import { buildExamplePlatform } from '../src/example/platform';

/**
 * kube-prometheus-stack 88.5.3's `TargetDown` (templates/prometheus/rules-1.14/general.rules.yaml):
 * `100 * (count(up == 0) BY (cluster, job, namespace, service) / count(up) BY (cluster, job, namespace, service)) > 10`,
 * description `{{ printf "%.4g" $value }}% of the {{ $labels.job }}/{{ $labels.service }} targets in {{ $labels.namespace }} namespace are down.`
 */
const TARGET_DOWN_GROUPING = ['job', 'namespace', 'service'];
function targetDownDescription(labels: { [name: string]: string }): string {
  return `100% of the ${labels.job ?? ''}/${labels.service ?? ''} targets in ${labels.namespace ?? ''} namespace are down.`;
}

/**
 * The target labels Prometheus derives from discovered labels through a ScrapeConfig's relabelings,
 * for the actions the library writes (keep, drop, replace, labelmap), after Prometheus'
 * relabel package: source values joined by ';', an anchored RE2 regex (default `(.*)`), `$1`-style
 * replacement (default `$1`); labels starting with `__` are dropped afterwards.
 */
function targetLabels(relabelings: any[], discovered: { [name: string]: string }): { [name: string]: string } | undefined {
  const labels: { [name: string]: string } = { ...discovered };
  for (const r of relabelings) {
    const regex = new RegExp(`^(?:${r.regex ?? '(.*)'})$`);
    const value = (r.sourceLabels ?? []).map((l: string) => labels[l] ?? '').join(r.separator ?? ';');
    const action = r.action ?? 'replace';
    if (action === 'keep' && !regex.test(value)) return undefined;
    if (action === 'drop' && regex.test(value)) return undefined;
    if (action === 'replace') {
      const m = regex.exec(value);
      if (m) {
        const out = (r.replacement ?? '$1').replace(/\$\{?(\d+)\}?/g, (_: string, i: string) => m[Number(i)] ?? '');
        if (out === '') delete labels[r.targetLabel]; else labels[r.targetLabel] = out;
      }
    }
    if (action === 'labelmap') {
      for (const [name, v] of Object.entries({ ...labels })) {
        const m = regex.exec(name);
        if (m) labels[(r.replacement ?? '$1').replace(/\$\{?(\d+)\}?/g, (_: string, i: string) => m[Number(i)] ?? '')] = v;
      }
    }
  }
  for (const name of Object.keys(labels)) if (name.startsWith('__')) delete labels[name];
  return labels;
}

/** What Kubernetes discovery gives for an edge node and for the node-exporter pod on it. */
const EDGE_NODE = {
  __address__: '10.0.5.7:10250',
  __meta_kubernetes_node_name: 'edge-gpu-1',
  __meta_kubernetes_node_address_InternalIP: '10.0.5.7',
  __meta_kubernetes_node_label_openyurt_io_is_edge_worker: 'true',
  __meta_kubernetes_node_label_nvidia_com_gpu_present: 'true',
};
const NODE_EXPORTER_POD = {
  ...EDGE_NODE,
  __address__: '10.0.5.7:9100',
  __meta_kubernetes_namespace: 'monitoring',
  __meta_kubernetes_pod_name: 'kps-prometheus-node-exporter-x7k2p',
  __meta_kubernetes_pod_node_name: 'edge-gpu-1',
  __meta_kubernetes_pod_host_ip: '10.0.5.7',
  __meta_kubernetes_pod_phase: 'Running',
  __meta_kubernetes_pod_container_port_number: '9100',
};

/** The TargetDown groups of a set of ScrapeConfigs, each with the description the alert would carry. */
function targetDownGroups(manifests: any[]): string[] {
  const groups = new Set<string>();
  for (const scrape of manifests.filter((m) => m.kind === 'ScrapeConfig')) {
    const role = scrape.spec.kubernetesSDConfigs[0].role;
    const labels = targetLabels(scrape.spec.relabelings, role === 'Pod' ? NODE_EXPORTER_POD : EDGE_NODE);
    if (labels) groups.add(targetDownDescription(labels));
  }
  return [...groups].sort();
}

describe('TargetDown reads sensibly for the library\'s targets', () => {
  test('GIVEN the example stack WHEN TargetDown groups its targets THEN each group names its job, service and namespace', () => {
    const app = new App({ outdir: '/nonexistent' });
    const chart = buildExamplePlatform(app);
    expect(targetDownGroups(chart.toJson())).toEqual([
      '100% of the dcgm-exporter/dcgm-exporter-raven targets in monitor namespace are down.',
      '100% of the kubelet/kubelet-raven targets in kube-system namespace are down.',
      '100% of the node-exporter/node-exporter-raven targets in monitoring namespace are down.',
    ]);
  });

  test('GIVEN a kube-prometheus-stack release THEN no group of the library is one of the chart\'s own monitors', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { release: 'kps' });
    const fullname = KubePrometheusStack.fullname({ release: 'kps' });
    // The chart's kubelet Service (kube-prometheus-stack's kubelet ServiceMonitor targets) and the
    // node-exporter subchart's Service, as the operator labels their targets.
    const stock = [
      { job: 'kubelet', namespace: 'kube-system', service: `${fullname}-kubelet` },
      { job: 'node-exporter', namespace: 'monitoring', service: 'kps-prometheus-node-exporter' },
    ].map(targetDownDescription);
    const ours = targetDownGroups(synth(chart));
    expect(ours).toHaveLength(2);
    for (const group of ours) expect(stock).not.toContain(group);
  });

  test('GIVEN every library target THEN it carries each label TargetDown groups by', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { extraScrapes: [{ name: 'dcgm-exporter-raven', port: 9400 }] });
    for (const scrape of synth(chart).filter((m) => m.kind === 'ScrapeConfig')) {
      const labels = targetLabels(scrape.spec.relabelings, scrape.spec.kubernetesSDConfigs[0].role === 'Pod' ? NODE_EXPORTER_POD : EDGE_NODE)!;
      for (const name of TARGET_DOWN_GROUPING) expect([scrape.metadata.name, name, labels[name]]).toEqual([scrape.metadata.name, name, expect.stringMatching(/.+/)]);
    }
  });

  test('GIVEN an extra exporter found by its pods THEN its namespace is the pods\'', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', {
      nodeExporter: false,
      kubeletEndpoints: [],
      extraScrapes: [{ name: 'node-exporter-b', port: 9100, discovery: TargetDiscovery.pods({ podLabels: { app: 'x' } }) }],
    });
    expect(targetDownGroups(synth(chart))).toEqual(['100% of the node-exporter-b/node-exporter-b targets in monitoring namespace are down.']);
  });

  test('GIVEN the kubelet scrape\'s labels changed THEN the groups follow, and empty strings write none', () => {
    const chart = testChart('monitoring');
    new KubeletScrape(chart, 'kubelet', { namespaceLabel: 'edge', serviceLabel: 'edge-kubelet' });
    expect(targetDownGroups(synth(chart))).toEqual(['100% of the kubelet/edge-kubelet targets in edge namespace are down.']);
    const bare = testChart('monitoring');
    new KubeletScrape(bare, 'kubelet', { namespaceLabel: '', serviceLabel: '' });
    expect(targetDownGroups(synth(bare))).toEqual(['100% of the kubelet/ targets in  namespace are down.']);
  });

  test('GIVEN node-exporter found as nodes THEN its namespace is the ScrapeConfig\'s', () => {
    const chart = testChart('monitor');
    new NodeExporterScrape(chart, 'ne', { discovery: TargetDiscovery.nodes() });
    expect(targetDownGroups(synth(chart))).toEqual(['100% of the node-exporter/node-exporter-raven targets in monitor namespace are down.']);
  });

  test('GIVEN pod discovery and a namespace label THEN it is refused: the pod\'s namespace is the label', () => {
    expect(() => new NodeExporterScrape(testChart(), 'ne', { namespaceLabel: 'x' }))
      .toThrow(/NodeExporterScrape: 'namespaceLabel' must be unset with pod discovery/);
  });
});
