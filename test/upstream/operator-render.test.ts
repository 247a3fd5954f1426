import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { operatorRender } from '../support/operator-render';
import { upstreamFile } from '../support/upstream';

/**
 * operator-render runs prometheus-operator's own code. Proof: it reproduces the operator's golden
 * files (pkg/prometheus/testdata/*.golden of the pinned module, read at test time) byte for byte,
 * from inputs written here after the operator's test cases (TestScrapeConfigSpecConfig and
 * TestScrapeConfigSpecConfigWithKubernetesSD in pkg/prometheus/promcfg_test.go: ScrapeConfig
 * `default/testscrapeconfig1`, the Secrets of those tests), and of its ServiceMonitor and PodMonitor
 * cases, and it refuses what the operator refuses.
 */

const NAMESPACE = 'default';

function secret(name: string, data: { [key: string]: string }): any {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE }, stringData: data };
}

/**
 * A self-signed certificate and its key (openssl). The operator's golden tests hand the generator
 * placeholder strings, but its acceptance checks parse the CA as a PEM certificate and the cert
 * and key as a pair; the generated file paths do not depend on the contents.
 */
function selfSignedPem(): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-golden-tls-'));
  try {
    const result = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=operator-render-golden'], { cwd: dir, encoding: 'utf8' });
    if (result.error || result.status !== 0) throw new Error(`openssl failed: ${result.error?.message ?? ''}${result.stderr}`);
    return { cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const PEM = selfSignedPem();

/** The Secrets of the operator's two test functions (with real PEM material for `tls`). */
const SECRETS = [
  secret('foo', {
    'proxy-header': 'value',
    'token': 'value',
    'username': 'scrape-bob',
    'password': 'scrape-alice',
    'username-sd': 'http-sd-bob',
    'password-sd': 'http-sd-alice',
  }),
  secret('auth', { 'scrape-key': 'scrape-secret', 'http-sd-key': 'http-sd-secret' }),
  secret('tls', { 'ca': PEM.cert, 'ca2': PEM.cert, 'cert': PEM.cert, 'private-key': PEM.key }),
  secret('secret', { 'proxy-header': 'value', 'token': 'value', 'Username': 'kube-admin', 'Password': 'password' }),
];

function scrapeConfig(spec: any, name: string = 'testscrapeconfig1'): any {
  return { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig', metadata: { name, namespace: NAMESPACE }, spec };
}

const TLS = {
  ca: { secret: { name: 'tls', key: 'ca' } },
  cert: { secret: { name: 'tls', key: 'cert' } },
  keySecret: { name: 'tls', key: 'private-key' },
};

interface GoldenCase {
  readonly golden: string;
  readonly spec: any;
  readonly prometheusVersion?: string;
  readonly shards?: number;
}

const GOLDEN_CASES: GoldenCase[] = [
  { golden: 'ScrapeConfigSpecConfig_Empty', spec: {} },
  { golden: 'ScrapeConfigSpecConfig_Static', spec: { staticConfigs: [{ targets: ['localhost:9100'], labels: { label1: 'value1' } }] } },
  { golden: 'ScrapeConfigSpecConfig_Sharded', shards: 2, spec: { staticConfigs: [{ targets: ['localhost:9100'], labels: { label1: 'value1' } }] } },
  {
    golden: 'ScrapeConfigSpecConfig_Already_Sharded',
    shards: 2,
    spec: {
      staticConfigs: [{ targets: ['localhost:9100'], labels: { label1: 'value1_sharded' } }],
      relabelings: [
        { sourceLabels: ['__address__'], targetLabel: '__tmp_hash', modulus: 999, action: 'hashmod' },
        { sourceLabels: ['__tmp_hash', '__tmp_disable_sharding'], regex: '$(SHARD);|.+;.+', action: 'keep' },
      ],
    },
  },
  { golden: 'ScrapeConfigSpecConfig_MetricPath', spec: { metricsPath: '/metrics' } },
  {
    golden: 'ScrapeConfigSpecConfig_NonEmptyRelabelConfig',
    spec: { relabelings: [{ action: 'Replace', regex: '(.+)(?::d+)', replacement: '$1:9537', sourceLabels: ['__address__'], targetLabel: '__address__' }] },
  },
  { golden: 'ScrapeConfigSpecConfig_NonEmptyMetricRelabelConfig', spec: { metricRelabelings: [{ regex: 'noisy_labels.*', action: 'labeldrop' }] } },
  { golden: 'ScrapeConfigSpecConfig_HonorTimeStamp', spec: { honorTimestamps: true } },
  { golden: 'ScrapeConfigSpecConfig_HonorLabels', spec: { honorLabels: true } },
  { golden: 'ScrapeConfigSpecConfig_Scheme', spec: { scheme: 'HTTPS' } },
  {
    golden: 'ScrapeConfigSpecConfig_Authorization',
    spec: {
      authorization: { credentials: { name: 'auth', key: 'scrape-key' } },
      httpSDConfigs: [{ url: 'http://localhost:9100/sd.json', authorization: { credentials: { name: 'auth', key: 'http-sd-key' } } }],
    },
  },
  {
    golden: 'ScrapeConfigSpecConfig_BasicAuth',
    spec: {
      basicAuth: { username: { name: 'foo', key: 'username' }, password: { name: 'foo', key: 'password' } },
      httpSDConfigs: [{
        url: 'http://localhost:9100/sd.json',
        basicAuth: { username: { name: 'foo', key: 'username-sd' }, password: { name: 'foo', key: 'password-sd' } },
      }],
    },
  },
  {
    golden: 'ScrapeConfigSpecConfig_TLSConfig',
    spec: {
      tlsConfig: TLS,
      httpSDConfigs: [{ url: 'http://localhost:9100/sd.json', tlsConfig: { insecureSkipVerify: true, ca: { secret: { name: 'tls', key: 'ca2' } } } }],
    },
  },
  { golden: 'ScrapeConfigSpecConfig_K8SSD_with_AttachMetadata', spec: { kubernetesSDConfigs: [{ role: 'Pod', attachMetadata: { node: true } }] } },
  { golden: 'ScrapeConfigSpecConfig_K8SSD_with_Unsupported_Role_AttachMetadata', spec: { kubernetesSDConfigs: [{ role: 'Service', attachMetadata: { node: true } }] } },
  { golden: 'ScrapeConfigSpecConfig_K8SSD_with_NamespaceDiscovery', spec: { kubernetesSDConfigs: [{ role: 'Pod', namespaces: { names: ['ns1', 'ns2'] } }] } },
  { golden: 'ScrapeConfigSpecConfig_ScrapeFallbackProtocol', prometheusVersion: 'v3.0.0', spec: { fallbackScrapeProtocol: 'OpenMetricsText1.0.0' } },
  { golden: 'ScrapeConfigSpecConfig_ScrapeFallbackProtocol_OldVersion', prometheusVersion: 'v2.55.0', spec: { fallbackScrapeProtocol: 'OpenMetricsText1.0.0' } },
  {
    golden: 'ScrapeConfigSpecConfig_K8SSD_with_Authorization',
    spec: { kubernetesSDConfigs: [{ role: 'Node', apiServer: 'https://kubernetes.default.svc', authorization: { credentials: { name: 'secret', key: 'token' } } }] },
  },
  {
    golden: 'ScrapeConfigSpecConfig_K8SSD_with_TLSConfig',
    spec: { kubernetesSDConfigs: [{ role: 'Node', apiServer: 'https://kubernetes.default.svc', tlsConfig: TLS }] },
  },
];

describe('operator-render reproduces prometheus-operator v0.93.1\'s golden files byte for byte', () => {
  test.each(GOLDEN_CASES.map((c) => [c.golden, c] as const))('GIVEN the inputs of the operator\'s test case %s WHEN rendered THEN the output is its golden file', (_name, c) => {
    const golden = fs.readFileSync(upstreamFile(`operator-golden-${c.golden}`), 'utf8');
    const result = operatorRender([scrapeConfig(c.spec), ...SECRETS], { prometheusVersion: c.prometheusVersion, shards: c.shards });
    expect(result.stderr).not.toMatch(/^ScrapeConfig /m);
    expect(result.ok).toBe(true);
    expect(result.stdout).toBe(golden);
  });

  test('GIVEN a spec other than the test case\'s WHEN rendered THEN the output differs from the golden file (the comparison can fail)', () => {
    const golden = fs.readFileSync(upstreamFile('operator-golden-ScrapeConfigSpecConfig_HonorLabels'), 'utf8');
    const result = operatorRender([scrapeConfig({ honorLabels: false })]);
    expect(result.ok).toBe(true);
    expect(result.stdout).not.toBe(golden);
    expect(result.stdout).toContain('honor_labels: false');
  });
});

describe('operator-render refuses what prometheus-operator refuses, with its reason, exit 1', () => {
  test('GIVEN a ScrapeConfig whose bearer token Secret does not exist WHEN rendered THEN it is rejected naming the Secret', () => {
    const result = operatorRender([scrapeConfig({ authorization: { credentials: { name: 'prometheus-sa-token', key: 'token' } } }, 'kubelet')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ScrapeConfig default\/kubelet: authorization: .*secrets "prometheus-sa-token" not found$/m);
  });

  test('GIVEN the Secret exists but lacks the key WHEN rendered THEN it is rejected naming the key', () => {
    const result = operatorRender([
      scrapeConfig({ authorization: { credentials: { name: 'prometheus-sa-token', key: 'token' } } }, 'kubelet'),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'prometheus-sa-token', namespace: NAMESPACE }, type: 'kubernetes.io/service-account-token' },
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ScrapeConfig default\/kubelet: authorization: .*key "token" in secret "prometheus-sa-token" not found/m);
  });

  test('GIVEN the Secret in another namespace than the ScrapeConfig WHEN rendered THEN it is rejected (the operator reads the ScrapeConfig\'s namespace)', () => {
    const result = operatorRender([
      scrapeConfig({ authorization: { credentials: { name: 'token', key: 'token' } } }, 'kubelet'),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: 'monitoring' }, stringData: { token: 't' } },
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ScrapeConfig default\/kubelet: authorization: .*secrets "token" not found$/m);
  });

  test('GIVEN a replace relabeling without targetLabel WHEN rendered THEN the operator\'s relabeling check rejects it', () => {
    const result = operatorRender([scrapeConfig({ relabelings: [{ action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'] }] })]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ScrapeConfig default\/testscrapeconfig1: relabelConfigs: \[0\]: relabel configuration for replace action needs targetLabel value$/m);
  });

  test('GIVEN a hashmod metric relabeling without modulus WHEN rendered THEN the operator\'s relabeling check rejects it', () => {
    const result = operatorRender([scrapeConfig({ metricRelabelings: [{ action: 'hashmod', sourceLabels: ['instance'], targetLabel: '__tmp_hash' }] })]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ScrapeConfig default\/testscrapeconfig1: metricRelabelConfigs: \[0\]: relabel configuration for hashmod requires non-zero modulus$/m);
  });

  test('GIVEN an invalid relabeling regex WHEN rendered THEN it is rejected', () => {
    const result = operatorRender([scrapeConfig({ relabelings: [{ action: 'keep', sourceLabels: ['a'], regex: '(' }] })]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ScrapeConfig default\/testscrapeconfig1: relabelConfigs: \[0\]: invalid regex \( for relabel configuration/m);
  });

  test('GIVEN a Prometheus older than 2.40 WHEN any ScrapeConfig is rendered THEN the operator rejects it (its per-discovery version checks run for every ScrapeConfig)', () => {
    const nodes = scrapeConfig({ kubernetesSDConfigs: [{ role: 'Node' }] });
    const v227 = operatorRender([nodes], { prometheusVersion: 'v2.27.0' });
    expect(v227.status).toBe(1);
    expect(v227.stderr).toMatch(/^ScrapeConfig default\/testscrapeconfig1: httpSDConfigs: HTTP SD configuration is only supported for Prometheus version >= 2.28.0$/m);
    const v239 = operatorRender([nodes], { prometheusVersion: 'v2.39.0' });
    expect(v239.status).toBe(1);
    expect(v239.stderr).toMatch(/^ScrapeConfig default\/testscrapeconfig1: OVHCloudSDConfigs: OVHCloud SD configuration is only supported for Prometheus version >= 2.40.0$/m);
    expect(operatorRender([nodes], { prometheusVersion: 'v2.40.0' }).ok).toBe(true);
  });

  test('GIVEN a Node discovery with a Pod selector WHEN rendered THEN the operator rejects the selector role', () => {
    const result = operatorRender([scrapeConfig({ kubernetesSDConfigs: [{ role: 'Node', selectors: [{ role: 'Pod', label: 'a=b' }] }] })]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ScrapeConfig default\/testscrapeconfig1: kubernetesSDConfigs: \[0\] : Node role supports only node selectors$/m);
  });

  test('GIVEN a field the CRD does not have WHEN rendered THEN the API server\'s strict field validation refuses it', () => {
    const result = operatorRender([scrapeConfig({ kubernetesSDConfigs: [{ role: 'Node', attachMetadatas: { node: true } }] })]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ScrapeConfig default\/testscrapeconfig1: the API server refuses it: unknown field "spec.kubernetesSDConfigs\[0\].attachMetadatas"$/m);
  });

  test('GIVEN one bad and one good ScrapeConfig WHEN rendered THEN only the bad one is named and nothing is printed on stdout', () => {
    const result = operatorRender([
      scrapeConfig({ scrapeInterval: '10s', scrapeTimeout: '20s' }, 'slow'),
      scrapeConfig({}, 'fine'),
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((l) => l.startsWith('ScrapeConfig '))).toEqual([
      'ScrapeConfig default/slow: scrapeTimeout "20s" greater than scrapeInterval "10s"',
    ]);
  });

  test('GIVEN ScrapeConfigs in two namespaces with any labels WHEN rendered THEN both are selected and rendered in the operator\'s order', () => {
    const other = { ...scrapeConfig({}, 'b'), metadata: { name: 'b', namespace: 'monitoring', labels: { release: 'kps' } } };
    const result = operatorRender([other, scrapeConfig({}, 'a')]);
    expect(result.ok).toBe(true);
    expect(result.scrapeConfigs.map((s) => s.job_name)).toEqual(['scrapeConfig/default/a', 'scrapeConfig/monitoring/b']);
  });
});

function serviceMonitor(spec: any, name: string = 'test'): any {
  return { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name, namespace: NAMESPACE }, spec };
}

function podMonitor(spec: any, name: string = 'testpodmonitor1'): any {
  return { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name, namespace: NAMESPACE }, spec };
}

/** The ServiceMonitor of TestServiceMonitorWithServiceDiscoveryRole (pkg/prometheus/promcfg_test.go). */
const ROLE_TEST_SELECTOR = { matchLabels: { foo: 'bar' }, matchExpressions: [{ key: 'alpha', operator: 'In', values: ['beta', 'gamma'] }] };

const MONITOR_GOLDEN_CASES: Array<{ golden: string; manifest: any }> = [
  // TestServiceMonitorWithServiceDiscoveryRole, "Default"
  { golden: 'TestServiceMonitorWithDefaultServiceDiscoveryRole', manifest: serviceMonitor({ selector: ROLE_TEST_SELECTOR, endpoints: [{ port: 'web', interval: '30s' }] }) },
  // TestServiceMonitorWithServiceDiscoveryRole, "Prometheus with endpoints and ServiceMonitor with endpointslice"
  {
    golden: 'TestServiceMonitorWithEndpointSliceAndPrometheusEndpoints',
    manifest: serviceMonitor({ serviceDiscoveryRole: 'EndpointSlice', selector: ROLE_TEST_SELECTOR, endpoints: [{ port: 'web', interval: '30s' }] }),
  },
  {
    golden: 'SettingTrackTimestampsStalenessInServiceMonitor',
    manifest: serviceMonitor({ selector: {}, targetLabels: ['example', 'env'], endpoints: [{ trackTimestampsStaleness: false, port: 'web', interval: '30s' }] }, 'testservicemonitor1'),
  },
  {
    golden: 'SettingTrackTimestampsStalenessInPodMonitor',
    manifest: podMonitor({ selector: {}, podTargetLabels: ['example', 'env'], podMetricsEndpoints: [{ trackTimestampsStaleness: false, port: 'web', interval: '30s' }] }),
  },
  {
    golden: 'PodMonitorPhaseFilter',
    manifest: { ...podMonitor({ selector: {}, podMetricsEndpoints: [{ filterRunning: false, port: 'test' }] }), metadata: { name: 'testpodmonitor1', namespace: NAMESPACE, labels: { group: 'group1' } } },
  },
];

describe('operator-render renders ServiceMonitors and PodMonitors as prometheus-operator v0.93.1 does', () => {
  test.each(MONITOR_GOLDEN_CASES.map((c) => [c.golden, c] as const))('GIVEN the inputs of the operator\'s test case %s WHEN rendered THEN the output is its golden file', (_name, c) => {
    const golden = fs.readFileSync(upstreamFile(`operator-golden-${c.golden}`), 'utf8');
    const result = operatorRender([c.manifest]);
    expect(result.stderr).toBe('');
    expect(result.ok).toBe(true);
    expect(result.stdout).toBe(golden);
  });

  test('GIVEN a ServiceMonitor, a PodMonitor and a ScrapeConfig WHEN rendered together THEN each becomes its jobs, in the operator\'s order', () => {
    const result = operatorRender([
      scrapeConfig({}, 'c'),
      podMonitor({ selector: {}, podMetricsEndpoints: [{ port: 'web' }] }, 'b'),
      serviceMonitor({ selector: {}, endpoints: [{ port: 'web' }, { port: 'web', path: '/metrics/cadvisor' }] }, 'a'),
    ]);
    expect(result.ok).toBe(true);
    expect(result.scrapeConfigs.map((s) => s.job_name)).toEqual([
      'serviceMonitor/default/a/0', 'serviceMonitor/default/a/1', 'podMonitor/default/b/0', 'scrapeConfig/default/c',
    ]);
  });
});

describe('operator-render refuses the ServiceMonitors and PodMonitors prometheus-operator refuses, with its reason, exit 1', () => {
  test('GIVEN a ServiceMonitor endpoint with a replace relabeling without targetLabel WHEN rendered THEN the operator\'s check rejects the ServiceMonitor naming the endpoint', () => {
    const result = operatorRender([serviceMonitor({
      selector: {},
      endpoints: [{ port: 'https-metrics' }, { port: 'https-metrics', path: '/metrics/cadvisor', relabelings: [{ action: 'replace', sourceLabels: ['__metrics_path__'] }] }],
    }, 'kubelet')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ServiceMonitor default\/kubelet: endpoints\[1\]: relabelConfigs: \[0\]: relabel configuration for replace action needs targetLabel value$/m);
  });

  test('GIVEN a ServiceMonitor endpoint whose scrapeTimeout exceeds its interval WHEN rendered THEN the operator rejects it with both durations', () => {
    const result = operatorRender([serviceMonitor({ selector: {}, endpoints: [{ port: 'web', interval: '10s', scrapeTimeout: '20s' }] })]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ServiceMonitor default\/test: endpoints\[0\]: scrapeTimeout "20s" greater than scrapeInterval "10s"$/m);
  });

  test('GIVEN a chart value name written into a ServiceMonitor endpoint WHEN rendered THEN the API server\'s strict field validation refuses it', () => {
    const result = operatorRender([serviceMonitor({ selector: {}, endpoints: [{ port: 'https-metrics', cAdvisorRelabelings: [] }] })]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ServiceMonitor default\/test: the API server refuses it: unknown field "spec.endpoints\[0\].cAdvisorRelabelings"$/m);
  });

  test('GIVEN a PodMonitor with an invalid relabeling regex WHEN rendered THEN it is rejected naming the endpoint', () => {
    const result = operatorRender([podMonitor({ selector: {}, podMetricsEndpoints: [{ port: 'web', relabelings: [{ action: 'keep', sourceLabels: ['a'], regex: '(' }] }] })]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^PodMonitor default\/testpodmonitor1: endpoint\[0\]: relabelConfigs: \[0\]: invalid regex \( for relabel configuration/m);
  });

  test('GIVEN one refused ServiceMonitor beside a good one and a good ScrapeConfig WHEN rendered THEN only the refused one is named and nothing is printed on stdout', () => {
    const result = operatorRender([
      serviceMonitor({ selector: {}, endpoints: [{ port: 'web', interval: '10s', scrapeTimeout: '20s' }] }, 'slow'),
      serviceMonitor({ selector: {}, endpoints: [{ port: 'web' }] }, 'fine'),
      scrapeConfig({}, 'fine'),
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((l) => /^(ServiceMonitor|PodMonitor|ScrapeConfig) /.test(l))).toEqual([
      'ServiceMonitor default/slow: endpoints[0]: scrapeTimeout "20s" greater than scrapeInterval "10s"',
    ]);
  });

  test('GIVEN the same ServiceMonitor twice WHEN rendered THEN it is an input error, exit 2', () => {
    const result = operatorRender([serviceMonitor({ selector: {}, endpoints: [{ port: 'web' }] }), serviceMonitor({ selector: {}, endpoints: [{ port: 'web' }] })]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/ServiceMonitor default\/test is given twice/);
  });
});
