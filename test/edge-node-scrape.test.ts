import { Duration } from 'cdk8s';
import {
  BearerToken,
  CertificateAuthority,
  EdgeNodeScrape,
  InstanceLabel,
  NodeAddressing,
  NodeSelection,
  RelabelAction,
  ScrapeScheme,
  ScrapeTls,
  TargetDiscovery,
} from '../src';
import { expectValidManifests } from './support/schemas';
import { synth, testChart } from './support/synth';

const specOf = (build: (chart: any) => void) => {
  const chart = testChart();
  build(chart);
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return manifests[0].spec;
};

describe('EdgeNodeScrape', () => {
  test('scrapes any port of every node by node name, e.g. dcgm-exporter on GPU edge nodes', () => {
    const chart = testChart();
    new EdgeNodeScrape(chart, 'dcgm-exporter', {
      port: 9400, nodes: NodeSelection.withLabels({ 'nvidia.com/gpu.present': 'true' }), targetLabels: { job: 'dcgm-exporter' },
    });
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
    expect(manifests[0].metadata.name).toBe('dcgm-exporter');
    expect(manifests[0].spec.kubernetesSDConfigs).toEqual([{ role: 'Node', selectors: [{ role: 'Node', label: 'nvidia.com/gpu.present=true' }] }]);
  });

  test('every target gets a per-node instance, a node label and the marker label by default', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 8080 }));
    expect(spec.relabelings.slice(2)).toEqual([
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: '__tmp_hash', replacement: '${1}' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: 'instance', replacement: '${1}:8080' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: 'instance', regex: '(.+:.+)', replacement: '[${1}]:8080' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: 'node' },
      { action: 'replace', targetLabel: 'scrape_via', replacement: 'raven' },
    ]);
  });

  test('edge-only selection asks the API server for edge nodes only', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 8080, nodes: NodeSelection.edgeOnly() }));
    expect(spec.kubernetesSDConfigs[0].selectors).toEqual([{ role: 'Node', label: 'openyurt.io/is-edge-worker=true' }]);
  });

  test('DNS-free addressing never leaves instance to the shared Raven Service address', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 8080, addressing: NodeAddressing.proxyQuery(), instance: InstanceLabel.nodeName() }));
    expect(spec.relabelings).toContainEqual({ action: 'replace', targetLabel: '__address__', replacement: 'x-raven-proxy-internal-svc.kube-system.svc:8080' });
    expect(spec.relabelings).toContainEqual({ action: 'replace', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: 'instance' });
  });

  test('a custom Raven proxy host is used for DNS-free addressing', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 8080, addressing: NodeAddressing.proxyQuery({ proxyHost: 'raven.example.svc' }) }));
    expect(spec.relabelings).toContainEqual({ action: 'replace', targetLabel: '__address__', replacement: 'raven.example.svc:8080' });
  });

  test('HTTPS defaults to verifying Raven\'s proxy certificate: the cluster root CA and the proxy Service\'s name, since the certificate does not name nodes', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 8443, scheme: ScrapeScheme.HTTPS }));
    expect(spec.scheme).toBe('HTTPS');
    expect(spec.tlsConfig).toEqual({
      ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } },
      serverName: 'x-raven-proxy-internal-svc.kube-system.svc',
    });
  });

  test('skipping verification is still possible, but only when asked for', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 8443, scheme: ScrapeScheme.HTTPS, tls: ScrapeTls.insecureSkipVerify() }));
    expect(spec.tlsConfig).toEqual({ insecureSkipVerify: true });
  });

  test('verified TLS takes the CA from a Secret or ConfigMap and a server name', () => {
    const fromSecret = specOf((chart) => new EdgeNodeScrape(chart, 's', {
      port: 8443, scheme: ScrapeScheme.HTTPS, tls: ScrapeTls.verify({ ca: CertificateAuthority.fromSecret('raven-ca', 'ca.crt'), serverName: 'x-raven-proxy-internal-svc' }),
    }));
    expect(fromSecret.tlsConfig).toEqual({ ca: { secret: { name: 'raven-ca', key: 'ca.crt' } }, serverName: 'x-raven-proxy-internal-svc' });
    const fromConfigMap = specOf((chart) => new EdgeNodeScrape(chart, 's', {
      port: 8443, scheme: ScrapeScheme.HTTPS, tls: ScrapeTls.verify({ ca: CertificateAuthority.fromConfigMap('raven-ca', 'ca.crt') }),
    }));
    expect(fromConfigMap.tlsConfig).toEqual({ ca: { configMap: { name: 'raven-ca', key: 'ca.crt' } } });
  });

  test('HTTP writes neither scheme nor TLS settings', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 8080 }));
    expect(spec.scheme).toBeUndefined();
    expect(spec.tlsConfig).toBeUndefined();
  });

  test('node labels, node label and marker can be left out', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 8080, keepNodeLabels: false, nodeLabel: false, markerLabel: false }));
    expect(spec.relabelings.map((r: any) => r.targetLabel)).toEqual(['__address__', '__tmp_hash', 'instance', 'instance']);
  });

  test('pod discovery can search given namespaces', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', {
      port: 9400, discovery: TargetDiscovery.pods({ podLabels: { app: 'dcgm-exporter' }, namespaces: ['gpu-operator'] }), keepNodeLabels: false,
    }));
    expect(spec.kubernetesSDConfigs).toEqual([{ role: 'Pod', selectors: [{ role: 'Pod', label: 'app=dcgm-exporter' }], namespaces: { names: ['gpu-operator'] } }]);
  });

  test('honor flags, metric relabelings and bearer token are passed through', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', {
      port: 8080,
      honorLabels: true,
      honorTimestamps: false,
      bearerToken: BearerToken.fromSecret('t'),
      metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'go_.*', action: RelabelAction.DROP }],
    }));
    expect(spec).toMatchObject({
      honorLabels: true,
      honorTimestamps: false,
      authorization: { credentials: { name: 't', key: 'token' } },
      metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'go_.*', action: 'drop' }],
    });
  });

  test('durations are written the way Prometheus writes them', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 8080, scrapeInterval: Duration.hours(25), scrapeTimeout: Duration.minutes(2) }));
    expect(spec).toMatchObject({ scrapeInterval: '1d1h', scrapeTimeout: '2m' });
  });

  describe('refuses', () => {
    test('TLS settings on an HTTP scrape', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, tls: ScrapeTls.insecureSkipVerify() }))
        .toThrow(/EdgeNodeScrape: 'tls' must be unset when scheme is HTTP/);
    });

    test('a target label the library writes itself', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, targetLabels: { instance: 'x' } }))
        .toThrow(/'targetLabels' must be a label other than instance, __address__, node, scrape_via and __\*, got 'instance'/);
    });

    test('a target label name Prometheus cannot use', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, targetLabels: { 'metrics-path': 'x' } }))
        .toThrow(/'targetLabels' must be a Prometheus label name/);
    });

    test('a metrics path with a query', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, metricsPath: '/metrics?x=1' }))
        .toThrow(/'metricsPath' must be an absolute HTTP path/);
    });

    test('a sub-millisecond interval', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, scrapeInterval: Duration.millis(0) }))
        .toThrow(/'scrapeInterval' must be a positive whole number of milliseconds, got '0ms'/);
    });

    test('a namespace that is not an RFC 1123 label', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, namespace: 'Monitoring' }))
        .toThrow(/EdgeNodeScrape: 'namespace' must be an RFC 1123 label/);
    });

    test('DNS-free addressing on raven older than v0.4.4', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, addressing: NodeAddressing.proxyQuery(), versions: { raven: 'v0.4.1' } }))
        .toThrow("EdgeNodeScrape: DNS-free addressing (NodeAddressing.proxyQuery(), the ?nodeName= parameter) needs raven v0.4.4 or later, but versions.raven is 'v0.4.1'. Upgrade raven, or use NodeAddressing.nodeName() with RavenCoreDns or RavenProxyDns.");
    });

    test('a prometheus-operator without the ScrapeConfig fields written', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, versions: { prometheusOperator: '0.65.1' } }))
        .toThrow(/needs prometheus-operator v0.68.0 or later, but versions.prometheusOperator is '0.65.1'/);
    });

    test('a version that is not a version', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, versions: { raven: 'latest' } }))
        .toThrow("EdgeNodeScrape: 'versions.raven' must be a version like '0.93.0' or 'v0.93.0', got 'latest'.");
    });

    test('the discovered instance with DNS-free addressing', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, addressing: NodeAddressing.proxyQuery(), instance: InstanceLabel.discovered() }))
        .toThrow(/would merge all nodes into one series/);
    });

    test('a replace metric relabeling without target label', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, metricRelabelings: [{ sourceLabels: ['a'] }] }))
        .toThrow(/'metricRelabelings\[0\].targetLabel' must be set for a replace action/);
    });

    test('a drop metric relabeling without source labels', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, metricRelabelings: [{ action: RelabelAction.DROP, regex: 'x' }] }))
        .toThrow(/'metricRelabelings\[0\].sourceLabels' must be at least one label for a drop action/);
    });

    test('an invalid metric relabeling regex', () => {
      expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, metricRelabelings: [{ action: RelabelAction.DROP, sourceLabels: ['__name__'], regex: '(' }] }))
        .toThrow(/'metricRelabelings\[0\].regex' must be a regular expression Prometheus can compile \(Go's RE2 syntax\), got '\('. Go's regexp says: missing closing \)/);
    });

    test('an empty node label selection', () => {
      expect(() => NodeSelection.withLabels({})).toThrow(/NodeSelection.withLabels: 'labels' must be at least one node label/);
    });

    test('a CA key that is not a data key', () => {
      expect(() => CertificateAuthority.fromSecret('raven-ca', 'ca crt'))
        .toThrow("CertificateAuthority.fromSecret: 'key' must be a data key of at most 253 alphanumerics, '-', '_' and '.', got 'ca crt'.");
    });

    test('an invalid proxy host', () => {
      expect(() => NodeAddressing.proxyQuery({ proxyHost: 'http://raven' })).toThrow(/NodeAddressing.proxyQuery: 'proxyHost' must be an RFC 1123 subdomain/);
    });
  });
});

