import { Duration } from 'cdk8s';
import { BearerToken, KubeletEndpoint, KubeletScrape } from '../src';
import { CHART_CADVISOR_METRIC_RELABELINGS } from './support/kube-prometheus-stack-chart';
import { expectValidManifests } from './support/schemas';
import { findManifest, synth, testChart } from './support/synth';

/** kube-prometheus-stack 88.5.3 values.yaml, `kubelet.serviceMonitor.metricRelabelings` (the /metrics endpoint). */
const CHART_METRICS_METRIC_RELABELINGS = [
  { action: 'drop', sourceLabels: ['__name__', 'le'], regex: '(csi_operations|storage_operation_duration)_seconds_bucket;(0.25|2.5|15|25|120|600)(\\.0)?' },
];

function kubeletScrapes(props: any = {}): { [name: string]: any } {
  const chart = testChart();
  new KubeletScrape(chart, 'kubelet', { endpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES, KubeletEndpoint.RESOURCE], ...props });
  const out: { [name: string]: any } = {};
  for (const m of synth(chart).filter((x) => x.kind === 'ScrapeConfig')) out[m.spec.metricsPath] = m.spec;
  return out;
}

describe('KubeletScrape scrapes the kubelet as kube-prometheus-stack 88.5 does', () => {
  test('GIVEN the defaults THEN cAdvisor carries the chart\'s 8 metric relabelings, in its order', () => {
    expect(kubeletScrapes()['/metrics/cadvisor'].metricRelabelings).toEqual(CHART_CADVISOR_METRIC_RELABELINGS);
  });

  test('GIVEN the defaults THEN /metrics drops the chart\'s le buckets of storage operations, and probes and resource drop nothing', () => {
    const s = kubeletScrapes();
    expect(s['/metrics'].metricRelabelings).toEqual(CHART_METRICS_METRIC_RELABELINGS);
    expect(s['/metrics/probes'].metricRelabelings).toBeUndefined();
    expect(s['/metrics/resource'].metricRelabelings).toBeUndefined();
  });

  test('GIVEN the defaults THEN cAdvisor and resource track the staleness of their timestamps, the others do not', () => {
    const s = kubeletScrapes();
    expect(s['/metrics/cadvisor']).toMatchObject({ honorTimestamps: true, trackTimestampsStaleness: true });
    expect(s['/metrics/resource']).toMatchObject({ honorTimestamps: true, trackTimestampsStaleness: true });
    expect(s['/metrics'].trackTimestampsStaleness).toBeUndefined();
    expect(s['/metrics/probes'].trackTimestampsStaleness).toBeUndefined();
  });

  test('GIVEN no scrape interval THEN every endpoint, cAdvisor and resource included, is scraped at the global interval (spares the edge link)', () => {
    const s = kubeletScrapes();
    for (const path of ['/metrics', '/metrics/cadvisor', '/metrics/probes', '/metrics/resource']) {
      expect([path, s[path].scrapeInterval]).toEqual([path, undefined]);
    }
  });

  test('GIVEN the chart\'s 10s cAdvisor interval THEN cAdvisor and resource are scraped every 10s, the others at the global interval', () => {
    const s = kubeletScrapes({ cadvisorInterval: Duration.seconds(10) });
    expect(s['/metrics/cadvisor'].scrapeInterval).toBe('10s');
    expect(s['/metrics/resource'].scrapeInterval).toBe('10s');
    expect(s['/metrics'].scrapeInterval).toBeUndefined();
    expect(s['/metrics/probes'].scrapeInterval).toBeUndefined();
  });

  test('GIVEN a scrape interval THEN every endpoint uses it, as the chart\'s interval overrides cAdvisorInterval', () => {
    const s = kubeletScrapes({ scrapeInterval: Duration.seconds(30) });
    for (const path of Object.keys(s)) expect(s[path].scrapeInterval).toBe('30s');
  });

  test('GIVEN a cAdvisor interval THEN cAdvisor and resource use it; zero leaves them to the global interval', () => {
    expect(kubeletScrapes({ cadvisorInterval: Duration.seconds(30) })['/metrics/cadvisor'].scrapeInterval).toBe('30s');
    expect(kubeletScrapes({ cadvisorInterval: Duration.seconds(0) })['/metrics/cadvisor'].scrapeInterval).toBeUndefined();
  });

  test('GIVEN the drops and the staleness turned off THEN none is written', () => {
    const s = kubeletScrapes({ cadvisorMetricDrops: false, storageBucketDrops: false, trackTimestampsStaleness: false });
    for (const path of Object.keys(s)) {
      expect(s[path].metricRelabelings).toBeUndefined();
      expect(s[path].trackTimestampsStaleness).toBeUndefined();
    }
  });

  test('GIVEN honorTimestamps false THEN staleness tracking, which needs it, is off', () => {
    expect(kubeletScrapes({ honorTimestamps: false })['/metrics/cadvisor'].trackTimestampsStaleness).toBeUndefined();
  });

  test('GIVEN honorTimestamps false and trackTimestampsStaleness true THEN it is refused', () => {
    expect(() => kubeletScrapes({ honorTimestamps: false, trackTimestampsStaleness: true }))
      .toThrow(/KubeletScrape: 'trackTimestampsStaleness' must be false or unset when honorTimestamps is false/);
  });

  test('GIVEN prometheus-operator older than v0.70 THEN staleness tracking, which its CRD lacks, is left out', () => {
    expect(kubeletScrapes({ versions: { prometheusOperator: '0.69.1' } })['/metrics/cadvisor'].trackTimestampsStaleness).toBeUndefined();
  });

  test('GIVEN prometheus-operator older than v0.70 and trackTimestampsStaleness true THEN it is refused', () => {
    expect(() => kubeletScrapes({ versions: { prometheusOperator: '0.69.1' }, trackTimestampsStaleness: true }))
      .toThrow(/trackTimestampsStaleness needs prometheus-operator v0.70.0 or later, but versions.prometheusOperator is '0.69.1'/);
  });

  test('GIVEN a scrape timeout above the 10s cAdvisor interval THEN it is refused', () => {
    expect(() => kubeletScrapes({ cadvisorInterval: Duration.seconds(10), scrapeTimeout: Duration.seconds(15) }))
      .toThrow(/'scrapeTimeout' must be at most the scrape interval \(10s\)/);
  });
});

