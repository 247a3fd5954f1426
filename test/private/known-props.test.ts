import * as path from 'path';
import * as ts from 'typescript';
import {
  BearerToken, CoreDnsDeployment, Corefile, EdgeNodeScrape, KubeletScrape, KubePrometheusStackValues, NodeAddressing, NodeExporterScrape,
  PrometheusNodeRbac, RavenCoreDns, RavenGatewayPorts, RavenPrometheus, RavenProxyDns, RelabelAction, ScrapeOutput, ScrapeTls,
  CertificateAuthority, ServiceAccountTokenSecret, TargetDiscovery,
} from '../../src';
import { EXAMPLE_CLOUD_GATEWAY } from '../../src/example/cloud-gateway';
import { listedInterfaces, propKinds } from '../../src/private/known-props';
import { testChart } from '../support/synth';

/** The kind code known-props.ts gives a declared type: the primitive types and maps and lists of them. */
function kindOf(type: string): string {
  const codes: { [type: string]: string } = { 'string': 's', 'number': 'n', 'boolean': 'b', 'string[]': 'S', 'number[]': 'N' };
  return codes[type] ?? (/^\{ \[\w+: string\]: string; \}$/.test(type) ? 'm' : '');
}

/** The exported interfaces of the API and their props (`name:kind`), as the TypeScript compiler reads src/index.ts. */
function declaredInterfaces(): Map<string, string[]> {
  const index = path.join(__dirname, '..', '..', 'src', 'index.ts');
  const program = ts.createProgram([index], { strict: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const found = new Map<string, string[]>();
  for (const exported of checker.getExportsOfModule(module)) {
    // eslint-disable-next-line no-bitwise
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    // eslint-disable-next-line no-bitwise
    if (symbol.flags & ts.SymbolFlags.Interface) {
      found.set(symbol.name, checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))
        .map((p) => `${p.name}:${kindOf(checker.typeToString(checker.getNonNullableType(checker.getTypeOfSymbol(p))))}`));
    }
  }
  return found;
}

/** Interfaces the API returns, never takes: nothing to check. */
const RETURNED_ONLY = ['CorefileEdit', 'DirectiveInfo', 'ImportInfo', 'ServerBlockInfo', 'SnippetInfo', 'TargetDiagnosis', 'DriftFinding'];
/** Options structs the API takes: every props struct, and the options of the factories. */
const TAKEN_BY_SUPERTYPE = ['EdgeNodeScrapeOptions']; // no method takes it alone: the scrapes' props extend it

describe('the lists of known props are the interfaces\' props', () => {
  const declared = declaredInterfaces();

  test('every interface the API takes has its props listed, exactly, with the kinds of their types', () => {
    for (const name of listedInterfaces()) {
      expect([name, propKinds(name).map(([prop, kind]) => `${prop}:${kind}`).sort()]).toEqual([name, [...(declared.get(name) ?? [])].sort()]);
    }
  });

  test('every exported interface is listed, returned only, or only extended', () => {
    const unlisted = [...declared.keys()]
      .filter((n) => !listedInterfaces().includes(n) && !RETURNED_ONLY.includes(n) && !TAKEN_BY_SUPERTYPE.includes(n));
    expect(unlisted).toEqual([]);
  });
});