describe('maps given in any order', () => {
  // Go hands maps to the library sorted, Java's Map.of in an order that changes between runs: a
  // map's order must not change the manifest, or the packages of each language would differ.
  function scrapeWith(labels: { [key: string]: string }, targetLabels: { [key: string]: string }, podLabels: { [key: string]: string }): any[] {
    const chart = testChart();
    new EdgeNodeScrape(chart, 'by-nodes', { port: 9400, nodes: NodeSelection.withLabels(labels), targetLabels });
    new EdgeNodeScrape(chart, 'by-pods', { port: 9400, nodes: NodeSelection.withLabels(labels), discovery: TargetDiscovery.pods({ podLabels }) });
    return synth(chart);
  }

  test('GIVEN the same node labels, target labels and pod labels in two orders WHEN synthesized THEN the manifests are identical, in key order', () => {
    const forward = scrapeWith(
      { 'openyurt.io/is-edge-worker': 'true', 'nvidia.com/gpu.present': 'true' },
      { job: 'dcgm-exporter', cluster: 'edge' },
      { 'app.kubernetes.io/name': 'dcgm-exporter', 'app.kubernetes.io/component': 'exporter' });
    const backward = scrapeWith(
      { 'nvidia.com/gpu.present': 'true', 'openyurt.io/is-edge-worker': 'true' },
      { cluster: 'edge', job: 'dcgm-exporter' },
      { 'app.kubernetes.io/component': 'exporter', 'app.kubernetes.io/name': 'dcgm-exporter' });
    expect(forward).toEqual(backward);
    const byNodes = forward.find((m) => m.metadata.name === 'by-nodes');
    expect(byNodes.spec.kubernetesSDConfigs[0].selectors[0].label).toBe('nvidia.com/gpu.present=true,openyurt.io/is-edge-worker=true');
    const replaced = byNodes.spec.relabelings.filter((r: any) => r.targetLabel === 'cluster' || r.targetLabel === 'job').map((r: any) => r.targetLabel);
    expect(replaced).toEqual(['cluster', 'job']);
    const byPods = forward.find((m) => m.metadata.name === 'by-pods');
    expect(byPods.spec.kubernetesSDConfigs[0].selectors[0].label).toBe('app.kubernetes.io/component=exporter,app.kubernetes.io/name=dcgm-exporter');
  });
});

