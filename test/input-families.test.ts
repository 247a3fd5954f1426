import { ApiObject, App, Chart, Duration } from 'cdk8s';
import * as fc from 'fast-check';
import {
  BearerToken, CertificateAuthority, CoreDnsDeployment, Corefile, DnsStrategy, EdgeNodeScrape, KubeletEndpoint, KubeletScrape,
  KubePrometheusStackValues, NodeAddressing, NodeExporterScrape, NodeSelection, PrometheusNodeRbac, RavenCoreDns, RavenGatewayPorts, RavenPrometheus,
  RavenProxyDns, RelabelAction, ScrapeOutput, ScrapeScheme, ScrapeTls, ServiceAccountTokenSecret, TargetDiscovery,
  DriftReport, KubePrometheusStack, PrometheusConfig, TargetsReport,
} from '../src';
import { generatedRegexes, HAND_WRITTEN_REGEXES } from './support/re2-corpus';
import { expectValidManifests } from './support/schemas';
import { synth, testChart } from './support/synth';
import { EXAMPLE_CLOUD_GATEWAY } from '../src/example/cloud-gateway';
import { knownProps } from '../src/private/known-props';
import { relabelRegexError } from '../src/private/re2';

/**
 * One property per family of mistaken input, over every prop of the public API in that family:
 * whatever arrives, no TypeError or RangeError escapes, a refusal names the prop that was set,
 * and what is accepted synthesizes manifests that are valid (Kubernetes' schemas and the CRDs).
 */

const RUNS = { numRuns: 60, seed: 20261207 };