describe('KubeletScrape', () => {
  test('defaults synthesize three ScrapeConfigs and no token Secret', () => {
    const chart = testChart('monitor');
    new KubeletScrape(chart, 'kubelet');
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
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
    expect(scrape.spec.tlsConfig).toEqual({
      ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } },
      serverName: 'x-raven-proxy-internal-svc.kube-system.svc',
    });
    expect(scrape.spec.relabelings.slice(1)).toEqual([
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: '__address__', replacement: '${1}:10250' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: '__tmp_hash', replacement: '${1}' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: 'instance', replacement: '${1}:10250' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: 'instance', regex: '(.+:.+)', replacement: '[${1}]:10250' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: 'node' },
      { action: 'replace', targetLabel: 'job', replacement: 'kubelet' },
      { action: 'replace', targetLabel: 'metrics_path', replacement: '/metrics/cadvisor' },
      { action: 'replace', targetLabel: 'namespace', replacement: 'kube-system' },
      { action: 'replace', targetLabel: 'service', replacement: 'kubelet-raven' },
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

  test('cAdvisor carries kube-prometheus-stack\'s drops of high-cardinality series, probes none', () => {
    const chart = testChart();
    new KubeletScrape(chart, 'kubelet');
    const manifests = synth(chart);
    const drops = findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-cadvisor').spec.metricRelabelings;
    expect(drops.map((d: any) => d.regex)).toContain('container_spec.*');
    expect(drops).toContainEqual({ sourceLabels: ['id', 'pod'], action: 'drop', regex: '.+;' });
    expect(drops.every((d: any) => d.action === 'drop')).toBe(true);
    expect(findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-probes').spec.metricRelabelings).toBeUndefined();
  });

  test('the cAdvisor drops can be turned off', () => {
    const chart = testChart();
    new KubeletScrape(chart, 'kubelet', { cadvisorMetricDrops: false });
    expect(findManifest(synth(chart), 'ScrapeConfig', 'kubelet-raven-cadvisor').spec.metricRelabelings).toBeUndefined();
  });

  test('GIVEN the defaults THEN no endpoint sends a credential: through Raven the kubelet authorizes the proxy\'s client certificate', () => {
    const chart = testChart('monitor');
    new KubeletScrape(chart, 'kubelet', { endpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, KubeletEndpoint.PROBES, KubeletEndpoint.RESOURCE] });
    const manifests = synth(chart);
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    const scrapes = manifests.filter((m) => m.kind === 'ScrapeConfig');
    expect(scrapes).toHaveLength(4);
    for (const scrape of scrapes) {
      expect(scrape.spec.authorization).toBeUndefined();
      expect(scrape.spec.basicAuth).toBeUndefined();
      expect(scrape.spec.oauth2).toBeUndefined();
      expect(scrape.spec.tlsConfig).toEqual({
        ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } },
        serverName: 'x-raven-proxy-internal-svc.kube-system.svc',
      });
    }
  });

  test('GIVEN BearerToken.fromServiceAccount() THEN the token Secret is created in the ScrapeConfigs\' namespace for ServiceAccount prometheus', () => {
    const chart = testChart('monitor');
    new KubeletScrape(chart, 'kubelet', { bearerToken: BearerToken.fromServiceAccount() });
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
