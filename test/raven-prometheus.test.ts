import { ApiObject, App, Duration } from 'cdk8s';
import {
  Corefile, DnsStrategy, KubeletEndpoint, NodeAddressing, NodeSelection, RavenPrometheus, ScrapeOutput, ScrapeScheme, ScrapeTls, TargetDiscovery,
} from '../src';
import { expectValidManifests } from './support/schemas';
import { findManifest, synth, testChart } from './support/synth';
import { EXAMPLE_CLOUD_GATEWAY } from '../src/example/cloud-gateway';
import { buildExamplePlatform } from '../src/example/platform';

const CLUSTER_SCOPED = ['ClusterRole', 'ClusterRoleBinding', 'Gateway'];
/** What ScrapeTls.ravenProxy() writes: the cluster root CA Kubernetes publishes in every namespace, and the proxy Service's name. */
const RAVEN_PROXY_TLS = {
  ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } },
  serverName: 'x-raven-proxy-internal-svc.kube-system.svc',
};
const scrapes = (manifests: any[]) => manifests.filter((m) => m.kind === 'ScrapeConfig');
const relabel = (scrape: any, target: string) => scrape.spec.relabelings.filter((r: any) => r.targetLabel === target);

function exampleManifests(): any[] {
  const app = new App({ outdir: '/nonexistent' });
  buildExamplePlatform(app);
  return app.charts.flatMap((c) => c.toJson());
}

function stack(props: any = {}): any[] {
  const chart = testChart('monitoring');
  new RavenPrometheus(chart, 'raven', props);
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return manifests;
}

