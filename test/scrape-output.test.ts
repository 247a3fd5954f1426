import * as YAML from 'yaml';
import { KubeletEndpoint, NodeSelection, RavenPrometheus, ScrapeOutput, ScrapeScheme, TargetDiscovery } from '../src';
import { expectValidManifests } from './support/schemas';
import { synth, testChart } from './support/synth';
import { EXAMPLE_CLOUD_GATEWAY } from '../src/example/cloud-gateway';

function fragmentStack(props: any = {}): any[] {
  const chart = testChart('monitoring');
  new RavenPrometheus(chart, 'raven', { output: ScrapeOutput.prometheusConfigFragment({ prometheusVersion: '2.42.0' }), ...props });
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return manifests;
}

describe('ScrapeOutput.prometheusConfigFragment()', () => {
  test('writes the scrapes as a prometheus.yml fragment in a ConfigMap, without ScrapeConfig resources or a token Secret', () => {
    const manifests = fragmentStack();
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap']);
    const configMap = manifests.find((m) => m.kind === 'ConfigMap');
    expect(configMap.metadata).toEqual({ name: 'raven-scrape-configs', namespace: 'monitoring' });
    const jobs = YAML.parse(configMap.data['raven-scrape-configs.yaml']);
    expect(jobs.map((j: any) => j.job_name)).toEqual([
      'raven/monitoring/node-exporter-raven',
      'raven/monitoring/kubelet-raven-metrics',
      'raven/monitoring/kubelet-raven-cadvisor',
      'raven/monitoring/kubelet-raven-probes',
    ]);
  });

  test('GIVEN the defaults THEN the kubelet jobs send no credential and verify the proxy with the ServiceAccount\'s ca.crt (kube-root-ca.crt\'s, projected into the pod) and the proxy Service\'s name', () => {
    const configMap = fragmentStack().find((m) => m.kind === 'ConfigMap');
    const kubelet = YAML.parse(configMap.data['raven-scrape-configs.yaml']).filter((j: any) => j.job_name.includes('/kubelet-raven-'));
    expect(kubelet).toHaveLength(3);
    for (const job of kubelet) {
      expect(job.scheme).toBe('https');
      expect(job.tls_config).toEqual({
        ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
        server_name: 'x-raven-proxy-internal-svc.kube-system.svc',
      });
      expect(job.authorization).toBeUndefined();
      expect(job.bearer_token_file).toBeUndefined();
      expect(job.basic_auth).toBeUndefined();
    }
  });

  test('GIVEN the defaults THEN the fragment names no token file at all', () => {
    const configMap = fragmentStack({ extraScrapes: [{ name: 'secure-exporter', port: 9443, scheme: ScrapeScheme.HTTPS }] }).find((m) => m.kind === 'ConfigMap');
    expect(configMap.data['raven-scrape-configs.yaml']).not.toMatch(/token|credentials|authorization/);
  });

  test('GIVEN sendServiceAccountTokenToNodes THEN the kubelet jobs read the Prometheus pod\'s own ServiceAccount token, and still verify the proxy', () => {
    const configMap = fragmentStack({ sendServiceAccountTokenToNodes: true }).find((m) => m.kind === 'ConfigMap');
    const kubelet = YAML.parse(configMap.data['raven-scrape-configs.yaml']).find((j: any) => j.job_name.endsWith('kubelet-raven-metrics'));
    expect(kubelet.authorization).toEqual({ type: 'Bearer', credentials_file: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
    expect(kubelet.tls_config).toEqual({
      ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      server_name: 'x-raven-proxy-internal-svc.kube-system.svc',
    });
    expect(kubelet.scheme).toBe('https');
  });

  test('a Secret for kube-prometheus-stack\'s additionalScrapeConfigsSecret', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { output: ScrapeOutput.prometheusConfigFragment({ asSecret: true, name: 'additional-scrape-configs', key: 'raven.yaml' }) });
    const secret = synth(chart).find((m) => m.kind === 'Secret');
    expect(secret.metadata.name).toBe('additional-scrape-configs');
    expect(YAML.parse(secret.stringData['raven.yaml'])).toHaveLength(4);
  });

  test('the job name prefix is configurable', () => {
    const chart = testChart('monitoring');
    const stack = new RavenPrometheus(chart, 'raven', { output: ScrapeOutput.prometheusConfigFragment({ jobNamePrefix: 'edge' }), kubeletEndpoints: [] });
    expect(YAML.parse(stack.scrapeConfigsYaml!)[0].job_name).toBe('edge/monitoring/node-exporter-raven');
  });

  test('rejects token Secret options, which a fragment does not use', () => {
    expect(() => fragmentStack({ tokenSecretName: 'x' })).toThrow(/RavenPrometheus: 'tokenSecretName' must be unset with ScrapeOutput.prometheusConfigFragment\(\)/);
  });

  test('rejects a data key a ConfigMap cannot hold', () => {
    expect(() => ScrapeOutput.prometheusConfigFragment({ key: 'raven scrape.yaml' })).toThrow(/ScrapeOutput.prometheusConfigFragment: 'key' must be a data key/);
  });

  test('rejects a job name prefix of the operator\'s own', () => {
    expect(() => ScrapeOutput.prometheusConfigFragment({ jobNamePrefix: 'scrapeConfig' })).toThrow(/'jobNamePrefix' must be a word .* other than the operator's own prefixes/);
  });
});

describe('ScrapeOutput.prometheusConfigFragment() for an older Prometheus', () => {
  function jobs(prometheusVersion: string, props: any = {}): any[] {
    const chart = testChart('monitoring');
    const raven = new RavenPrometheus(chart, 'raven', { output: ScrapeOutput.prometheusConfigFragment({ prometheusVersion }), ...props });
    return YAML.parse(raven.scrapeConfigsYaml!);
  }

  test('GIVEN Prometheus 2.34 and node-exporter found by its pods THEN it is refused: without attach_metadata no pod carries its node\'s labels', () => {
    expect(() => jobs('2.34.0'))
      .toThrow(/RavenPrometheus: job 'raven\/monitoring\/node-exporter-raven' selects pods by their node's labels, which Prometheus adds only from 2.35.0 \(attach_metadata\); prometheusVersion is '2.34.0'.*TargetDiscovery.nodes\(\)/);
  });

  test('GIVEN Prometheus 2.34 and node discovery THEN every job keeps only edge nodes, by the node selector', () => {
    const rendered = jobs('2.34.0', { nodeExporterDiscovery: TargetDiscovery.nodes() });
    expect(rendered).toHaveLength(4);
    for (const job of rendered) {
      expect(job.kubernetes_sd_configs).toEqual([{ role: 'node', selectors: [{ role: 'node', label: 'openyurt.io/is-edge-worker=true' }] }]);
    }
  });

  test('GIVEN Prometheus 2.34 and pod discovery of every node without node labels THEN the job renders without attach_metadata', () => {
    const [job] = jobs('2.34.0', { nodes: NodeSelection.all(), keepNodeLabels: false, kubeletEndpoints: [] });
    expect(job.kubernetes_sd_configs[0].attach_metadata).toBeUndefined();
    expect(JSON.stringify(job.relabel_configs)).not.toContain('__meta_kubernetes_node_label_');
  });

  test('GIVEN Prometheus 2.25 and the defaults THEN the kubelet jobs send no token', () => {
    const rendered = jobs('2.25.2', { nodeExporter: false });
    expect(rendered).toHaveLength(3);
    for (const job of rendered) {
      expect(job.authorization).toBeUndefined();
      expect(job.bearer_token_file).toBeUndefined();
    }
  });

  test('GIVEN Prometheus 2.25, before authorization, and sendServiceAccountTokenToNodes THEN the kubelet jobs send the token with bearer_token_file', () => {
    for (const job of jobs('2.25.2', { nodeExporter: false, sendServiceAccountTokenToNodes: true })) {
      expect(job.authorization).toBeUndefined();
      expect(job.bearer_token_file).toBe('/var/run/secrets/kubernetes.io/serviceaccount/token');
    }
  });

  test('GIVEN Prometheus 2.16, before Kubernetes discovery selectors, THEN it is refused: every node and pod would be a target', () => {
    expect(() => jobs('2.16.0', { nodeExporterDiscovery: TargetDiscovery.nodes() }))
      .toThrow(/RavenPrometheus: job 'raven\/monitoring\/node-exporter-raven' selects its targets with Kubernetes discovery selectors, which Prometheus has only from 2.17.0; prometheusVersion is '2.16.0'/);
  });
});

describe('the prometheus.yml fragment is plain YAML', () => {
  test('GIVEN the default stack as a fragment THEN scrapeConfigsYaml has no anchor or alias', () => {
    const raven = new RavenPrometheus(testChart('monitoring'), 'raven', {
      output: ScrapeOutput.prometheusConfigFragment(),
      gateway: EXAMPLE_CLOUD_GATEWAY,
      kubeletEndpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.RESOURCE],
    });
    expect(raven.scrapeConfigsYaml).not.toMatch(/(^|\s)[&*]a\d+/m);
  });
});
