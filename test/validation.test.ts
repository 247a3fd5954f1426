import { Duration } from 'cdk8s';
import {
  CertificateAuthority,
  CoreDnsDeployment,
  Corefile,
  PrometheusNodeRbac,
  RavenCoreDns,
  RavenPrometheus,
  RavenProxyDns,
  ScrapeOutput,
  ScrapeTls,
  ServiceAccountTokenSecret,
} from '../src';
import { testChart } from './support/synth';

const KUBEADM = Corefile.kubeadmDefault().toString();

/**
 * Input checks not covered next to their construct's behaviour: each case gives the call and the
 * message it must raise (construct, prop, the value received, what is allowed).
 */
describe('every bad input is refused at synth time with what, the value and what is allowed', () => {
  test.each<[string, () => unknown, RegExp]>([
    ['RavenProxyDns image with a space',
      () => new RavenProxyDns(testChart(null), 'p', { clusterIp: '10.96.0.53', image: 'coredns 1.11' }),
      /^RavenProxyDns: 'image' must be a container image reference \(\[registry\[:port\]\/\]repository\[:tag\]\[@sha256:digest\], the repository in lower case\), got 'coredns 1.11'\./],
    ['RavenProxyDns node selector value',
      () => new RavenProxyDns(testChart(null), 'p', { clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1', nodeSelector: { 'openyurt.io/is-edge-worker': 'no way' } }),
      /^RavenProxyDns: 'nodeSelector.openyurt.io\/is-edge-worker' must be a Kubernetes label value/],
    ['RavenProxyDns name',
      () => new RavenProxyDns(testChart(null), 'p', { clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1', name: 'Raven_DNS' }),
      /^RavenProxyDns: 'name' must be an RFC 1123 label .*got 'Raven_DNS'/],
    ['RavenProxyDns reload interval below a millisecond',
      () => new RavenProxyDns(testChart(null), 'p', { clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1', reloadInterval: Duration.millis(0.5) }),
      /^RavenProxyDns: 'reloadInterval' must be a whole number of milliseconds above 0, got '0.5ms'/],
    ['a fractional scrape interval',
      () => new RavenPrometheus(testChart(), 'r', { scrapeInterval: Duration.millis(1.5) }),
      /^NodeExporterScrape: 'scrapeInterval' must be a positive whole number of milliseconds, got '1.5ms'/],
    ['RavenCoreDns ConfigMap name',
      () => new RavenCoreDns(testChart(null), 'd', { corefile: KUBEADM, name: 'CoreDNS' }),
      /^RavenCoreDns: 'name' must be an RFC 1123 subdomain .*got 'CoreDNS'/],
    ['RavenCoreDns container name',
      () => new RavenCoreDns(testChart(null), 'd', { corefile: KUBEADM, containerName: 'core_dns' }),
      /^RavenCoreDns: 'containerName' must be an RFC 1123 label .*got 'core_dns'/],
    ['RavenCoreDns tunnel-nodes ConfigMap',
      () => new RavenCoreDns(testChart(null), 'd', { corefile: KUBEADM, tunnelNodesConfigMap: 'Edge Tunnel Nodes' }),
      /^RavenCoreDns: 'tunnelNodesConfigMap' must be an RFC 1123 subdomain/],
    ['CoreDnsDeployment.kubeadm image',
      () => CoreDnsDeployment.kubeadm({ image: '' }),
      /^CoreDnsDeployment.kubeadm: 'image' must be a container image reference \(.*\), got ''\./],
    ['PrometheusNodeRbac name',
      () => new PrometheusNodeRbac(testChart(), 'r', { name: 'Raven Scraper' }),
      /^PrometheusNodeRbac: 'name' must be an RFC 1123 subdomain/],
    ['ServiceAccountTokenSecret name',
      () => new ServiceAccountTokenSecret(testChart(), 's', { secretName: 'Token!' }),
      /^ServiceAccountTokenSecret: 'secretName' must be an RFC 1123 subdomain .*got 'Token!'/],
    ['ServiceAccountTokenSecret without any namespace',
      () => new ServiceAccountTokenSecret(testChart(null), 's'),
      /^ServiceAccountTokenSecret: 'namespace' is required when the chart has no namespace/],
    ['ScrapeTls.verify server name',
      () => ScrapeTls.verify({ ca: CertificateAuthority.fromSecret('ca', 'ca.crt'), serverName: 'https://raven' }),
      /^ScrapeTls.verify: 'serverName' must be an RFC 1123 subdomain/],
    ['ScrapeOutput Prometheus version',
      () => ScrapeOutput.prometheusConfigFragment({ prometheusVersion: 'latest' }),
      /^ScrapeOutput.prometheusConfigFragment: 'prometheusVersion' must be a version like '2.42.0', got 'latest'\./],
    ['ScrapeOutput object name',
      () => ScrapeOutput.prometheusConfigFragment({ name: 'Raven Scrapes' }),
      /^ScrapeOutput.prometheusConfigFragment: 'name' must be an RFC 1123 subdomain/],
    ['RavenPrometheus ScrapeConfig label',
      () => new RavenPrometheus(testChart(), 'r', { scrapeConfigLabels: { team: 'edge ops' } }),
      /^RavenPrometheus: 'scrapeConfigLabels.team' must be a Kubernetes label value/],
    ['RavenPrometheus ServiceAccount name',
      () => new RavenPrometheus(testChart(), 'r', { serviceAccountName: 'Prometheus' }),
      /^RavenPrometheus: 'serviceAccountName' must be an RFC 1123 subdomain/],
    ['RavenPrometheus extra scrape port',
      () => new RavenPrometheus(testChart(), 'r', { extraScrapes: [{ name: 'dcgm', port: 94000 }] }),
      /^RavenPrometheus: 'extraScrapes\[0\].port' must be an integer between 1 and 65535, got 94000\./],
    ['RavenPrometheus extra scrape name',
      () => new RavenPrometheus(testChart(), 'r', { extraScrapes: [{ name: 'DCGM', port: 9400 }] }),
      /^RavenPrometheus: 'extraScrapes\[0\]\.name' must be an RFC 1123 subdomain .*got 'DCGM'/],
    ['RavenPrometheus version',
      () => new RavenPrometheus(testChart(), 'r', { versions: { prometheusOperator: 'main' } }),
      /^RavenPrometheus: 'versions.prometheusOperator' must be a version like '0.93.0' or 'v0.93.0', got 'main'\./],
  ])('%s', (_what, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('a ConfigMap over the API server\'s 1 MiB is refused at synth, not on apply', () => {
  test('GIVEN extraData that brings the CoreDNS ConfigMap over 1 MiB THEN extraData is named with the size and the limit', () => {
    expect(() => new RavenCoreDns(testChart(null), 'dns', {
      corefile: Corefile.kubeadmDefault().toString(), extraData: { 'big.db': 'x'.repeat(1024 * 1024) },
    })).toThrow(/^RavenCoreDns: 'extraData' must be at most 1048576 bytes \(1 MiB\) of data in all, the API server's limit, got '\d+ bytes of data in ConfigMap 'kube-system\/coredns''/);
  });

  test('GIVEN exactly 1 MiB in all THEN it is accepted', () => {
    const corefile = Corefile.kubeadmDefault().toString();
    const edited = Corefile.parse(corefile).addTunnelHosts().corefile.toString();
    const dns = new RavenCoreDns(testChart(null), 'dns', { corefile, extraData: { 'big.db': 'x'.repeat(1024 * 1024 - Buffer.byteLength(edited)) } });
    expect(dns.configMap.toJson().data['big.db'].length).toBeGreaterThan(1_000_000);
  });
});