describe('the example stack (RavenPrometheus)', () => {
  const manifests = exampleManifests();

  test('validates against the upstream CRDs and Kubernetes schemas', () => {
    expectValidManifests(manifests);
  });

  test('has exactly one set of scrapes', () => {
    expect(scrapes(manifests).map((s) => s.metadata.name).sort()).toEqual([
      'dcgm-exporter-raven', 'kubelet-raven-cadvisor', 'kubelet-raven-metrics', 'kubelet-raven-probes', 'node-exporter-raven',
    ]);
  });

  test('kubelet targets carry job="kubelet", metrics_path and a per-node instance', () => {
    for (const s of scrapes(manifests).filter((m) => m.metadata.name.startsWith('kubelet-'))) {
      expect(relabel(s, 'job')).toEqual([{ action: 'replace', targetLabel: 'job', replacement: 'kubelet' }]);
      expect(relabel(s, 'metrics_path')).toEqual([{ action: 'replace', targetLabel: 'metrics_path', replacement: s.spec.metricsPath }]);
      expect(relabel(s, 'instance')).toEqual([{
        action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: 'instance', replacement: '${1}:10250',
      }, {
        action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: 'instance', regex: '(.+:.+)', replacement: '[${1}]:10250',
      }]);
    }
  });

  test('node-exporter targets carry job="node-exporter" and a per-node instance', () => {
    const s = findManifest(manifests, 'ScrapeConfig', 'node-exporter-raven');
    expect(relabel(s, 'job')).toEqual([{ action: 'replace', targetLabel: 'job', replacement: 'node-exporter' }]);
    expect(relabel(s, 'instance')).toEqual([{
      action: 'replace', sourceLabels: ['__meta_kubernetes_pod_host_ip'], targetLabel: 'instance', replacement: '${1}:9100',
    }, {
      action: 'replace', sourceLabels: ['__meta_kubernetes_pod_host_ip'], targetLabel: 'instance', regex: '(.+:.+)', replacement: '[${1}]:9100',
    }]);
  });

  test('the ClusterRole grants exactly nodes and, for pod discovery, pods: no nodes/metrics, since no token reaches the kubelet', () => {
    expect(manifests.find((m) => m.kind === 'ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('no token Secret is written and no scrape sends a credential', () => {
    expect(manifests.map((m) => m.kind)).not.toContain('Secret');
    for (const s of scrapes(manifests)) {
      expect(s.spec.authorization).toBeUndefined();
    }
  });

  test('the Gateway declares 9100 and 10250 next to its existing ports', () => {
    expect(manifests.find((m) => m.kind === 'Gateway').spec.proxyConfig).toEqual({
      proxyHTTPPort: '10255,9100,9400', proxyHTTPSPort: '9445,10250',
    });
  });

  test('no cluster-scoped object has a namespace', () => {
    for (const m of manifests.filter((x) => CLUSTER_SCOPED.includes(x.kind))) {
      expect(m.metadata.namespace).toBeUndefined();
    }
  });

  test('the cluster CoreDNS is edited in kube-system', () => {
    expect(findManifest(manifests, 'ConfigMap', 'coredns').metadata.namespace).toBe('kube-system');
    expect(findManifest(manifests, 'ConfigMap', 'coredns').data.Corefile).toContain('hosts /etc/edge/tunnel-nodes {');
  });
});

describe('RavenPrometheus exposes the objects it writes', () => {
  const ids = (objects: ApiObject[]) => objects.map((o) => `${o.kind}/${o.name}`);

  function built(props: any = {}): { raven: RavenPrometheus; manifests: any[] } {
    const chart = testChart('monitoring');
    const raven = new RavenPrometheus(chart, 'raven', props);
    return { raven, manifests: synth(chart) };
  }

  test('every object of the example stack, by role', () => {
    const app = new App({ outdir: '/nonexistent' });
    const raven = buildExamplePlatform(app).node.findChild('raven') as RavenPrometheus;
    expect(raven.nodeExporterScrape?.name).toBe('node-exporter-raven');
    expect(ids(raven.kubeletScrapes)).toEqual([
      'ScrapeConfig/kubelet-raven-metrics', 'ScrapeConfig/kubelet-raven-cadvisor', 'ScrapeConfig/kubelet-raven-probes',
    ]);
    expect(ids(raven.extraScrapes)).toEqual(['ScrapeConfig/dcgm-exporter-raven']);
    expect(ids(raven.scrapeConfigs)).toEqual([
      'ScrapeConfig/node-exporter-raven', 'ScrapeConfig/kubelet-raven-metrics', 'ScrapeConfig/kubelet-raven-cadvisor',
      'ScrapeConfig/kubelet-raven-probes', 'ScrapeConfig/dcgm-exporter-raven',
    ]);
    expect(raven.tokenSecret).toBeUndefined();
    expect(raven.gateway?.name).toBe('gw-cloud');
    expect(raven.clusterRole?.kind).toBe('ClusterRole');
    expect(raven.clusterRoleBinding?.kind).toBe('ClusterRoleBinding');
    expect(ids(raven.dnsObjects)).toEqual(['ConfigMap/coredns', 'Deployment/coredns']);
    // node-exporter and dcgm-exporter over HTTP, the kubelet over HTTPS.
    expect(raven.proxyHttpPorts).toEqual([9100, 9400]);
    expect(raven.proxyHttpsPorts).toEqual([10250]);
    expect(raven.fragmentObject).toBeUndefined();
  });

  test('one plain ApiObject per manifest directly under the construct, and no construct in between', () => {
    // cdk8s walks the whole construct tree once per chart it synthesizes; a platform app with
    // hundreds of clusters pays for every extra construct per cluster hundreds of times.
    const app = new App({ outdir: '/nonexistent' });
    const chart = buildExamplePlatform(app);
    const raven = chart.node.findChild('raven');
    const children = raven.node.children;
    // Exactly ApiObject, no subclass: one object class for cdk8s' per-chart walk.
    expect(children.map((c) => [c.constructor === ApiObject, c.node.children.length])).toEqual(children.map(() => [true, 0]));
    expect(chart.node.findAll()).toHaveLength(2 + chart.toJson().length);
  });

  test('the accessors hand out copies', () => {
    const { raven } = built();
    raven.kubeletScrapes.pop();
    raven.proxyHttpsPorts.pop();
    expect(raven.kubeletScrapes).toHaveLength(3);
    expect(raven.proxyHttpsPorts).toEqual([10250]);
  });

  test('the ports to declare by hand when no Gateway is given', () => {
    const { raven, manifests } = built({ extraScrapes: [{ name: 'secure-exporter', port: 9443, scheme: ScrapeScheme.HTTPS }] });
    expect(manifests.map((m) => m.kind)).not.toContain('Gateway');
    expect(raven.gateway).toBeUndefined();
    expect(raven.proxyHttpPorts).toEqual([9100]);
    expect(raven.proxyHttpsPorts).toEqual([10250, 9443]);
  });

  test('the dedicated raven-proxy-dns objects', () => {
    const { raven } = built({ dns: DnsStrategy.dedicatedProxyDns({ clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1' }) });
    expect(ids(raven.dnsObjects)).toEqual([
      'ServiceAccount/raven-proxy-dns', 'ClusterRole/system:raven-proxy-dns', 'ClusterRoleBinding/system:raven-proxy-dns',
      'ConfigMap/raven-proxy-dns', 'Deployment/raven-proxy-dns', 'Service/raven-proxy-dns',
    ]);
  });

  test('with a prometheus.yml fragment, no ScrapeConfig and no token Secret are part of the app', () => {
    const { raven, manifests } = built({ output: ScrapeOutput.prometheusConfigFragment() });
    expect(raven.scrapeConfigs).toEqual([]);
    expect(raven.nodeExporterScrape).toBeUndefined();
    expect(raven.tokenSecret).toBeUndefined();
    expect(raven.fragmentObject?.kind).toBe('ConfigMap');
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap']);
  });

  test('without DNS, RBAC or node-exporter, those accessors are empty', () => {
    const { raven } = built({ rbac: false, nodeExporter: false });
    expect(raven.dnsObjects).toEqual([]);
    expect(raven.clusterRole).toBeUndefined();
    expect(raven.clusterRoleBinding).toBeUndefined();
    expect(raven.nodeExporterScrape).toBeUndefined();
    expect(raven.proxyHttpPorts).toEqual([]);
  });
});

describe('RavenPrometheus', () => {
  test('defaults work without any cluster data: DNS-free, edge nodes only, kube-prometheus-stack labels', () => {
    const manifests = stack();
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'ClusterRole', 'ClusterRoleBinding', 'PrometheusRule', 'ScrapeConfig', 'ScrapeConfig', 'ScrapeConfig', 'ScrapeConfig',
    ]);
    for (const s of scrapes(manifests)) {
      expect(relabel(s, '__address__')[0].replacement).toMatch(/^x-raven-proxy-internal-svc\.kube-system\.svc:/);
      expect(relabel(s, '__param_nodeName')).toHaveLength(1);
    }
    const kubelet = findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-metrics');
    expect(kubelet.spec.kubernetesSDConfigs[0].selectors).toEqual([{ role: 'Node', label: 'openyurt.io/is-edge-worker=true' }]);
  });

  test('the release label and the chart\'s ServiceAccount name follow kube-prometheus-stack', () => {
    const manifests = stack({ release: 'kps' });
    for (const s of scrapes(manifests)) expect(s.metadata.labels).toEqual({ release: 'kps' });
    expect(manifests.find((m) => m.kind === 'ClusterRoleBinding').subjects[0].name).toBe('kps-kube-prometheus-stack-prometheus');
  });

  test('a dedicated raven-proxy-dns can serve the node names', () => {
    const manifests = stack({ dns: DnsStrategy.dedicatedProxyDns({ clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1' }) });
    expect(findManifest(manifests, 'Service', 'raven-proxy-dns').spec.clusterIP).toBe('10.96.0.53');
    expect(relabel(findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-metrics'), '__address__')[0].replacement).toBe('${1}:10250');
  });

  test('an extra exporter gets its port on the Gateway with its scheme', () => {
    const manifests = stack({
      gateway: EXAMPLE_CLOUD_GATEWAY,
      extraScrapes: [{ name: 'smartctl', port: 9633 }, { name: 'secure-exporter', port: 9443, scheme: ScrapeScheme.HTTPS }],
    });
    expect(manifests.find((m) => m.kind === 'Gateway').spec.proxyConfig).toEqual({
      proxyHTTPPort: '10255,9100,9633', proxyHTTPSPort: '9445,10250,9443',
    });
    const secure = findManifest(manifests, 'ScrapeConfig', 'secure-exporter').spec;
    expect(secure.authorization).toBeUndefined();
    expect(secure.tlsConfig).toEqual(RAVEN_PROXY_TLS);
    expect(findManifest(manifests, 'ScrapeConfig', 'smartctl').spec.tlsConfig).toBeUndefined();
  });

  test('GIVEN sendServiceAccountTokenToNodes THEN an authenticated extra exporter gets the token', () => {
    const manifests = stack({
      sendServiceAccountTokenToNodes: true,
      extraScrapes: [{ name: 'secure-exporter', port: 9443, scheme: ScrapeScheme.HTTPS, authenticate: true }, { name: 'open-exporter', port: 9444, scheme: ScrapeScheme.HTTPS }],
    });
    expect(findManifest(manifests, 'ScrapeConfig', 'secure-exporter').spec.authorization).toEqual({ credentials: { name: 'prometheus-sa-token', key: 'token' } });
    expect(findManifest(manifests, 'ScrapeConfig', 'open-exporter').spec.authorization).toBeUndefined();
  });

  test('node discovery for node-exporter needs no pods permission', () => {
    const manifests = stack({ nodeExporterDiscovery: TargetDiscovery.nodes() });
    expect(JSON.stringify(manifests.find((m) => m.kind === 'ClusterRole').rules)).not.toContain('pods');
  });

  test('RBAC and the token Secret can be left to the Prometheus chart', () => {
    const manifests = stack({ rbac: false, sendServiceAccountTokenToNodes: true, createTokenSecret: false, tokenSecretName: 'existing-token' });
    expect(manifests.map((m) => m.kind)).not.toContain('ClusterRole');
    expect(manifests.map((m) => m.kind)).not.toContain('Secret');
    expect(findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-probes').spec.authorization.credentials.name).toBe('existing-token');
  });

  test('a checked Gateway that proxies every port is accepted unchanged', () => {
    const gateway = JSON.parse(JSON.stringify(EXAMPLE_CLOUD_GATEWAY));
    gateway.spec.proxyConfig = { Replicas: 1, proxyHTTPPort: '9100', proxyHTTPSPort: '10250' };
    expect(stack({ gateway, addGatewayPorts: false }).map((m) => m.kind)).not.toContain('Gateway');
  });

  test('all nodes can be selected, and the kubelet left out', () => {
    const manifests = stack({ nodes: NodeSelection.all(), kubeletEndpoints: [], sendServiceAccountTokenToNodes: true });
    expect(scrapes(manifests).map((s) => s.metadata.name)).toEqual(['node-exporter-raven']);
    expect(manifests.map((m) => m.kind)).not.toContain('Secret');
  });

  test('GIVEN a cAdvisor interval THEN the kubelet\'s cAdvisor scrape uses it', () => {
    expect(findManifest(stack({ cadvisorInterval: Duration.seconds(30) }), 'ScrapeConfig', 'kubelet-raven-cadvisor').spec.scrapeInterval).toBe('30s');
  });

  test('GIVEN cadvisorMetricDrops false THEN the cAdvisor scrape drops nothing', () => {
    expect(findManifest(stack({ cadvisorMetricDrops: false }), 'ScrapeConfig', 'kubelet-raven-cadvisor').spec.metricRelabelings).toBeUndefined();
  });

  describe('refuses', () => {
    test('GIVEN kubelet options without a kubelet scrape', () => {
      expect(() => stack({ kubeletEndpoints: [], cadvisorInterval: Duration.seconds(30) }))
        .toThrow(/RavenPrometheus: 'cadvisorInterval' must be unset when no kubelet endpoint is scraped/);
    });

    test('DNS-free addressing with a CoreDNS edit requested', () => {
      expect(() => stack({
        dns: DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString() }), addressing: NodeAddressing.proxyQuery(),
      })).toThrow(/RavenPrometheus: 'dns' must be DnsStrategy.none\(\) with DNS-free addressing \(NodeAddressing.proxyQuery\(\)\), got 'DnsStrategy.editClusterCoreDns\(\)'/);
    });

    test('a DNS strategy on an OpenYurt without the tunnel-nodes DNS controller', () => {
      expect(() => stack({ dns: DnsStrategy.dedicatedProxyDns({ clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1' }), versions: { openYurt: '1.3.4' } }))
        .toThrow(/needs OpenYurt v1.4.0 or later, but versions.openYurt is '1.3.4'/);
    });

    test('DNS-free addressing (the default without DNS) on raven older than v0.4.4', () => {
      expect(() => stack({ versions: { raven: '0.4.0' } })).toThrow(/needs raven v0.4.4 or later/);
    });

    test('a port outside what a checked Gateway proxies', () => {
      expect(() => stack({ gateway: EXAMPLE_CLOUD_GATEWAY, addGatewayPorts: false }))
        .toThrow(/RavenPrometheus: 'gateway' must be ports the Gateway 'gw-cloud' proxies \(HTTP: 10255; HTTPS: 9445\), got '9100 \(HTTP\), 10250 \(HTTPS\)'/);
    });

    test('the same port scraped over HTTP and HTTPS', () => {
      expect(() => stack({ extraScrapes: [{ name: 'x', port: 10250, metricsPath: '/x' }] })).toThrow(/a port scraped either over HTTP or over HTTPS, not both/);
    });

    test('two extra scrapes with one name', () => {
      expect(() => stack({ extraScrapes: [{ name: 'x', port: 9400 }, { name: 'x', port: 9401 }] })).toThrow(/'extraScrapes' must be unique scrape names, got 'x'/);
    });

    test('Gateway options without a Gateway', () => {
      expect(() => stack({ addGatewayPorts: true })).toThrow(/'gateway' must be set when addGatewayPorts is true, got undefined\. Pass the exported cloud Gateway to add the ports to, or set addGatewayPorts to false/);
      expect(() => stack({ otherGateways: [EXAMPLE_CLOUD_GATEWAY] })).toThrow(/'gateway' must be set when otherGateways is set/);
    });

    test('node-exporter options with node-exporter off', () => {
      expect(() => stack({ nodeExporter: false, nodeExporterPort: 9101 })).toThrow(/'nodeExporter' must be true when nodeExporterDiscovery or nodeExporterPort is set/);
    });

    test('kubelet TLS with no kubelet endpoint', () => {
      expect(() => stack({ kubeletEndpoints: [], kubeletTls: ScrapeTls.insecureSkipVerify() })).toThrow(/'kubeletTls' must be unset when no kubelet endpoint is scraped/);
    });

    test('an invalid release name', () => {
      expect(() => stack({ release: 'Foundation Core' })).toThrow(/RavenPrometheus: 'release' must be a Helm release name \(at most 53 characters/);
    });

    test('a kubelet endpoint list with a repeated endpoint', () => {
      expect(() => stack({ kubeletEndpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.METRICS] })).toThrow(/'kubeletEndpoints' must be a list without repeated paths/);
    });
  });
});

describe('RavenPrometheus sends no credential to the nodes unless told to', () => {
  const kinds = (manifests: any[]) => manifests.map((m) => `${m.kind}/${m.metadata.name}`);

  test('GIVEN the defaults THEN no token Secret is written, no ScrapeConfig carries authorization, and every HTTPS scrape verifies Raven\'s proxy certificate', () => {
    const manifests = stack({ release: 'kps', extraScrapes: [{ name: 'secure-exporter', port: 9443, scheme: ScrapeScheme.HTTPS }] });
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    const https = scrapes(manifests).filter((s) => s.spec.scheme === 'HTTPS');
    expect(https.map((s) => s.metadata.name)).toEqual(['kubelet-raven-metrics', 'kubelet-raven-cadvisor', 'kubelet-raven-probes', 'secure-exporter']);
    for (const s of scrapes(manifests)) {
      expect(s.spec.authorization).toBeUndefined();
    }
    for (const s of https) {
      expect(s.spec.tlsConfig).toEqual(RAVEN_PROXY_TLS);
    }
  });

  test('GIVEN the defaults THEN the ClusterRole grants exactly nodes, and pods only with pod discovery of node-exporter', () => {
    const rules = (props: any) => stack(props).find((m) => m.kind === 'ClusterRole').rules;
    expect(rules({ nodeExporterDiscovery: TargetDiscovery.nodes() })).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(rules({})).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('GIVEN sendServiceAccountTokenToNodes THEN the token Secret, authorization on every kubelet ScrapeConfig and get on nodes/metrics come back', () => {
    const chart = testChart('monitoring');
    const raven = new RavenPrometheus(chart, 'raven', { release: 'kps', sendServiceAccountTokenToNodes: true });
    const manifests = synth(chart);
    expectValidManifests(manifests);
    expect(kinds(manifests)).toContain('Secret/prometheus-sa-token');
    expect(raven.tokenSecret?.name).toBe('prometheus-sa-token');
    const secret = findManifest(manifests, 'Secret', 'prometheus-sa-token');
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'prometheus-sa-token',
        namespace: 'monitoring',
        annotations: { 'kubernetes.io/service-account.name': 'kps-kube-prometheus-stack-prometheus' },
      },
      type: 'kubernetes.io/service-account-token',
    });
    for (const name of ['kubelet-raven-metrics', 'kubelet-raven-cadvisor', 'kubelet-raven-probes']) {
      expect(findManifest(manifests, 'ScrapeConfig', name).spec.authorization).toEqual({ credentials: { name: 'prometheus-sa-token', key: 'token' } });
    }
    // node-exporter is plain HTTP and never gets the token.
    expect(findManifest(manifests, 'ScrapeConfig', 'node-exporter-raven').spec.authorization).toBeUndefined();
    expect(manifests.find((m) => m.kind === 'ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('GIVEN sendServiceAccountTokenToNodes THEN the TLS default is still the proxy\'s verified certificate', () => {
    const manifests = stack({ sendServiceAccountTokenToNodes: true });
    expect(findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-metrics').spec.tlsConfig).toEqual(RAVEN_PROXY_TLS);
  });

  test('GIVEN sendServiceAccountTokenToNodes false THEN it is the default', () => {
    expect(stack({ sendServiceAccountTokenToNodes: false })).toEqual(stack({}));
  });

  test('GIVEN sendServiceAccountTokenToNodes and a token Secret name THEN the Secret and the ScrapeConfigs use it', () => {
    const manifests = stack({ sendServiceAccountTokenToNodes: true, tokenSecretName: 'kps-token' });
    expect(kinds(manifests)).toContain('Secret/kps-token');
    expect(kinds(manifests)).not.toContain('Secret/prometheus-sa-token');
    expect(findManifest(manifests, 'ScrapeConfig', 'kubelet-raven-cadvisor').spec.authorization.credentials.name).toBe('kps-token');
  });

  describe('refuses a token prop without sendServiceAccountTokenToNodes, naming the prop and the fix', () => {
    test('GIVEN createTokenSecret THEN it is refused', () => {
      expect(() => stack({ createTokenSecret: false })).toThrow(
        "RavenPrometheus: 'createTokenSecret' must be unset unless sendServiceAccountTokenToNodes is true, got false. "
        + 'No token is sent by default: through Raven the kubelet authorizes the proxy\'s client certificate. '
        + 'Drop the prop, or set sendServiceAccountTokenToNodes: true where the kubelet is reached without Raven\'s certificate.');
    });

    test('GIVEN createTokenSecret true THEN it is refused too: even the old default is no longer meaningful alone', () => {
      expect(() => stack({ createTokenSecret: true })).toThrow(/^RavenPrometheus: 'createTokenSecret' must be unset unless sendServiceAccountTokenToNodes is true, got true\./);
    });

    test('GIVEN tokenSecretName THEN it is refused', () => {
      expect(() => stack({ tokenSecretName: 'existing-token' })).toThrow(
        /^RavenPrometheus: 'tokenSecretName' must be unset unless sendServiceAccountTokenToNodes is true, got 'existing-token'\. .*set sendServiceAccountTokenToNodes: true/);
    });

    test('GIVEN sendServiceAccountTokenToNodes false and tokenSecretName THEN it is refused', () => {
      expect(() => stack({ sendServiceAccountTokenToNodes: false, tokenSecretName: 'existing-token' })).toThrow(/'tokenSecretName' must be unset unless sendServiceAccountTokenToNodes is true/);
    });

    test('GIVEN an extra scrape with authenticate THEN it is refused with its index', () => {
      expect(() => stack({
        extraScrapes: [{ name: 'open-exporter', port: 9444, scheme: ScrapeScheme.HTTPS }, { name: 'secure-exporter', port: 9443, scheme: ScrapeScheme.HTTPS, authenticate: true }],
      })).toThrow(
        "RavenPrometheus: 'extraScrapes[1].authenticate' must be false unless sendServiceAccountTokenToNodes is true, got true. "
        + 'The token would be sent to every node the scrape targets; set sendServiceAccountTokenToNodes: true to accept that, or drop authenticate.');
    });

    test('GIVEN an extra scrape with authenticate false THEN nothing is refused', () => {
      expect(findManifest(stack({ extraScrapes: [{ name: 'x', port: 9443, scheme: ScrapeScheme.HTTPS, authenticate: false }] }), 'ScrapeConfig', 'x').spec.authorization)
        .toBeUndefined();
    });

    test('GIVEN sendServiceAccountTokenToNodes as the string \'true\' from plain JavaScript THEN it is refused rather than taken as true', () => {
      expect(() => stack({ sendServiceAccountTokenToNodes: 'true' })).toThrow(/^RavenPrometheus: 'sendServiceAccountTokenToNodes' must be true or false, got 'true'\./);
    });
  });
});
