import { CertificateAuthority, EdgeNodeScrape, KubeletScrape, ScrapeScheme, ScrapeTls } from '../src';
import { expectValidManifests } from './support/schemas';
import { synth, testChart } from './support/synth';

/** The tlsConfig one KubeletScrape endpoint gets with the given TLS. */
function kubeletTlsConfig(tls?: ScrapeTls): any {
  const chart = testChart('monitoring');
  new KubeletScrape(chart, 'kubelet', { tls });
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return manifests.find((m) => m.kind === 'ScrapeConfig').spec.tlsConfig;
}

describe('CertificateAuthority.clusterRoot()', () => {
  test('GIVEN the cluster root THEN it is key ca.crt of ConfigMap kube-root-ca.crt, the one Kubernetes publishes in every namespace', () => {
    const ca = CertificateAuthority.clusterRoot();
    expect([ca.kind, ca.name, ca.key]).toEqual(['configMap', 'kube-root-ca.crt', 'ca.crt']);
  });

  test('GIVEN the cluster root THEN it is the same CA as naming that ConfigMap by hand', () => {
    expect(CertificateAuthority.clusterRoot()).toEqual(CertificateAuthority.fromConfigMap('kube-root-ca.crt', 'ca.crt'));
  });
});

describe('ScrapeTls.ravenProxy()', () => {
  test('GIVEN no options THEN the proxy\'s certificate is verified with the cluster root CA and the proxy Service\'s name', () => {
    expect(kubeletTlsConfig(ScrapeTls.ravenProxy())).toEqual({
      ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } },
      serverName: 'x-raven-proxy-internal-svc.kube-system.svc',
    });
  });

  test('GIVEN no TLS at all THEN a kubelet scrape writes what ravenProxy() writes, not insecureSkipVerify', () => {
    expect(kubeletTlsConfig()).toEqual(kubeletTlsConfig(ScrapeTls.ravenProxy()));
    expect(kubeletTlsConfig()).not.toHaveProperty('insecureSkipVerify');
  });

  test('GIVEN a CA from a Secret THEN it replaces the cluster root, and the server name stays the proxy Service\'s', () => {
    expect(kubeletTlsConfig(ScrapeTls.ravenProxy({ ca: CertificateAuthority.fromSecret('kubelet-serving-ca', 'ca.crt') }))).toEqual({
      ca: { secret: { name: 'kubelet-serving-ca', key: 'ca.crt' } },
      serverName: 'x-raven-proxy-internal-svc.kube-system.svc',
    });
  });

  test('GIVEN a server name THEN it replaces the Service\'s, and the CA stays the cluster root', () => {
    expect(kubeletTlsConfig(ScrapeTls.ravenProxy({ serverName: 'x-raven-proxy-internal-svc.kube-system.svc.cluster.local' }))).toEqual({
      ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } },
      serverName: 'x-raven-proxy-internal-svc.kube-system.svc.cluster.local',
    });
  });

  test('GIVEN the proxy Service\'s ClusterIP, v4 or v6, as the server name THEN it is written as given (the certificate carries it as an IP SAN)', () => {
    expect(kubeletTlsConfig(ScrapeTls.ravenProxy({ serverName: '10.96.100.10' }))?.serverName).toBe('10.96.100.10');
    expect(kubeletTlsConfig(ScrapeTls.ravenProxy({ serverName: 'fd00:10:96::a' }))?.serverName).toBe('fd00:10:96::a');
    expect(kubeletTlsConfig(ScrapeTls.verify({ ca: CertificateAuthority.clusterRoot(), serverName: 'fd00:10:96::a' }))?.serverName).toBe('fd00:10:96::a');
  });

  test('GIVEN both options THEN both are written', () => {
    expect(kubeletTlsConfig(ScrapeTls.ravenProxy({ ca: CertificateAuthority.fromConfigMap('raven-ca', 'ca.pem'), serverName: 'gw-cloud-node-1' }))).toEqual({
      ca: { configMap: { name: 'raven-ca', key: 'ca.pem' } },
      serverName: 'gw-cloud-node-1',
    });
  });

  test('GIVEN an HTTPS extra exporter without tls THEN it is verified the same way', () => {
    const chart = testChart('monitoring');
    new EdgeNodeScrape(chart, 'secure', { port: 9443, scheme: ScrapeScheme.HTTPS });
    expect(synth(chart)[0].spec.tlsConfig).toEqual({
      ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } },
      serverName: 'x-raven-proxy-internal-svc.kube-system.svc',
    });
  });

  describe('refuses', () => {
    test('GIVEN a server name that is not a DNS name, such as a URL THEN it names the prop and the value', () => {
      expect(() => ScrapeTls.ravenProxy({ serverName: 'https://x-raven-proxy-internal-svc' }))
        .toThrow(/^ScrapeTls.ravenProxy: 'serverName' must be an RFC 1123 subdomain.*got 'https:\/\/x-raven-proxy-internal-svc'/);
    });

    test('GIVEN an IPv6 address in brackets (URL form) THEN it is refused with the form to use', () => {
      expect(() => ScrapeTls.ravenProxy({ serverName: '[fd00:10:96::a]' }))
        .toThrow(/'serverName' must be an RFC 1123 subdomain .* or an IP address without brackets \(e\.g\. 10\.96\.100\.10, fd00:10:96::a\), got '\[fd00:10:96::a\]'/);
    });

    test('GIVEN an empty server name THEN it is refused rather than dropped', () => {
      expect(() => ScrapeTls.ravenProxy({ serverName: '' })).toThrow(/^ScrapeTls.ravenProxy: 'serverName' must be an RFC 1123 subdomain/);
    });

    test('GIVEN a CA that is a plain object, as plain JavaScript may pass THEN it asks for a CertificateAuthority', () => {
      expect(() => ScrapeTls.ravenProxy({ ca: { kind: 'configMap', name: 'kube-root-ca.crt', key: 'ca.crt' } as any })).toThrow(
        "ScrapeTls.ravenProxy: 'ca' must be a CertificateAuthority (CertificateAuthority.fromSecret(...), .fromConfigMap(...) or .clusterRoot()), "
        + 'got {"kind":"configMap","name":"kube-root-ca.crt","key":"ca.crt"}.');
    });

    test('GIVEN a CA that is a string THEN it asks for a CertificateAuthority', () => {
      expect(() => ScrapeTls.ravenProxy({ ca: 'kube-root-ca.crt' as any }))
        .toThrow(/^ScrapeTls.ravenProxy: 'ca' must be a CertificateAuthority .*got 'kube-root-ca.crt'\./);
    });

    test.each([
      ['a string', 'x-raven-proxy-internal-svc'],
      ['null', null],
      ['an array', []],
    ])('GIVEN options that are %s, from plain JavaScript THEN it asks for an options object', (_what, options) => {
      expect(() => ScrapeTls.ravenProxy(options as any)).toThrow(/^ScrapeTls.ravenProxy: 'options' must be an options object \(\{ ca\?, serverName\? \}\), got /);
    });
  });
});
