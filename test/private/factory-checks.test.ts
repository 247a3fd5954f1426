import { App, ApiObject, Chart } from 'cdk8s';
import {
  CertificateAuthority, Corefile, CoreDnsDeployment, KubeletScrape, NodeSelection, RavenGatewayPorts, RavenPrometheus, RavenProxyDns, ScrapeTls,
} from '../../src';
import { EXAMPLE_CLOUD_GATEWAY } from '../../src/example/cloud-gateway';
import { testChart } from '../support/synth';

describe('an empty node label value is refused: Prometheus and Kubernetes would select different nodes', () => {
  test('GIVEN withLabels({ key: \'\' }) THEN the label is named with the reason and the fix', () => {
    expect(() => NodeSelection.withLabels({ 'gpu': 'true', 'edge-pool': '' })).toThrow(
      "NodeSelection.withLabels: 'labels.edge-pool' must be a non-empty label value, got ''. Prometheus reads a label a node does not have as ''",
    );
  });

  test('GIVEN a value THEN the stock monitors drop exactly that value', () => {
    const raven = new RavenPrometheus(testChart('monitoring'), 'raven', { nodes: NodeSelection.withLabels({ pool: 'edge' }), gateway: EXAMPLE_CLOUD_GATEWAY });
    expect(raven.kubePrometheusStackValues().toYaml()).toContain('regex: edge');
  });
});

describe('wrong JavaScript types get the library\'s error, not a TypeError', () => {
  test('ScrapeTls.verify({}) names ca', () => {
    expect(() => ScrapeTls.verify({} as any)).toThrow(/^ScrapeTls\.verify: 'ca' must be a CertificateAuthority \(CertificateAuthority\.fromSecret\(\.\.\.\) or CertificateAuthority\.fromConfigMap\(\.\.\.\)\), got undefined\./);
  });

  test('ScrapeTls.verify() without options names options', () => {
    expect(() => (ScrapeTls.verify as any)()).toThrow(/^ScrapeTls\.verify: 'options' must be an object such as \{ ca: /);
  });

  test('ScrapeTls.verify({ ca: \'ca.crt\' }) names ca', () => {
    expect(() => ScrapeTls.verify({ ca: 'ca.crt' } as any)).toThrow(/'ca' must be a CertificateAuthority .*got 'ca\.crt'/);
  });

  test('ScrapeTls.verify with a real CA is accepted', () => {
    expect(ScrapeTls.verify({ ca: CertificateAuthority.fromConfigMap('kube-root-ca.crt', 'ca.crt') }).skipVerify).toBe(false);
  });

  test('Corefile.parse(null) names text', () => {
    expect(() => Corefile.parse(null as any)).toThrow("Corefile.parse: 'text' must be the Corefile's text (a string), got null.");
    expect(() => Corefile.parse(undefined as any)).toThrow(/got undefined/);
  });

  test('an ApiObject where the Gateway\'s JSON belongs names gateway and says to pass toJson()', () => {
    const gateway = new ApiObject(new Chart(new App(), 'gw'), 'gw', EXAMPLE_CLOUD_GATEWAY as any);
    expect(() => new RavenPrometheus(testChart('monitoring'), 'raven', { gateway: gateway as any }))
      .toThrow(/RavenPrometheus: 'gateway' must be the exported Gateway as an object .*, as plain JSON, got a ApiObject\. Pass its toJson\(\)/);
    expect(() => new RavenGatewayPorts(testChart(), 'gw', { gateway: EXAMPLE_CLOUD_GATEWAY, httpPorts: [9100], otherGateways: [gateway as any] }))
      .toThrow(/RavenGatewayPorts: 'otherGateways\[0\]' must be an exported Gateway as an object, as plain JSON, got a ApiObject/);
  });

  test('an otherGateways entry that is not an object names its index', () => {
    expect(() => new RavenGatewayPorts(testChart(), 'gw', { gateway: EXAMPLE_CLOUD_GATEWAY, httpPorts: [9100], otherGateways: ['gw-edge' as any] }))
      .toThrow(/'otherGateways\[0\]' must be an exported Gateway as an object, got 'gw-edge'/);
  });
});

describe('image references are checked as the kubelet parses them', () => {
  test.each(['UPPER/Case:tag', 'coredns:', 'a::b', 'coredns/coredns:v1 .12', 'Coredns', 'a/b:-x'])('%s is refused', (image) => {
    expect(() => CoreDnsDeployment.kubeadm({ image })).toThrow(/CoreDnsDeployment\.kubeadm: 'image' must be a container image reference \(\[registry\[:port\]\/\]repository\[:tag\]\[@sha256:digest\], the repository in lower case\)/);
  });

  test.each([
    'registry.k8s.io/coredns/coredns:v1.12.0', 'coredns/coredns', 'localhost:5000/dns/coredns:1.12', `coredns/coredns@sha256:${'a'.repeat(64)}`,
    `registry.k8s.io/coredns/coredns:v1.12.0@sha256:${'b'.repeat(64)}`,
  ])('%s is accepted', (image) => {
    expect(CoreDnsDeployment.kubeadm({ image }).image).toBe(image);
    expect(() => new RavenProxyDns(testChart(), 'p', { clusterIp: '10.96.0.53', image })).not.toThrow();
  });

  test('RavenProxyDns names its image prop', () => {
    expect(() => new RavenProxyDns(testChart(), 'p', { clusterIp: '10.96.0.53', image: 'coredns:latest:x' })).toThrow(/RavenProxyDns: 'image' must be a container image reference/);
  });
});

describe('errors name the prop the user set, not the object built from it', () => {
  test('tokenSecretName', () => {
    expect(() => new RavenPrometheus(testChart('monitoring'), 'r', { tokenSecretName: 'Token' })).toThrow(/^RavenPrometheus: 'tokenSecretName' must be an RFC 1123 subdomain/);
  });

  test.each([
    [{ name: '', port: 9400 }, 'extraScrapes[0].name'],
    [{ name: 'dcgm', port: 9400, jobLabel: '' }, 'extraScrapes[0].jobLabel'],
    [{ name: 'dcgm', port: 9400, metricsPath: 'metrics' }, 'extraScrapes[0].metricsPath'],
  ])('an extra scrape %j names %s', (extra, prop) => {
    expect(() => new RavenPrometheus(testChart('monitoring'), 'r', { extraScrapes: [extra] })).toThrow(new RegExp(`^RavenPrometheus: '${prop.replace(/[[\]]/g, '\\$&')}' must be`));
  });

  test('KubeletScrape jobLabel', () => {
    expect(() => new KubeletScrape(testChart(), 'k', { jobLabel: '' })).toThrow(/^KubeletScrape: 'jobLabel' must be a non-empty label value on one line, got ''/);
  });
});
