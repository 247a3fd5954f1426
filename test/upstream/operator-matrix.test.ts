import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import {
  BearerToken,
  CertificateAuthority,
  CoreDnsDeployment,
  Corefile,
  DnsStrategy,
  EdgeNodeScrape,
  ExtraEdgeScrape,
  InstanceLabel,
  KubeletEndpoint,
  KubeletScrape,
  NodeAddressing,
  NodeExporterScrape,
  NodeSelection,
  PrometheusConfig,
  RavenPrometheus,
  RelabelAction,
  ScrapeScheme,
  ScrapeTls,
  TargetDiscovery,
} from '../../src';
import { buildExamplePlatform } from '../../src/example/platform';
import { operatorRender, ordered, withFilledTokenSecrets } from '../support/operator-render';

/**
 * Everything the library can write is accepted and rendered by prometheus-operator's own code
 * (operator-render), and the library's renderer (`PrometheusConfig.renderScrapeConfig`, which also backs the
 * prometheus.yml fragment) equals the operator's rendering of every ScrapeConfig, key order included.
 *
 * The matrix: every combination of DNS strategy with addressing, node-exporter discovery, node
 * selection, kubelet TLS, extra scrapes and declared operator version, each stack in its own
 * namespace, all rendered by one operator run. A combination the library refuses at synth time must
 * be refused for the declared version, with the reason.
 */

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.matrix-token';

/** A real CA certificate: the operator parses a CA before it accepts a ScrapeConfig. */
function caCertificate(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-matrix-ca-'));
  try {
    const result = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=raven-proxy-ca'], { cwd: dir, encoding: 'utf8' });
    if (result.error || result.status !== 0) throw new Error(`openssl failed: ${result.error?.message ?? ''}${result.stderr}`);
    return fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const CA = caCertificate();

/** The CA as the user keeps it in the Prometheus namespace: a Secret and a ConfigMap. */
function caObjects(namespace: string): any[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'raven-ca', namespace }, stringData: { 'ca.crt': CA } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raven-ca', namespace }, data: { 'ca.crt': CA } },
  ];
}

/** Decoded Secrets and ConfigMaps by namespace, as the library's renderer takes them. */
function namespaceData(manifests: any[]): Map<string, { secrets: any; configMaps: any }> {
  const byNamespace = new Map<string, { secrets: any; configMaps: any }>();
  for (const m of manifests) {
    if (m.kind !== 'Secret' && m.kind !== 'ConfigMap') continue;
    const ns = m.metadata.namespace;
    if (!byNamespace.has(ns)) byNamespace.set(ns, { secrets: {}, configMaps: {} });
    const entry = byNamespace.get(ns)!;
    if (m.kind === 'Secret') {
      const data: any = {};
      for (const [k, v] of Object.entries(m.data ?? {})) data[k] = Buffer.from(v as string, 'base64').toString('utf8');
      entry.secrets[m.metadata.name] = { ...data, ...(m.stringData ?? {}) };
    } else {
      entry.configMaps[m.metadata.name] = { ...(m.data ?? {}) };
    }
  }
  return byNamespace;
}

interface Axis<T> { readonly name: string; readonly values: ReadonlyArray<readonly [string, T]> }

