import { BearerToken, KubeletEndpoint, KubeletScrape } from '../src';
import { expectValidManifests } from './support/schemas';
import { findManifest, synth, testChart } from './support/synth';

describe('KubeletScrape', () => {
  test('defaults synthesize three ScrapeConfigs and the token Secret', () => {
    const chart = testChart('monitor');
    new KubeletScrape(chart, 'kubelet');
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Secret/prometheus-sa-token',
      'ScrapeConfig/kubelet-raven-metrics',
      'ScrapeConfig/kubelet-raven-cadvisor',
      'ScrapeConfig/kubelet-raven-probes',
    ]);
  });

  test('each endpoint is scraped over HTTPS on the node name at port 10250 with its metrics_path label', () => {
    const chart = testChart();
    new KubeletScrape(chart, 'kubelet');
    const scrape = findManifest(synth(chart), 'ScrapeConfig', 'kubelet-raven-cadvisor');
    expect(scrape.spec.scheme).toBe('HTTPS');
    expect(scrape.spec.metricsPath).toBe('/metrics/cadvisor');
    expect(scrape.spec.tlsConfig).toEqual({ insecureSkipVerify: true });
    expect(scrape.spec.relabelings.slice(1)).toEqual([
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: '__address__', replacement: '${1}:10250' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: 'instance', replacement: '${1}:10250' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: 'node' },
      { action: 'replace', targetLabel: 'job', replacement: 'kubelet' },
      { action: 'replace', targetLabel: 'metrics_path', replacement: '/metrics/cadvisor' },
      { action: 'replace', targetLabel: 'scrape_via', replacement: 'raven' },
    ]);
  });

  test('kubelet scrapes honor the kubelet\'s labels and timestamps, as kube-prometheus-stack does', () => {
    const chart = testChart();
    new KubeletScrape(chart, 'kubelet');
    for (const scrape of synth(chart).filter((m) => m.kind === 'ScrapeConfig')) {
      expect(scrape.spec).toMatchObject({ honorLabels: true, honorTimestamps: true });
    }
  });

  test('cAdvisor carries kube-prometheus-stack\'s drops of high-cardinality series, the other endpoints none', () => {
    const chart = testChart();
    new KubeletScrape(chart, 'kubelet');
    const manifests = synth(chart);
    const drops = findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-cadvisor').spec.metricRelabelings;
    expect(drops.map((d: any) => d.regex)).toContain('container_spec.*');
    expect(drops).toContainEqual({ sourceLabels: ['id', 'pod'], action: 'drop', regex: '.+;' });
    expect(drops.every((d: any) => d.action === 'drop')).toBe(true);
    expect(findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-metrics').spec.metricRelabelings).toBeUndefined();
  });

  test('the cAdvisor drops can be turned off', () => {
    const chart = testChart();
    new KubeletScrape(chart, 'kubelet', { cadvisorMetricDrops: false });
    expect(findManifest(synth(chart), 'ScrapeConfig', 'kubelet-raven-cadvisor').spec.metricRelabelings).toBeUndefined();
  });

  test('the token Secret is created in the ScrapeConfigs\' namespace for ServiceAccount prometheus', () => {
    const chart = testChart('monitor');
    new KubeletScrape(chart, 'kubelet');
    const manifests = synth(chart);
    const secret = findManifest(manifests, 'Secret', 'prometheus-sa-token');
    expect(secret.type).toBe('kubernetes.io/service-account-token');
    expect(secret.metadata.namespace).toBe('monitor');
    expect(secret.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'prometheus' });
    for (const scrape of manifests.filter((m) => m.kind === 'ScrapeConfig')) {
      expect(scrape.metadata.namespace).toBe('monitor');
      expect(scrape.spec.authorization).toEqual({ credentials: { name: 'prometheus-sa-token', key: 'token' } });
    }
  });

  test('a kube-prometheus-stack ServiceAccount gets its own token Secret', () => {
    const chart = testChart('monitoring');
    new KubeletScrape(chart, 'kubelet', {
      bearerToken: BearerToken.fromServiceAccount({ serviceAccountName: 'kps-kube-prometheus-stack-prometheus', secretName: 'kps-token' }),
    });
    const manifests = synth(chart);
    expect(findManifest(manifests, 'Secret', 'kps-token').metadata.annotations['kubernetes.io/service-account.name'])
      .toBe('kps-kube-prometheus-stack-prometheus');
    expect(findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-metrics').spec.authorization.credentials.name).toBe('kps-token');
  });

  test('an existing Secret is referenced and no Secret is created', () => {
    const chart = testChart();
    new KubeletScrape(chart, 'kubelet', { bearerToken: BearerToken.fromSecret('my-token', 'bearer') });
    const manifests = synth(chart);
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    expect(manifests[0].spec.authorization).toEqual({ credentials: { name: 'my-token', key: 'bearer' } });
  });

  test('the endpoint set is configurable', () => {
    const chart = testChart();
    new KubeletScrape(chart, 'kubelet', {
      endpoints: [KubeletEndpoint.RESOURCE, KubeletEndpoint.custom('/metrics/slis', 'slis')],
    });
    const scrapes = synth(chart).filter((m) => m.kind === 'ScrapeConfig');
    expect(scrapes.map((s) => [s.metadata.name, s.spec.metricsPath])).toEqual([
      ['kubelet-raven-resource', '/metrics/resource'],
      ['kubelet-raven-slis', '/metrics/slis'],
    ]);
  });

  test('rejects an empty endpoint list', () => {
    expect(() => new KubeletScrape(testChart(), 'k', { endpoints: [] }))
      .toThrow("KubeletScrape: 'endpoints' must be at least one KubeletEndpoint, got [].");
  });

  test('rejects a repeated endpoint', () => {
    expect(() => new KubeletScrape(testChart(), 'k', { endpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.METRICS] }))
      .toThrow(/'endpoints' must be a list without repeated endpoints/);
  });

  test('rejects a ServiceAccount namespace other than the ScrapeConfigs\' namespace', () => {
    expect(() => new KubeletScrape(testChart('monitor'), 'k', {
      bearerToken: BearerToken.fromServiceAccount({ serviceAccountNamespace: 'monitoring' }),
    })).toThrow(/must be created in 'monitoring', but prometheus-operator reads authorization.credentials from the ScrapeConfigs' own namespace 'monitor'/);
  });

  test('rejects a port outside 1-65535', () => {
    expect(() => new KubeletScrape(testChart(), 'k', { port: 0 }))
      .toThrow("KubeletScrape: 'port' must be an integer between 1 and 65535, got 0.");
  });

  test('rejects an invalid name prefix', () => {
    expect(() => new KubeletScrape(testChart(), 'k', { namePrefix: '-kubelet' })).toThrow(/'namePrefix' must be an RFC 1123 subdomain/);
  });

  test('rejects a custom endpoint path without a leading slash', () => {
    expect(() => KubeletEndpoint.custom('metrics', 'm')).toThrow(/KubeletEndpoint.custom: 'path' must be an absolute HTTP path/);
  });

  test('rejects an invalid token Secret name', () => {
    expect(() => BearerToken.fromSecret('My Secret')).toThrow(/BearerToken.fromSecret: 'secretName' must be an RFC 1123 subdomain/);
  });

  test('rejects an invalid ServiceAccount name', () => {
    expect(() => BearerToken.fromServiceAccount({ serviceAccountName: 'Prometheus' }))
      .toThrow(/BearerToken.fromServiceAccount: 'serviceAccountName' must be an RFC 1123 subdomain/);
  });
});