describe('a misspelt prop from plain JavaScript is refused, with the closest prop', () => {
  const corefile = Corefile.kubeadmDefault().toString();
  const ca = CertificateAuthority.fromConfigMap('kube-root-ca.crt', 'ca.crt');
  test.each<[string, () => unknown, string]>([
    ['RavenPrometheus', () => new RavenPrometheus(testChart('monitoring'), 'r', { relase: 'kps' } as any), "RavenPrometheus: 'relase' is not a prop of RavenPrometheusProps, so it would be ignored. Did you mean 'release'?"],
    ['an extra scrape', () => new RavenPrometheus(testChart('monitoring'), 'r', { extraScrapes: [{ name: 'x', port: 9400, metricPath: '/m' }] } as any), "RavenPrometheus: 'extraScrapes[0].metricPath' is not a prop of ExtraEdgeScrape, so it would be ignored. Did you mean 'metricsPath'?"],
    ['EdgeNodeScrape', () => new EdgeNodeScrape(testChart(), 's', { port: 1, scrapeIntervall: 1 } as any), "EdgeNodeScrape: 'scrapeIntervall' is not a prop of EdgeNodeScrapeProps, so it would be ignored. Did you mean 'scrapeInterval'?"],
    ['NodeExporterScrape', () => new NodeExporterScrape(testChart(), 's', { joblabel: 'x' } as any), "NodeExporterScrape: 'joblabel' is not a prop of NodeExporterScrapeProps, so it would be ignored. Did you mean 'jobLabel'?"],
    ['KubeletScrape', () => new KubeletScrape(testChart(), 's', { endpoint: [] } as any), "KubeletScrape: 'endpoint' is not a prop of KubeletScrapeProps, so it would be ignored. Did you mean 'endpoints'?"],
    ['RavenCoreDns', () => new RavenCoreDns(testChart(null), 'd', { corefile, tunnelNodesMountpath: '/x' } as any), "RavenCoreDns: 'tunnelNodesMountpath' is not a prop of RavenCoreDnsProps, so it would be ignored. Did you mean 'tunnelNodesMountPath'?"],
    ['RavenProxyDns', () => new RavenProxyDns(testChart(), 'p', { clusterIp: '10.96.0.53', image: 'coredns/coredns:1.12.0', replica: 2 } as any), "RavenProxyDns: 'replica' is not a prop of RavenProxyDnsProps, so it would be ignored. Did you mean 'replicas'?"],
    ['RavenGatewayPorts', () => new RavenGatewayPorts(testChart(), 'g', { gateway: EXAMPLE_CLOUD_GATEWAY, httpPort: [9100] } as any), "RavenGatewayPorts: 'httpPort' is not a prop of RavenGatewayPortsProps, so it would be ignored. Did you mean 'httpPorts'?"],
    ['ServiceAccountTokenSecret', () => new ServiceAccountTokenSecret(testChart(), 't', { serviceAccount: 'p' } as any), "ServiceAccountTokenSecret: 'serviceAccount' is not a prop of ServiceAccountTokenSecretProps, so it would be ignored. Did you mean 'serviceAccountName'?"],
    ['PrometheusNodeRbac', () => new PrometheusNodeRbac(testChart(), 'r', { podDisovery: true } as any), "PrometheusNodeRbac: 'podDisovery' is not a prop of PrometheusNodeRbacProps, so it would be ignored. Did you mean 'podDiscovery'?"],
    ['KubePrometheusStackValues', () => new KubePrometheusStackValues({ node: undefined, proxyDnsClusterIP: '10.0.0.1' } as any), "KubePrometheusStackValues: 'proxyDnsClusterIP' is not a prop of KubePrometheusStackValuesProps, so it would be ignored. Did you mean 'proxyDnsClusterIp'?"],
    ['CoreDnsDeployment.kubeadm', () => CoreDnsDeployment.kubeadm({ replica: 2 } as any), "CoreDnsDeployment.kubeadm: 'replica' is not a prop of KubeadmCoreDnsDeploymentOptions"],
    ['TargetDiscovery.pods', () => TargetDiscovery.pods({ podLabels: { a: 'b' }, namespace: ['x'] } as any), "TargetDiscovery.pods: 'namespace' is not a prop of PodDiscoveryOptions, so it would be ignored. Did you mean 'namespaces'?"],
    ['NodeAddressing.proxyQuery', () => NodeAddressing.proxyQuery({ host: 'x' } as any), "NodeAddressing.proxyQuery: 'host' is not a prop of ProxyQueryOptions"],
    ['BearerToken.fromServiceAccount', () => BearerToken.fromServiceAccount({ secret: 'x' } as any), "BearerToken.fromServiceAccount: 'secret' is not a prop of ServiceAccountTokenOptions"],
    ['ScrapeTls.verify', () => ScrapeTls.verify({ ca, servername: 'x' } as any), "ScrapeTls.verify: 'servername' is not a prop of VerifiedTlsOptions, so it would be ignored. Did you mean 'serverName'?"],
    ['a metric relabeling', () => new EdgeNodeScrape(testChart(), 's', { port: 1, metricRelabelings: [{ action: RelabelAction.DROP, sourceLabel: ['a'] }] } as any), "EdgeNodeScrape: 'metricRelabelings[0].sourceLabel' is not a prop of MetricRelabeling, so it would be ignored. Did you mean 'sourceLabels'?"],
    ['versions', () => new EdgeNodeScrape(testChart(), 's', { port: 1, versions: { prometheus_operator: '0.93.0' } } as any), "EdgeNodeScrape: 'versions.prometheus_operator' is not a prop of ClusterVersions, so it would be ignored. Did you mean 'prometheusOperator'?"],
    ['ScrapeOutput.prometheusConfigFragment', () => ScrapeOutput.prometheusConfigFragment({ secret: true } as any), "ScrapeOutput.prometheusConfigFragment: 'secret' is not a prop of PrometheusConfigFragmentOptions"],
  ])('%s', (_what, build, message) => {
    expect(build).toThrow(message);
  });

  test('the message lists the props, and a construct\'s error says where it is', () => {
    expect(() => new KubeletScrape(testChart(), 's', { endpoint: [] } as any)).toThrow(/The props are: namePrefix, endpoints, port, .*\. \(in chart 'test', at test\/s\)$/);
  });

  test('a prop of a primitive type given another type is refused by its type', () => {
    expect(() => new RavenPrometheus(testChart('monitoring'), 'r', { nameOverride: {} } as any)).toThrow(/^RavenPrometheus: 'nameOverride' must be a string, got \{\}\./);
    expect(() => new NodeExporterScrape(testChart(), 's', { port: '9100' } as any)).toThrow(/^NodeExporterScrape: 'port' must be a number, got '9100'\./);
    expect(() => new RavenProxyDns(testChart(), 'p', { clusterIp: '10.96.0.53', image: 'coredns/coredns', nodeSelector: { a: 1 } } as any)).toThrow(/'nodeSelector' must be a map of strings to strings/);
  });

  test('a prop set to undefined is an unset prop', () => {
    expect(() => new NodeExporterScrape(testChart(), 's', { jobLabel: undefined, somethingElse: undefined } as any)).not.toThrow();
  });
});