const DNS_ADDRESSING: Axis<() => { dns?: DnsStrategy; addressing?: NodeAddressing }> = {
  name: 'dns+addressing',
  values: [
    ['editClusterCoreDns+nodeName', () => ({
      dns: DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString(), deployment: CoreDnsDeployment.kubeadm() }),
      addressing: NodeAddressing.nodeName(),
    })],
    ['dedicatedProxyDns+nodeName', () => ({ dns: DnsStrategy.dedicatedProxyDns({ clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.11.3' }) })],
    ['none+nodeName', () => ({ dns: DnsStrategy.none(), addressing: NodeAddressing.nodeName() })],
    ['none+proxyQuery', () => ({ addressing: NodeAddressing.proxyQuery() })],
  ],
};

const DISCOVERY: Axis<() => TargetDiscovery> = {
  name: 'nodeExporterDiscovery',
  values: [
    ['nodeExporterPods', () => TargetDiscovery.nodeExporterPods()],
    ['pods(namespaces)', () => TargetDiscovery.pods({ podLabels: { 'app.kubernetes.io/name': 'node-exporter', 'app.kubernetes.io/part-of': 'edge' }, namespaces: ['monitoring', 'kube-system'] })],
    ['nodes', () => TargetDiscovery.nodes()],
  ],
};

const NODES: Axis<() => NodeSelection> = {
  name: 'nodes',
  values: [
    ['edgeOnly', () => NodeSelection.edgeOnly()],
    ['all', () => NodeSelection.all()],
    ['withLabels', () => NodeSelection.withLabels({ 'apps.openyurt.io/nodepool': 'gpu-pool', 'openyurt.io/is-edge-worker': 'true' })],
  ],
};

const TLS: Axis<() => ScrapeTls | undefined> = {
  name: 'kubeletTls',
  values: [
    ['default', () => undefined],
    ['verify(secret, serverName)', () => ScrapeTls.verify({ ca: CertificateAuthority.fromSecret('raven-ca', 'ca.crt'), serverName: 'x-raven-proxy-internal-svc.kube-system.svc' })],
    ['verify(configMap)', () => ScrapeTls.verify({ ca: CertificateAuthority.fromConfigMap('raven-ca', 'ca.crt') })],
  ],
};

const EXTRAS: Axis<() => ExtraEdgeScrape[]> = {
  name: 'extraScrapes',
  values: [
    ['none', () => []],
    ['dcgm(http, nodes)', () => [{ name: 'dcgm-exporter-raven', port: 9400, jobLabel: 'dcgm-exporter', nodes: NodeSelection.withLabels({ 'nvidia.com/gpu.present': 'true' }) }]],
    ['https(pods, token, path)', () => [{
      name: 'app-metrics',
      port: 8443,
      scheme: ScrapeScheme.HTTPS,
      metricsPath: '/internal/metrics',
      authenticate: true,
      discovery: TargetDiscovery.pods({ podLabels: { app: 'edge-app' } }),
    }]],
  ],
};

const VERSIONS: Axis<string> = {
  name: 'versions.prometheusOperator',
  values: ['0.93.0', '0.87.0', '0.76.0', '0.75.0', '0.71.0', '0.70.0', '0.69.0', '0.68.0', '0.67.1'].map((v) => [v, v] as const),
};

interface Combination {
  readonly id: string;
  readonly namespace: string;
  readonly labels: string[];
  readonly version: string;
}

function* combinations(): Generator<{ labels: string[]; build: (chart: Chart) => void; version: string }> {
  for (const [dnsName, dns] of DNS_ADDRESSING.values) {
    for (const [discName, disc] of DISCOVERY.values) {
      for (const [nodesName, nodes] of NODES.values) {
        for (const [tlsName, tls] of TLS.values) {
          for (const [extraName, extras] of EXTRAS.values) {
            for (const [version] of VERSIONS.values) {
              yield {
                labels: [dnsName, discName, nodesName, tlsName, extraName, version],
                version,
                build: (chart) => new RavenPrometheus(chart, 'raven', {
                  release: 'kps',
                  ...dns(),
                  nodeExporterDiscovery: disc(),
                  nodes: nodes(),
                  kubeletTls: tls(),
                  extraScrapes: extras(),
                  // The extra scrape that authenticates needs the token sent to the nodes.
                  ...(extraName.includes('token') ? { sendServiceAccountTokenToNodes: true } : {}),
                  versions: { prometheusOperator: version },
                }),
              };
            }
          }
        }
      }
    }
  }
}

interface Matrix {
  readonly manifests: any[];
  readonly accepted: Combination[];
  readonly refused: Array<Combination & { readonly error: string }>;
}

function buildMatrix(): Matrix {
  const manifests: any[] = [];
  const accepted: Combination[] = [];
  const refused: Array<Combination & { error: string }> = [];
  let i = 0;
  for (const c of combinations()) {
    const namespace = `m${String(i++).padStart(4, '0')}`;
    const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
    const chart = new Chart(app, namespace, { namespace });
    const combination = { id: c.labels.join(' × '), namespace, labels: c.labels, version: c.version };
    try {
      c.build(chart);
    } catch (e) {
      refused.push({ ...combination, error: (e as Error).message });
      continue;
    }
    manifests.push(...withFilledTokenSecrets(chart.toJson(), TOKEN), ...caObjects(namespace));
    accepted.push(combination);
  }
  return { manifests, accepted, refused };
}

/** Our rendering and the operator's, per ScrapeConfig of the manifests; the differences as readable lines. */
function compareRenderings(
  manifests: any[], operatorScrapeConfigs: any[], options: { prometheusVersion?: string; shards?: number } = {},
): { compared: number; differences: string[] } {
  const byJob = new Map(operatorScrapeConfigs.map((s) => [s.job_name, s]));
  const data = namespaceData(manifests);
  const differences: string[] = [];
  let compared = 0;
  for (const m of manifests.filter((x) => x.kind === 'ScrapeConfig')) {
    const job = `scrapeConfig/${m.metadata.namespace}/${m.metadata.name}`;
    const theirs = byJob.get(job);
    const ours = PrometheusConfig.renderScrapeConfig(m, { ...data.get(m.metadata.namespace), ...options });
    compared++;
    if (theirs === undefined) {
      differences.push(`${job}: the operator rendered no such job`);
    } else if (JSON.stringify(ordered(ours)) !== JSON.stringify(ordered(theirs))) {
      differences.push(`${job}:\n  ours:     ${JSON.stringify(ours)}\n  operator: ${JSON.stringify(theirs)}`);
    }
  }
  return { compared, differences };
}

describe('the example stack', () => {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  buildExamplePlatform(app);
  const manifests = withFilledTokenSecrets(app.charts.flatMap((c) => c.toJson()), TOKEN);
  const scrapeConfigs = manifests.filter((m) => m.kind === 'ScrapeConfig');
  const result = operatorRender(manifests);

  test('GIVEN the example stack WHEN the operator selects and validates it THEN it accepts every ScrapeConfig', () => {
    expect(result.stderr).toBe('');
    expect(result.ok).toBe(true);
    expect(scrapeConfigs.length).toBeGreaterThanOrEqual(5);
    expect(result.scrapeConfigs.map((s) => s.job_name).sort()).toEqual(
      scrapeConfigs.map((m) => `scrapeConfig/${m.metadata.namespace}/${m.metadata.name}`).sort());
  });

  test('GIVEN the example stack WHEN rendered by the library THEN each ScrapeConfig equals the operator\'s rendering, key order included', () => {
    const { compared, differences } = compareRenderings(manifests, result.scrapeConfigs);
    expect(compared).toBe(scrapeConfigs.length);
    expect(differences).toEqual([]);
  });

  test('GIVEN a Prometheus with two shards WHEN rendered by both THEN they are equal, the operator\'s sharding relabelings included', () => {
    const sharded = operatorRender(manifests, { shards: 2 });
    expect(sharded.ok).toBe(true);
    expect(sharded.scrapeConfigs.every((s) => s.relabel_configs.some((r: any) => r.action === 'hashmod' && r.modulus === 2))).toBe(true);
    expect(compareRenderings(manifests, sharded.scrapeConfigs, { shards: 2 }).differences).toEqual([]);
  });

  test('GIVEN one changed key order WHEN compared THEN the comparison notices it (it can fail)', () => {
    const [first, ...rest] = result.scrapeConfigs;
    const reordered = { job_name: first.job_name, relabel_configs: first.relabel_configs, ...first };
    expect(compareRenderings(manifests, [reordered, ...rest]).differences).toHaveLength(1);
  });
});

describe('the props matrix', () => {
  const matrix = buildMatrix();
  const result = operatorRender(matrix.manifests);

  test('GIVEN every combination of the axes WHEN synthesized THEN each is written, or refused for its declared operator version with the reason', () => {
    const total = [DNS_ADDRESSING, DISCOVERY, NODES, TLS, EXTRAS, VERSIONS].reduce((n, axis) => n * axis.values.length, 1);
    expect(matrix.accepted.length + matrix.refused.length).toBe(total);
    // Every refusal names the operator version gate.
    const unexplained = matrix.refused.filter((r) => !/needs prometheus-operator v0\.\d+\.\d+ or later, but versions\.prometheusOperator is/.test(r.error));
    expect(unexplained.map((r) => `${r.id}: ${r.error}`)).toEqual([]);
    // The current version refuses nothing.
    expect(matrix.refused.filter((r) => r.version === '0.93.0')).toEqual([]);
    process.stderr.write(`props matrix: ${total} combinations, ${matrix.accepted.length} written, ${matrix.refused.length} refused for their declared version, `
      + `${matrix.manifests.filter((m) => m.kind === 'ScrapeConfig').length} ScrapeConfigs\n`);
  });

  test('GIVEN every ScrapeConfig the matrix writes WHEN the operator selects and validates them THEN it accepts all', () => {
    expect(result.stderr).toBe('');
    expect(result.ok).toBe(true);
    expect(result.scrapeConfigs).toHaveLength(matrix.manifests.filter((m) => m.kind === 'ScrapeConfig').length);
  });

  test('GIVEN every ScrapeConfig the matrix writes WHEN rendered by the library THEN each equals the operator\'s rendering, key order included', () => {
    const { compared, differences } = compareRenderings(matrix.manifests, result.scrapeConfigs);
    expect(compared).toBeGreaterThan(1000);
    expect(differences.slice(0, 5)).toEqual([]);
  });

  test('GIVEN the current declared version\'s ScrapeConfigs and the oldest Prometheus the operator supports (v2.45.0) WHEN rendered by both THEN they are equal, keys newer than 2.45 dropped alike', () => {
    const current = new Set(matrix.accepted.filter((c) => c.version === '0.93.0').map((c) => c.namespace));
    const manifests = matrix.manifests.filter((m) => current.has(m.metadata?.namespace));
    const old = operatorRender(manifests, { prometheusVersion: 'v2.45.0' });
    expect(old.ok).toBe(true);
    const { compared, differences } = compareRenderings(manifests, old.scrapeConfigs, { prometheusVersion: '2.45.0' });
    expect(compared).toBeGreaterThan(1000);
    expect(differences.slice(0, 5)).toEqual([]);
  });
});

describe('the single constructs with every prop', () => {
  const cases: Array<[string, (chart: Chart) => void]> = [
    ['EdgeNodeScrape, every option set', (chart) => new EdgeNodeScrape(chart, 'custom', {
      port: 9443,
      name: 'custom-exporter',
      metricsPath: '/probe',
      scheme: ScrapeScheme.HTTPS,
      tls: ScrapeTls.verify({ ca: CertificateAuthority.fromSecret('raven-ca', 'ca.crt'), serverName: 'raven-proxy' }),
      bearerToken: BearerToken.fromSecret('exporter-token', 'jwt'),
      labels: { release: 'kps', team: 'edge' },
      scrapeInterval: Duration.seconds(45),
      scrapeTimeout: Duration.seconds(20),
      nodes: NodeSelection.withLabels({ zone: 'north' }),
      addressing: NodeAddressing.proxyQuery({ proxyHost: 'raven-proxy.kube-system.svc.cluster.local' }),
      instance: InstanceLabel.nodeName(),
      nodeLabel: false,
      markerLabel: false,
      keepNodeLabels: false,
      honorLabels: true,
      honorTimestamps: false,
      trackTimestampsStaleness: true,
      targetLabels: { job: 'custom', cluster: 'edge-1' },
      metricRelabelings: [
        { action: RelabelAction.DROP, sourceLabels: ['__name__'], regex: 'go_.*' },
        { action: RelabelAction.KEEP, sourceLabels: ['__name__', 'le'], separator: '@', regex: '.+@.*' },
        { action: RelabelAction.REPLACE, sourceLabels: ['instance'], targetLabel: 'host', regex: '([^:]+):.*', replacement: '$1' },
        { action: RelabelAction.LABELMAP, regex: 'exported_(.+)', replacement: '$1' },
        { action: RelabelAction.LABELDROP, regex: 'exported_.*' },
        { action: RelabelAction.LABELKEEP, regex: '__name__|instance|job|host|le' },
      ],
    })],
    ['EdgeNodeScrape, discovered instance', (chart) => new EdgeNodeScrape(chart, 'seed', { port: 9100, instance: InstanceLabel.discovered() })],
    ['EdgeNodeScrape, pods without node metadata', (chart) => new EdgeNodeScrape(chart, 'bare-pods', {
      port: 9100, discovery: TargetDiscovery.pods({ podLabels: { app: 'x' } }), keepNodeLabels: false,
    })],
    ['NodeExporterScrape, its own labels', (chart) => new NodeExporterScrape(chart, 'ne', {
      nodes: NodeSelection.edgeOnly(), discovery: TargetDiscovery.nodes(), jobLabel: 'node', serviceLabel: 'kps-prometheus-node-exporter', namespaceLabel: 'monitoring',
    })],
    ['KubeletScrape, every endpoint, nothing dropped', (chart) => new KubeletScrape(chart, 'kubelet', {
      endpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES, KubeletEndpoint.RESOURCE, KubeletEndpoint.custom('/metrics/slis', 'slis')],
      bearerToken: BearerToken.fromServiceAccount({ serviceAccountName: 'prom' }),
      cadvisorMetricDrops: false,
      storageBucketDrops: false,
      trackTimestampsStaleness: false,
      cadvisorInterval: Duration.seconds(15),
      jobLabel: 'kubelet-edge',
      honorLabels: false,
      honorTimestamps: false,
    })],
    ['RavenPrometheus, kubelet only, existing token Secret, its own interval', (chart) => new RavenPrometheus(chart, 'raven', {
      nodeExporter: false,
      kubeletEndpoints: [KubeletEndpoint.RESOURCE, KubeletEndpoint.METRICS],
      sendServiceAccountTokenToNodes: true,
      createTokenSecret: false,
      tokenSecretName: 'existing-token',
      scrapeInterval: Duration.minutes(1),
      scrapeConfigLabels: { prometheus: 'edge' },
    })],
    ['RavenPrometheus, node-exporter on another port', (chart) => new RavenPrometheus(chart, 'raven', {
      nodeExporterPort: 9101, kubeletEndpoints: [], nodes: NodeSelection.all(),
    })],
  ];
  const manifests: any[] = [];
  cases.forEach(([, build], i) => {
    const namespace = `c${i}`;
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), namespace, { namespace });
    build(chart);
    manifests.push(...withFilledTokenSecrets(chart.toJson(), TOKEN), ...caObjects(namespace),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'exporter-token', namespace }, stringData: { jwt: TOKEN } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'existing-token', namespace }, stringData: { token: TOKEN } });
  });
  const result = operatorRender(manifests);

  test('GIVEN each construct with its options WHEN the operator selects and validates them THEN it accepts every ScrapeConfig', () => {
    expect(result.stderr).toBe('');
    expect(result.ok).toBe(true);
    expect(result.scrapeConfigs).toHaveLength(manifests.filter((m) => m.kind === 'ScrapeConfig').length);
  });

  test('GIVEN each construct with its options WHEN rendered by the library THEN each equals the operator\'s rendering, key order included', () => {
    const { compared, differences } = compareRenderings(manifests, result.scrapeConfigs);
    expect(compared).toBe(12);
    expect(differences).toEqual([]);
  });

  test('GIVEN each construct with its options and three shards WHEN rendered by both THEN they are equal', () => {
    const sharded = operatorRender(manifests, { shards: 3 });
    expect(sharded.ok).toBe(true);
    expect(compareRenderings(manifests, sharded.scrapeConfigs, { shards: 3 }).differences).toEqual([]);
  });
});
