import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { Corefile, DnsStrategy, NodeAddressing, RavenGatewayPorts, RavenPrometheus, RavenPrometheusProps } from '../src';
import { findManifest, synth, testChart } from './support/synth';
import { EXAMPLE_CLOUD_GATEWAY } from '../src/example/cloud-gateway';

const editCoreDns = () => DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString() });

/** The message of the error synthesizing `chart` throws. */
function synthError(chart: Chart): string {
  try {
    Testing.synth(chart);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('synthesis did not fail');
}

describe('an object written twice into one manifest is refused at synth time, naming both construct paths', () => {
  test('GIVEN two RavenPrometheus for one Prometheus in one chart THEN each of the 7 objects is named with both paths, and what to do', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven-a', { release: 'kps' });
    new RavenPrometheus(chart, 'raven-b', { release: 'kps' });
    const message = synthError(chart);
    const twice = message.split('\n').filter((l) => l.includes('is written twice'));
    expect(twice.map((l) => l.replace(/^\s*\[test\] /, '').split(' is written')[0])).toEqual([
      'ScrapeConfig monitoring/node-exporter-raven',
      'ScrapeConfig monitoring/kubelet-raven-metrics',
      'ScrapeConfig monitoring/kubelet-raven-cadvisor',
      'ScrapeConfig monitoring/kubelet-raven-probes',
      'PrometheusRule monitoring/raven-edge-alerts',
      'ClusterRole raven-prometheus-node-scraper:monitoring:kps-kube-prometheus-stack-prometheus',
      'ClusterRoleBinding raven-prometheus-node-scraper:monitoring:kps-kube-prometheus-stack-prometheus',
    ]);
    expect(twice[0]).toContain("ScrapeConfig monitoring/node-exporter-raven is written twice into the manifest of chart 'test': "
      + 'by test/raven-a/NodeExporter and by test/raven-b/NodeExporter. Applying it would keep only the last one. '
      + "One RavenPrometheus per Prometheus namespace: this one's objects are named the same in 'monitoring'");
  });

  test('GIVEN two Prometheus of one cluster (two namespaces, two releases) in one chart THEN both synthesize, each with its own RBAC', () => {
    const chart = testChart(null);
    new RavenPrometheus(chart, 'team-a', { release: 'team-a', namespace: 'team-a' });
    new RavenPrometheus(chart, 'team-b', { release: 'team-b', namespace: 'team-b' });
    const bindings = synth(chart).filter((m) => m.kind === 'ClusterRoleBinding');
    expect(bindings.map((b) => b.subjects[0])).toEqual([
      { kind: 'ServiceAccount', name: 'team-a-kube-prometheus-sta-prometheus', namespace: 'team-a' },
      { kind: 'ServiceAccount', name: 'team-b-kube-prometheus-sta-prometheus', namespace: 'team-b' },
    ]);
    expect(new Set(bindings.map((b) => b.metadata.name)).size).toBe(2);
    expect(new Set(bindings.map((b) => b.roleRef.name))).toEqual(new Set(bindings.map((b) => b.metadata.name)));
  });

  test('GIVEN two stacks that both edit the cluster CoreDNS in one chart THEN the ConfigMap and Deployment are refused, with how to edit it once', () => {
    const chart = testChart(null);
    new RavenPrometheus(chart, 'team-a', { release: 'team-a', namespace: 'team-a', dns: editCoreDns() });
    new RavenPrometheus(chart, 'team-b', { release: 'team-b', namespace: 'team-b', dns: editCoreDns() });
    const message = synthError(chart);
    expect(message).toContain('ConfigMap kube-system/coredns is written twice into the manifest of chart \'test\': '
      + 'by test/team-a/CoreDnsConfigMap and by test/team-b/CoreDnsConfigMap. Applying it would keep only the last one. '
      + 'A cluster\'s CoreDNS is edited once: keep DnsStrategy.editClusterCoreDns() (or RavenCoreDns) on one stack of the cluster '
      + 'and give the others DnsStrategy.none() with addressing: NodeAddressing.nodeName(); node names then resolve for every pod.');
    expect(message).toContain('Deployment kube-system/coredns is written twice');
  });

  test('GIVEN the fix the message gives (one edit, the other stack DnsStrategy.none() addressed by node name) THEN both synthesize, the Corefile once', () => {
    const chart = testChart(null);
    new RavenPrometheus(chart, 'team-a', { release: 'team-a', namespace: 'team-a', dns: editCoreDns() });
    new RavenPrometheus(chart, 'team-b', { release: 'team-b', namespace: 'team-b', dns: DnsStrategy.none(), addressing: NodeAddressing.nodeName() });
    const manifests = synth(chart);
    expect(manifests.filter((m) => m.kind === 'ConfigMap' && m.metadata.name === 'coredns')).toHaveLength(1);
    const addresses = manifests.filter((m) => m.kind === 'ScrapeConfig' && m.metadata.name === 'node-exporter-raven')
      .map((m) => m.spec.relabelings.find((r: any) => r.targetLabel === '__address__').replacement);
    expect(addresses).toEqual(['${1}:9100', '${1}:9100']);
  });

  test('GIVEN two stacks that both patch the Gateway in one chart THEN the Gateway is refused, with how to write it once', () => {
    const chart = testChart(null);
    new RavenPrometheus(chart, 'team-a', { release: 'team-a', namespace: 'team-a', gateway: EXAMPLE_CLOUD_GATEWAY });
    new RavenPrometheus(chart, 'team-b', { release: 'team-b', namespace: 'team-b', gateway: EXAMPLE_CLOUD_GATEWAY });
    expect(synthError(chart)).toContain('Gateway gw-cloud is written twice into the manifest of chart \'test\': by test/team-a/GatewayPorts and by test/team-b/GatewayPorts. '
      + 'Applying it would keep only the last one. A Gateway is written once: give one RavenGatewayPorts all the ports of the stacks');
  });

  test('GIVEN the fix the message gives (one RavenGatewayPorts with every stack\'s ports) THEN it synthesizes with all ports', () => {
    const chart = testChart(null);
    const a = new RavenPrometheus(chart, 'team-a', { release: 'team-a', namespace: 'team-a' });
    const b = new RavenPrometheus(chart, 'team-b', {
      release: 'team-b', namespace: 'team-b', extraScrapes: [{ name: 'dcgm-exporter-raven', port: 9400, jobLabel: 'dcgm-exporter' }],
    });
    new RavenGatewayPorts(chart, 'gateway', {
      gateway: EXAMPLE_CLOUD_GATEWAY,
      httpPorts: [...a.proxyHttpPorts, ...b.proxyHttpPorts],
      httpsPorts: [...a.proxyHttpsPorts, ...b.proxyHttpsPorts],
    });
    expect(findManifest(synth(chart), 'Gateway', 'gw-cloud').spec.proxyConfig).toEqual({ proxyHTTPPort: '10255,9100,9400', proxyHTTPSPort: '9445,10250' });
  });

  test('GIVEN an object of the user\'s own that the stack also writes THEN it is refused too', () => {
    const chart = testChart('monitoring');
    new ApiObject(chart, 'my-token', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'prometheus-sa-token' } });
    new RavenPrometheus(chart, 'raven', { release: 'kps', sendServiceAccountTokenToNodes: true });
    expect(synthError(chart)).toContain('Secret monitoring/prometheus-sa-token is written twice into the manifest of chart \'test\': by test/my-token and by test/raven/KubeletTokenSecret.');
  });

  test('GIVEN the stacks nested in constructs of the user\'s THEN the paths say where', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(new Construct(chart, 'platform'), 'raven', { release: 'kps' });
    new RavenPrometheus(new Construct(chart, 'team'), 'raven', { release: 'kps' });
    expect(synthError(chart)).toContain('by test/platform/raven/NodeExporter and by test/team/raven/NodeExporter.');
  });

  test('GIVEN a chart synthesized once THEN a second stack added afterwards, in the same run, is refused at the next synthesis', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven-a', { release: 'kps' });
    expect(synth(chart).length).toBe(7);
    new RavenPrometheus(chart, 'raven-b', { release: 'kps' });
    expect(synthError(chart)).toContain('by test/raven-a/NodeExporter and by test/raven-b/NodeExporter.');
  });

  test('GIVEN an object of the user\'s added after a synthesis THEN it is refused from the next tick on', async () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { release: 'kps', sendServiceAccountTokenToNodes: true });
    synth(chart);
    new ApiObject(chart, 'late', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'prometheus-sa-token' } });
    await new Promise((resolve) => process.nextTick(resolve));
    expect(synthError(chart)).toContain('Secret monitoring/prometheus-sa-token is written twice');
  });

  test('GIVEN the same kind and name in two namespaces, or a name in two API groups THEN nothing is refused', () => {
    const chart = testChart(null);
    new RavenPrometheus(chart, 'a', { release: 'kps', namespace: 'a', sendServiceAccountTokenToNodes: true });
    new RavenPrometheus(chart, 'b', { release: 'kps', namespace: 'b', sendServiceAccountTokenToNodes: true });
    new ApiObject(chart, 'other-group', { apiVersion: 'example.com/v1', kind: 'Secret', metadata: { name: 'prometheus-sa-token', namespace: 'a' } });
    expect(synth(chart).filter((m) => m.metadata.name === 'prometheus-sa-token')).toHaveLength(3);
  });
});