/** How each props or options struct of the API is given to the library: its required props filled in, the prop under test added. */
const CORE = Corefile.kubeadmDefault().toString();
const CA = CertificateAuthority.fromConfigMap('kube-root-ca.crt', 'ca.crt');
const TAKERS: { [iface: string]: { where: (prop: string) => string; build: (props: any) => Chart | undefined } } = {
  RavenPrometheusProps: { where: (p) => p, build: (p) => chartWith((c) => new RavenPrometheus(c, 'r', { gateway: EXAMPLE_CLOUD_GATEWAY, ...p }), 'monitoring') },
  ExtraEdgeScrape: { where: (p) => `extraScrapes[0].${p}`, build: (p) => chartWith((c) => new RavenPrometheus(c, 'r', { gateway: EXAMPLE_CLOUD_GATEWAY, extraScrapes: [{ name: 'dcgm', port: 9400, ...p }] }), 'monitoring') },
  EdgeNodeScrapeProps: { where: (p) => p, build: (p) => chartWith((c) => new EdgeNodeScrape(c, 's', { port: 9400, ...p })) },
  NodeExporterScrapeProps: { where: (p) => p, build: (p) => chartWith((c) => new NodeExporterScrape(c, 's', p)) },
  KubeletScrapeProps: { where: (p) => p, build: (p) => chartWith((c) => new KubeletScrape(c, 's', p)) },
  MetricRelabeling: {
    where: (p) => `metricRelabelings[0].${p}`,
    build: (p) => chartWith((c) => new EdgeNodeScrape(c, 's', { port: 9400, metricRelabelings: [{ action: RelabelAction.DROP, sourceLabels: ['__name__'], ...p }] })),
  },
  ClusterVersions: { where: (p) => `versions.${p}`, build: (p) => chartWith((c) => new EdgeNodeScrape(c, 's', { port: 9400, versions: p })) },
  RavenCoreDnsProps: { where: (p) => p, build: (p) => chartWith((c) => new RavenCoreDns(c, 'd', { corefile: CORE, ...p }), null) },
  RavenProxyDnsProps: { where: (p) => p, build: (p) => chartWith((c) => new RavenProxyDns(c, 'p', { clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.0', ...p })) },
  RavenGatewayPortsProps: { where: (p) => p, build: (p) => chartWith((c) => new RavenGatewayPorts(c, 'g', { gateway: EXAMPLE_CLOUD_GATEWAY, httpPorts: [9100], ...p })) },
  ServiceAccountTokenSecretProps: { where: (p) => p, build: (p) => chartWith((c) => new ServiceAccountTokenSecret(c, 't', p)) },
  PrometheusNodeRbacProps: { where: (p) => p, build: (p) => chartWith((c) => new PrometheusNodeRbac(c, 'r', p)) },
  KubePrometheusStackValuesProps: { where: (p) => p, build: (p) => void new KubePrometheusStackValues(p).toYaml() },
  KubeadmCoreDnsDeploymentOptions: { where: (p) => p, build: (p) => chartWith((c) => new RavenCoreDns(c, 'd', { corefile: CORE, deployment: CoreDnsDeployment.kubeadm(p) }), null) },
  PodDiscoveryOptions: { where: (p) => p, build: (p) => chartWith((c) => new EdgeNodeScrape(c, 's', { port: 9400, discovery: TargetDiscovery.pods({ podLabels: { app: 'x' }, ...p }) })) },
  ProxyQueryOptions: { where: (p) => p, build: (p) => chartWith((c) => new EdgeNodeScrape(c, 's', { port: 9400, addressing: NodeAddressing.proxyQuery(p) })) },
  ServiceAccountTokenOptions: {
    where: (p) => p,
    build: (p) => chartWith((c) => new KubeletScrape(c, 's', { bearerToken: BearerToken.fromServiceAccount({ serviceAccountNamespace: 'monitor', ...p }) })),
  },
  VerifiedTlsOptions: { where: (p) => p, build: (p) => chartWith((c) => new KubeletScrape(c, 's', { tls: ScrapeTls.verify({ ca: CA, ...p }) })) },
  PrometheusConfigFragmentOptions: { where: (p) => p, build: (p) => chartWith((c) => new RavenPrometheus(c, 'r', { gateway: EXAMPLE_CLOUD_GATEWAY, output: ScrapeOutput.prometheusConfigFragment(p) }), 'monitoring') },
};

function chartWith(build: (chart: Chart) => unknown, namespace: string | null = 'monitor'): Chart {
  const chart = testChart(namespace);
  build(chart);
  return chart;
}

/**
 * Builds with `props`; a refusal must be the library's (no TypeError or RangeError) and name
 * `prop`; an acceptance must synthesize valid manifests. Returns whether it was accepted.
 */
function judge(iface: string, prop: string, props: any): boolean {
  const taker = TAKERS[iface];
  let chart: Chart | undefined;
  try {
    chart = taker.build(props);
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect([iface, prop, (e as Error).constructor.name]).toEqual([iface, prop, 'Error']);
    const named = taker.where(prop);
    const message = (e as Error).message;
    // The Corefile engine's refusals of a Corefile's content start with 'Corefile:' and point at a line.
    const corefileContent = prop === 'corefile' && message.startsWith('Corefile: ');
    // A prop that needs another names both: 'release' must be set when nameOverride ... is set.
    const mentioned = new RegExp(`must be set when .*\\b${prop}\\b`).test(message);
    if (!corefileContent && !mentioned && !message.includes(`'${named}`) && !message.includes(`'${named.split('.')[0]}`)) {
      throw new Error(`${iface}.${prop} = ${String(JSON.stringify(props[prop]))}: the refusal does not name '${named}': ${message}`);
    }
    return false;
  }
  if (chart) expectValidManifests(synth(chart));
  return true;
}

/** Values of every JavaScript type, as plain JavaScript or a file can hand them over. */
const anyValue = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 70000 }), fc.double(), fc.constantFrom(NaN, Infinity, -0),
  fc.string({ maxLength: 12 }), fc.constantFrom('', ' ', '-', 'UPPER', 'a/b', '../x', '/etc', 'a'.repeat(300)),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null)), { maxKeys: 2 }),
  fc.constant(() => 'x'), fc.constant(Duration.seconds(5)), fc.constant(new ApiObject(new Chart(new App(), 'x'), 'x', { apiVersion: 'v1', kind: 'ConfigMap' })),
  fc.constant(NodeSelection.edgeOnly()), fc.constant(ScrapeTls.insecureSkipVerify()), fc.constant(KubeletEndpoint.METRICS),
);

describe('wrong JavaScript types, in every prop of every struct the API takes', () => {
  test.each(Object.keys(TAKERS))('%s', (iface) => {
    const props = knownProps(iface);
    fc.assert(fc.property(fc.constantFrom(...props), anyValue, (prop, value) => {
      judge(iface, prop, { [prop]: value });
    }), RUNS);
  });
});

