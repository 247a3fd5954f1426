import { Duration } from 'cdk8s';
import { BearerToken, InstanceLabel, KubeletScrape, KubeletScrapeProps, NodeExporterScrape, NodeSelection, ScrapeTls, TargetDiscovery } from '../src';
import { seedManifests } from './support/seed';
import { findManifest, synth, testChart } from './support/synth';

/**
 * The seed's manifests, rebuilt by the constructs with props that state the seed's choices.
 * Compared field for field; the only normalisations are defaults the seed leaves implicit:
 * the API server's `action: replace` on relabelings and Prometheus' own `honor_labels: false`
 * and `honor_timestamps: true` (key order never matters in YAML maps).
 */
function normalise(manifest: any): any {
  const copy = JSON.parse(JSON.stringify(manifest));
  for (const list of ['relabelings', 'metricRelabelings']) {
    for (const r of copy.spec?.[list] ?? []) r.action = r.action ?? 'replace';
  }
  if (copy.spec?.honorLabels === false) delete copy.spec.honorLabels;
  if (copy.spec?.honorTimestamps === true) delete copy.spec.honorTimestamps;
  return copy;
}

/**
 * The library's two additions to the seed's relabelings, neither of which changes a label of a
 * stored series:
 *
 * - an IPv6 InternalIP written in brackets in `instance` (`[fd00::1]:10250`, as the stock monitors
 *   write it), where the seed writes `fd00::1:10250`; for IPv4 nodes, the only ones the seed's
 *   clusters have, the two write the same labels;
 * - the shard key: `__tmp_hash` set to the node name, which a sharded Prometheus (the operator's
 *   `spec.shards`) hashes instead of the per-port `__address__`, so that every job of a node lands on
 *   one shard; `__tmp_` labels are dropped after relabeling, so an unsharded Prometheus sees nothing.
 */
function withoutAdditions(manifest: any): any {
  const copy = JSON.parse(JSON.stringify(manifest));
  const ipv6Instance = (r: any) => r.targetLabel === 'instance' && r.regex === '(.+:.+)';
  const shardKey = (r: any) => r.targetLabel === '__tmp_hash' && r.replacement === '${1}' && r.sourceLabels?.length === 1;
  copy.spec.relabelings = copy.spec.relabelings.filter((r: any) => !ipv6Instance(r) && !shardKey(r));
  return copy;
}

/** The seed's choices where the library's defaults follow kube-prometheus-stack instead. */
const SEED_CHOICES = { nodes: NodeSelection.all(), nodeLabel: false, markerLabel: false, namespaceLabel: '', serviceLabel: '' };

/**
 * The two deliberate differences from the recipe, which the library does not follow by default:
 *
 * - the recipe sends Prometheus' ServiceAccount token (a token Secret, `authorization` on every
 *   kubelet ScrapeConfig); through Raven the proxy forwards it to every edge node while the kubelet
 *   authorizes the proxy's own client certificate (tunnel-proxy-client) and ignores it, so the
 *   library sends none;
 * - the recipe skips TLS verification (`insecureSkipVerify: true`); the library verifies the
 *   proxy's certificate with the cluster root CA and the proxy Service's name (ScrapeTls.ravenProxy()).
 */
const RECIPE_TOKEN_SECRET = 'Secret/prometheus-sa-token';
const RECIPE_AUTHORIZATION = { credentials: { name: 'prometheus-sa-token', key: 'token' } };
const RECIPE_TLS = { insecureSkipVerify: true };
const LIBRARY_TLS = { ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } }, serverName: 'x-raven-proxy-internal-svc.kube-system.svc' };

/** A kubelet ScrapeConfig without the two fields that differ on purpose, each checked to hold what it should first. */
function withoutDeliberateDifferences(manifest: any, authorization: unknown, tlsConfig: unknown): any {
  expect(manifest.spec.authorization).toEqual(authorization);
  expect(manifest.spec.tlsConfig).toEqual(tlsConfig);
  const copy = normalise(manifest);
  delete copy.spec.authorization;
  delete copy.spec.tlsConfig;
  return copy;
}