describe('what one manifest is follows the app\'s output', () => {
  function twoClusters(yamlOutputType?: YamlOutputType): App {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'raven-cross-')), yamlOutputType });
    for (const cluster of ['cluster-a', 'cluster-b']) {
      const chart = new Chart(app, cluster, { namespace: 'monitoring' });
      new RavenPrometheus(chart, 'raven', { release: 'kps', dns: editCoreDns() } as RavenPrometheusProps);
    }
    return app;
  }

  test('GIVEN one chart per cluster (the default, a file per chart) THEN each cluster\'s kube-system/coredns is its own, and the app synthesizes', () => {
    const app = twoClusters();
    try {
      app.synth();
      expect(fs.readdirSync(app.outdir).sort()).toEqual(['cluster-a.k8s.yaml', 'cluster-b.k8s.yaml']);
    } finally {
      fs.rmSync(app.outdir, { recursive: true, force: true });
    }
  });

  test.each([
    ['FILE_PER_APP', YamlOutputType.FILE_PER_APP],
    ['FILE_PER_RESOURCE', YamlOutputType.FILE_PER_RESOURCE],
  ])('GIVEN output %s, where all charts are applied together THEN the same objects across charts are refused', (_name, type) => {
    const app = twoClusters(type);
    try {
      expect(() => app.synth()).toThrow(/ConfigMap kube-system\/coredns is written twice into the app's manifest: by cluster-a\/raven\/CoreDnsConfigMap and by cluster-b\/raven\/CoreDnsConfigMap\./);
    } finally {
      fs.rmSync(app.outdir, { recursive: true, force: true });
    }
  });
});

describe('a name clash with a built-in scrape is refused', () => {
  test.each(['node-exporter-raven', 'kubelet-raven-cadvisor'])('GIVEN an extra scrape named %s THEN it is refused with the built-in names', (name) => {
    expect(() => new RavenPrometheus(testChart('monitoring'), 'raven', { release: 'kps', extraScrapes: [{ name, port: 9400 }] })).toThrow(
      `RavenPrometheus: 'extraScrapes[0].name' must be a name other than the built-in scrapes' (node-exporter-raven, kubelet-raven-metrics, kubelet-raven-cadvisor, kubelet-raven-probes), got '${name}'. `
      + 'A ScrapeConfig of that name in the same namespace would replace the built-in one; name it after its exporter, e.g. dcgm-exporter-raven. '
      + '(in chart \'test\', at test/raven)');
  });

  test('GIVEN the built-in scrape turned off THEN its name is free for an extra scrape', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { release: 'kps', nodeExporter: false, extraScrapes: [{ name: 'node-exporter-raven', port: 9100, jobLabel: 'node-exporter' }] });
    expect(findManifest(synth(chart), 'ScrapeConfig', 'node-exporter-raven').spec.kubernetesSDConfigs[0].role).toBe('Node');
  });
});