describe('wrong JavaScript types, in every argument of every static factory and method', () => {
  const SCRAPE_CONFIG = { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig', metadata: { name: 'a', namespace: 'b' }, spec: {} };
  const TARGETS = { status: 'success', data: { activeTargets: [] } };
  const calls: Array<[string, string, (v: any) => unknown]> = [
    ['KubeletEndpoint.custom', 'path', (v) => KubeletEndpoint.custom(v, 'x')],
    ['KubeletEndpoint.custom', 'suffix', (v) => KubeletEndpoint.custom('/x', v)],
    ['CertificateAuthority.fromSecret', 'name', (v) => CertificateAuthority.fromSecret(v, 'k')],
    ['CertificateAuthority.fromConfigMap', 'key', (v) => CertificateAuthority.fromConfigMap('n', v)],
    ['BearerToken.fromSecret', 'secretName', (v) => BearerToken.fromSecret(v)],
    ['BearerToken.fromSecret', 'key', (v) => BearerToken.fromSecret('s', v)],
    ['BearerToken.fromServiceAccount', 'options', (v) => BearerToken.fromServiceAccount(v)],
    ['NodeSelection.withLabels', 'labels', (v) => NodeSelection.withLabels(v)],
    ['TargetDiscovery.pods', 'options', (v) => TargetDiscovery.pods(v)],
    ['NodeAddressing.proxyQuery', 'options', (v) => NodeAddressing.proxyQuery(v)],
    ['ScrapeTls.verify', 'options', (v) => ScrapeTls.verify(v)],
    ['CoreDnsDeployment.fromManifest', 'manifest', (v) => CoreDnsDeployment.fromManifest(v)],
    ['CoreDnsDeployment.fromFile', 'path', (v) => CoreDnsDeployment.fromFile(v)],
    ['CoreDnsDeployment.kubeadm', 'options', (v) => CoreDnsDeployment.kubeadm(v)],
    ['Corefile.parse', 'text', (v) => Corefile.parse(v)],
    ['Corefile.kubeadmDefault', 'options', (v) => Corefile.kubeadmDefault(v)],
    ['Corefile.addTunnelHosts', 'options', (v) => Corefile.kubeadmDefault().addTunnelHosts(v)],
    ['Corefile.removeTunnelHosts', 'options', (v) => Corefile.kubeadmDefault().removeTunnelHosts(v)],
    ['DnsStrategy.editClusterCoreDns', 'props', (v) => DnsStrategy.editClusterCoreDns(v)],
    ['DnsStrategy.dedicatedProxyDns', 'props', (v) => DnsStrategy.dedicatedProxyDns(v)],
    ['ScrapeOutput.prometheusConfigFragment', 'options', (v) => ScrapeOutput.prometheusConfigFragment(v)],
    ['PrometheusConfig.renderScrapeConfig', 'manifest', (v) => PrometheusConfig.renderScrapeConfig(v)],
    ['PrometheusConfig.renderScrapeConfig', 'options', (v) => PrometheusConfig.renderScrapeConfig(SCRAPE_CONFIG, v)],
    ['PrometheusConfig.renderPlainScrapeConfig', 'manifest', (v) => PrometheusConfig.renderPlainScrapeConfig(v)],
    ['KubePrometheusStack.fullname', 'release', (v) => KubePrometheusStack.fullname(v)],
    ['KubePrometheusStack.prometheusServiceAccountName', 'release', (v) => KubePrometheusStack.prometheusServiceAccountName(v)],
    ['TargetsReport.fromTargetsResponse', 'response', (v) => TargetsReport.fromTargetsResponse(v)],
    ['TargetsReport.fromTargetsResponse', 'options', (v) => TargetsReport.fromTargetsResponse(TARGETS, v)],
    ['DriftReport.compare', 'desired', (v) => DriftReport.compare(v, [])],
    ['DriftReport.compare', 'live', (v) => DriftReport.compare([], v)],
    ['DriftReport.clusterOwnedObjects', 'manifests', (v) => DriftReport.clusterOwnedObjects(v)],
    ['DriftReport.livePath', 'obj', (v) => DriftReport.livePath(v)],
    ['RavenPrometheus.kubePrometheusStackValues', 'options', (v) => new RavenPrometheus(testChart('monitoring'), 'r', { gateway: EXAMPLE_CLOUD_GATEWAY }).kubePrometheusStackValues(v)],
  ];

  test.each(calls.map(([method, arg, call]) => [`${method}(${arg})`, call]))('%s: no TypeError or RangeError, whatever it is given', (_name, call) => {
    fc.assert(fc.property(fc.oneof(anyValue, fc.constant(undefined)), (value) => {
      try {
        call(value);
      } catch (e) {
        expect((e as Error).constructor).toBe(Error);
        expect((e as Error).message).not.toMatch(/Cannot read propert|is not a function|circular structure/);
      }
    }), RUNS);
  });
});

describe('empty and blank strings, in every prop of every struct the API takes', () => {
  test.each(Object.keys(TAKERS))('%s', (iface) => {
    for (const prop of knownProps(iface)) {
      for (const value of ['', ' ', '\n']) judge(iface, prop, { [prop]: value });
    }
  });

  test('an empty node label value is refused wherever nodes are selected', () => {
    expect(() => NodeSelection.withLabels({ pool: '' })).toThrow(/'labels\.pool' must be a non-empty label value/);
  });
});

describe('tunnel-nodes mount paths', () => {
  const segment = fc.constantFrom('etc', 'coredns', 'edge', 'var', 'run', 'secrets', 'kubernetes.io', 'serviceaccount', 'raven', 'hosts', 'resolv.conf', 'tmp', 'x');
  const mountPath = fc.array(segment, { minLength: 0, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
  const deployments = [
    ['kubeadm', () => CoreDnsDeployment.kubeadm()],
    ['none', () => CoreDnsDeployment.none()],
  ] as const;

  test('a path at, above or below the Corefile\'s folder, a kubelet file or a system folder is refused naming tunnelNodesMountPath; any other is mounted', () => {
    fc.assert(fc.property(mountPath, fc.constantFrom(...deployments), (path, [kind, deployment]) => {
      const clash = ['/etc/coredns', '/etc/hosts', '/etc/resolv.conf', '/etc/hostname', '/var/run/secrets/kubernetes.io/serviceaccount']
        .filter((p) => kind === 'kubeadm' || p !== '/etc/coredns')
        .some((p) => p === path || p.startsWith(`${path}/`) || path.startsWith(`${p}/`))
        || ['/', '/etc', '/var', '/var/run', '/tmp', '/run'].includes(path);
      let refused = false;
      try {
        const chart = chartWith((c) => new RavenCoreDns(c, 'd', { corefile: CORE, deployment: deployment(), tunnelNodesMountPath: path }), null);
        expectValidManifests(synth(chart));
      } catch (e) {
        refused = true;
        expect((e as Error).constructor).toBe(Error);
        expect((e as Error).message).toMatch(/^RavenCoreDns: 'tunnelNodesMountPath' must be/);
      }
      expect([path, kind, refused]).toEqual([path, kind, clash]);
    }), { numRuns: 150, seed: 20261207 });
  });
});

describe('relabeling regexes (RE2)', () => {
  const regexes = [...HAND_WRITTEN_REGEXES, ...generatedRegexes(150)];

  test('a regex Prometheus cannot compile is refused naming metricRelabelings[i].regex; any other is written as given', () => {
    for (const regex of regexes) {
      const accepted = judge('MetricRelabeling', 'regex', { regex });
      expect([regex, accepted]).toEqual([regex, relabelRegexError(regex) === undefined]);
    }
  });
});

describe('props that contradict each other', () => {
  /** Pairs that cannot both hold, each set alone being fine. */
  const contradictions: Array<[string, string, any]> = [
    ['release', 'scrapeConfigLabels', { release: 'kps', scrapeConfigLabels: { release: 'other' } }],
    ['scrapeInterval', 'cadvisorInterval', { scrapeInterval: Duration.seconds(30), cadvisorInterval: Duration.seconds(10) }],
    ['nodeExporter', 'nodeExporterPort', { nodeExporter: false, nodeExporterPort: 9101 }],
    ['nodeExporter', 'nodeExporterDiscovery', { nodeExporter: false, nodeExporterDiscovery: TargetDiscovery.nodes() }],
    ['kubeletEndpoints', 'kubeletTls', { kubeletEndpoints: [], kubeletTls: ScrapeTls.insecureSkipVerify() }],
    ['kubeletEndpoints', 'cadvisorInterval', { kubeletEndpoints: [], cadvisorInterval: Duration.seconds(10) }],
    ['serviceAccountName', 'nameOverride', { release: 'kps', serviceAccountName: 'p', nameOverride: 'x' }],
    ['output', 'createTokenSecret', { output: ScrapeOutput.prometheusConfigFragment(), createTokenSecret: true }],
    ['output', 'tokenSecretName', { output: ScrapeOutput.prometheusConfigFragment(), tokenSecretName: 'tok' }],
    ['gateway', 'addGatewayPorts', { gateway: undefined, addGatewayPorts: true }],
    ['dns', 'addressing', { dns: DnsStrategy.editClusterCoreDns({ corefile: CORE }), addressing: NodeAddressing.proxyQuery() }],
  ];

  test.each(contradictions.map(([a, b, props]) => [`${a} with ${b}`, a, b, props]))('%s is refused naming one of them', (_name, a, b, props) => {
    let message = '';
    try {
      new RavenPrometheus(testChart('monitoring'), 'r', props);
    } catch (e) {
      expect((e as Error).constructor).toBe(Error);
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`^RavenPrometheus: '(${a}|${b})[.'\\[]`));
  });

  test('any subset of the contradicting props is refused exactly when it holds a contradiction, naming a prop it sets', () => {
    const pairs = contradictions.filter(([a]) => a !== 'dns');
    fc.assert(fc.property(fc.subarray(pairs, { minLength: 1, maxLength: 3 }), fc.boolean(), (chosen, halves) => {
      // Either whole pairs, or one side of each pair only (which must be accepted).
      const props: any = { gateway: EXAMPLE_CLOUD_GATEWAY };
      for (const [a, , both] of chosen) {
        if (halves) {
          if (both[a] !== undefined) props[a] = both[a];
        } else {
          Object.assign(props, both);
        }
      }
      let message: string | undefined;
      try {
        chartWith((c) => new RavenPrometheus(c, 'r', props), 'monitoring');
      } catch (e) {
        expect((e as Error).constructor).toBe(Error);
        message = (e as Error).message;
      }
      // One side of each pair is fine alone, unless the sides chosen leave nothing to scrape.
      const nothing = props.nodeExporter === false && props.kubeletEndpoints?.length === 0;
      if (halves && !nothing) {
        expect(message).toBeUndefined();
      } else {
        const set = Object.keys(props).filter((k) => props[k] !== undefined || k === 'gateway');
        expect(message).toMatch(new RegExp(`^RavenPrometheus: '(${set.join('|')})[.'\\[]`));
      }
    }), RUNS);
  });
});

describe('the same target under two jobs', () => {
  const extra = fc.record({
    port: fc.constantFrom(9100, 9101, 9400, 10250),
    metricsPath: fc.constantFrom(undefined, '/metrics', '/metrics/cadvisor', '/other'),
    scheme: fc.constantFrom(undefined, ScrapeScheme.HTTPS),
  });
  const endpointSets = fc.subarray([KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES, KubeletEndpoint.RESOURCE, KubeletEndpoint.custom('/metrics', 'own')]);

  test('a stack is accepted exactly when no (port, path) is scraped twice, and a refusal names what was set', () => {
    fc.assert(fc.property(fc.array(extra, { maxLength: 3 }), endpointSets, fc.boolean(), fc.constantFrom(undefined, 9101),
      (extras, endpoints, nodeExporter, nodeExporterPort) => {
        const props: any = {
          gateway: EXAMPLE_CLOUD_GATEWAY,
          nodeExporter,
          nodeExporterPort: nodeExporter ? nodeExporterPort : undefined,
          kubeletEndpoints: endpoints,
          extraScrapes: extras.map((e, i) => ({ name: `x${i}`, ...e })),
        };
        const targets = [
          ...(nodeExporter ? [`${nodeExporterPort ?? 9100} /metrics`] : []),
          ...endpoints.map((e) => `10250 ${e.path}`),
          ...extras.map((e) => `${e.port} ${e.metricsPath ?? '/metrics'}`),
        ];
        const duplicate = new Set(targets).size !== targets.length;
        const nothing = targets.length === 0;
        const ports = new Map<number, string>();
        let mixed = false;
        for (const t of [
          ...(nodeExporter ? [[nodeExporterPort ?? 9100, 'http']] : []), ...(endpoints.length > 0 ? [[10250, 'https']] : []),
          ...extras.map((e) => [e.port, e.scheme === ScrapeScheme.HTTPS ? 'https' : 'http']),
        ] as Array<[number, string]>) {
          if (ports.has(t[0]) && ports.get(t[0]) !== t[1]) mixed = true;
          ports.set(t[0], t[1]);
        }
        let message: string | undefined;
        try {
          const chart = chartWith((c) => new RavenPrometheus(c, 'r', props), 'monitoring');
          expectValidManifests(synth(chart));
        } catch (e) {
          expect((e as Error).constructor).toBe(Error);
          message = (e as Error).message;
        }
        expect([targets, message === undefined]).toEqual([targets, !duplicate && !nothing && !mixed]);
        if (message !== undefined) expect(message).toMatch(/^RavenPrometheus: '(extraScrapes|kubeletEndpoints|nodeExporterPort|nodeExporter)[.'[]/);
      }), RUNS);
  });
});