function seedScenario(kubelet: Partial<KubeletScrapeProps> = {}): any[] {
  const chart = testChart('monitor');
  new NodeExporterScrape(chart, 'node-exporter', {
    ...SEED_CHOICES,
    name: 'node-exporter-raven',
    labels: { release: 'foundation-core' },
    port: 9100,
    discovery: TargetDiscovery.nodes(),
    instance: InstanceLabel.discovered(),
    jobLabel: '',
  });
  new KubeletScrape(chart, 'kubelet', {
    ...SEED_CHOICES,
    namePrefix: 'kubelet-raven',
    labels: { release: 'xxx' },
    port: 10250,
    instance: InstanceLabel.internalIp(),
    jobLabel: 'kubelet',
    honorLabels: false,
    honorTimestamps: true,
    cadvisorMetricDrops: false,
    storageBucketDrops: false,
    trackTimestampsStaleness: false,
    cadvisorInterval: Duration.seconds(0),
    ...kubelet,
  });
  return synth(chart);
}

/** The recipe's two choices the library does not make by default, stated as props. */
const RECIPE_CREDENTIALS: Partial<KubeletScrapeProps> = { bearerToken: BearerToken.fromServiceAccount(), tls: ScrapeTls.insecureSkipVerify() };

describe('the seed scenario', () => {
  const seed = seedManifests();
  const ours = seedScenario();

  test('the seed document yields the five manifests the constructs replace', () => {
    expect(Object.values(seed).flat().map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'ScrapeConfig/kubelet-raven-cadvisor',
      'ScrapeConfig/kubelet-raven-metrics',
      'ScrapeConfig/kubelet-raven-probes',
      'ScrapeConfig/node-exporter-raven',
      'Secret/prometheus-sa-token',
    ]);
  });

  test('ScrapeConfig node-exporter-raven matches the seed field for field', () => {
    const expected = Object.values(seed).flat().find((m) => m.kind === 'ScrapeConfig' && m.metadata.name === 'node-exporter-raven');
    expect(normalise(withoutAdditions(findManifest(ours, 'ScrapeConfig', 'node-exporter-raven')))).toEqual(normalise(expected));
  });

  test('the additions: the shard key on every scrape, the IPv6 instance relabeling on those whose instance is the InternalIP', () => {
    const added = ours.filter((m) => m.kind === 'ScrapeConfig')
      .map((m) => [m.metadata.name, m.spec.relabelings.length - withoutAdditions(m).spec.relabelings.length]);
    expect(added).toEqual([
      ['node-exporter-raven', 1], ['kubelet-raven-metrics', 2], ['kubelet-raven-cadvisor', 2], ['kubelet-raven-probes', 2],
    ]);
  });

  test.each(['kubelet-raven-metrics', 'kubelet-raven-cadvisor', 'kubelet-raven-probes'])(
    'ScrapeConfig %s matches the seed field for field, except the deliberate differences: no authorization, verified TLS', (name) => {
      const expected = Object.values(seed).flat().find((m) => m.kind === 'ScrapeConfig' && m.metadata.name === name);
      expect(withoutDeliberateDifferences(withoutAdditions(findManifest(ours, 'ScrapeConfig', name)), undefined, LIBRARY_TLS))
        .toEqual(withoutDeliberateDifferences(expected, RECIPE_AUTHORIZATION, RECIPE_TLS));
    });

  test('the constructs emit what the seed has, except the token Secret, which they do not write', () => {
    const seedIds = Object.values(seed).flat().map((m) => `${m.kind}/${m.metadata.name}`);
    expect(seedIds).toContain(RECIPE_TOKEN_SECRET);
    expect(ours.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual(seedIds.filter((id) => id !== RECIPE_TOKEN_SECRET).sort());
    expect(ours.map((m) => m.kind)).not.toContain('Secret');
  });

  describe('GIVEN the recipe\'s token and skipped verification as props (bearerToken, insecureSkipVerify)', () => {
    const withRecipeCredentials = seedScenario(RECIPE_CREDENTIALS);

    test.each(['node-exporter-raven', 'kubelet-raven-metrics', 'kubelet-raven-cadvisor', 'kubelet-raven-probes'])(
      'ScrapeConfig %s matches the seed field for field, with nothing left out', (name) => {
        const expected = Object.values(seed).flat().find((m) => m.kind === 'ScrapeConfig' && m.metadata.name === name);
        expect(normalise(withoutAdditions(findManifest(withRecipeCredentials, 'ScrapeConfig', name)))).toEqual(normalise(expected));
      });

    test('the token Secret matches the seed except that it lives with the ScrapeConfigs', () => {
      const expected = seed['prometheus-token-secret.yaml'][0];
      const actual = findManifest(withRecipeCredentials, 'Secret', 'prometheus-sa-token');
      // The seed's 'namespace' is a placeholder; the operator can only read the Secret from the ScrapeConfigs' namespace.
      expect(expected.metadata.namespace).toBe('namespace');
      expect(actual.metadata.namespace).toBe('monitor');
      expect({ ...actual, metadata: { ...actual.metadata, namespace: undefined } })
        .toEqual({ ...expected, metadata: { ...expected.metadata, namespace: undefined } });
    });

    test('the constructs emit nothing the seed does not have', () => {
      expect(withRecipeCredentials.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
        'ScrapeConfig/kubelet-raven-cadvisor',
        'ScrapeConfig/kubelet-raven-metrics',
        'ScrapeConfig/kubelet-raven-probes',
        'ScrapeConfig/node-exporter-raven',
        'Secret/prometheus-sa-token',
      ]);
    });
  });
});