describe('the instance label of an IPv6 node is written as the stock monitors write it', () => {
  /** Prometheus' `replace` relabeling (model/relabel): the regex anchored, `${1}` expanded; others left alone. */
  function relabel(labels: { [name: string]: string }, relabelings: any[]): { [name: string]: string } {
    const out = { ...labels };
    for (const r of relabelings) {
      if ((r.action ?? 'replace') !== 'replace') continue;
      const value = (r.sourceLabels ?? []).map((l: string) => out[l] ?? '').join(r.separator ?? ';');
      const match = new RegExp(`^(?:${r.regex ?? '(.*)'})$`, 's').exec(value);
      if (match) out[r.targetLabel] = (r.replacement ?? '$1').replace(/\$\{(\d)\}|\$(\d)/g, (_: string, a?: string, b?: string) => match[Number(a ?? b)] ?? '');
    }
    return out;
  }

  test.each([
    ['10.0.0.7', '10.0.0.7:9100'],
    ['fd00:10:0:1::7', '[fd00:10:0:1::7]:9100'],
  ])('GIVEN a node whose InternalIP is %s THEN instance is %s', (ip, instance) => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 9100 }));
    const labels = relabel({ __meta_kubernetes_node_name: 'edge-1', __meta_kubernetes_node_address_InternalIP: ip }, spec.relabelings);
    expect(labels.instance).toBe(instance);
  });

  test('GIVEN pod discovery THEN the pod\'s host IP is bracketed the same way', () => {
    const spec = specOf((chart) => new EdgeNodeScrape(chart, 's', { port: 9100, discovery: TargetDiscovery.pods({ podLabels: { app: 'x' } }) }));
    const labels = relabel({ __meta_kubernetes_pod_node_name: 'edge-1', __meta_kubernetes_pod_host_ip: 'fd00::7' }, spec.relabelings);
    expect(labels.instance).toBe('[fd00::7]:9100');
  });
});