describe('the comparison', () => {
  const seed = Object.values(seedManifests()).flat();
  const expected = normalise(seed.find((m) => m.metadata.name === 'kubelet-raven-cadvisor'));

  /** The recipe's cAdvisor ScrapeConfig as the constructs write it, with its token and skipped verification, changed by `props`. */
  function recipeCadvisor(props: Partial<KubeletScrapeProps>): any {
    const chart = testChart('monitor');
    new KubeletScrape(chart, 'kubelet', {
      ...SEED_CHOICES,
      ...RECIPE_CREDENTIALS,
      namePrefix: 'kubelet-raven',
      labels: { release: 'xxx' },
      honorLabels: false,
      cadvisorMetricDrops: false,
      trackTimestampsStaleness: false,
      cadvisorInterval: Duration.seconds(0),
      ...props,
    });
    // The additions set aside, as above: each prop below must fail on its own.
    return withoutAdditions(synth(chart).find((m) => m.kind === 'ScrapeConfig' && m.spec.metricsPath === '/metrics/cadvisor'));
  }

  test.each([
    ['a wrong port', { port: 10255 }],
    ['a wrong job label', { jobLabel: 'kubelets' }],
    ['a wrong release label', { labels: { release: 'other' } }],
    ['a wrong name prefix', { namePrefix: 'kubelet' }],
    ['the library\'s honorLabels default', { honorLabels: true }],
    ['the library\'s cAdvisor drops', { cadvisorMetricDrops: true }],
    ['the library\'s node label', { nodeLabel: true }],
    ['the library\'s timestamp staleness tracking', { trackTimestampsStaleness: true }],
    ['the library\'s cAdvisor interval', { cadvisorInterval: Duration.seconds(10) }],
    ['the library\'s service label', { serviceLabel: 'kubelet-raven' }],
  ])('fails on %s', (_what, props) => {
    expect(normalise(recipeCadvisor(props))).not.toEqual(expected);
  });

  test('passes with none of them: each failure above comes from its one prop', () => {
    expect(normalise(recipeCadvisor({}))).toEqual(expected);
  });

  test('fails on the library\'s default credentials: no token, verified TLS', () => {
    expect(normalise(recipeCadvisor({ bearerToken: undefined, tls: undefined }))).not.toEqual(expected);
  });

  test('fails when a relabeling is added', () => {
    const chart = testChart('monitor');
    new NodeExporterScrape(chart, 'node-exporter', {
      ...SEED_CHOICES, labels: { release: 'foundation-core' }, discovery: TargetDiscovery.nodes(), instance: InstanceLabel.discovered(), jobLabel: 'node-exporter',
    });
    const withExtra = normalise(synth(chart)[0]);
    expect(withExtra).not.toEqual(normalise(seed.find((m) => m.metadata.name === 'node-exporter-raven')));
  });
});
