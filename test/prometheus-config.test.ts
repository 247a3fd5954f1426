import * as YAML from 'yaml';
import { PrometheusConfig } from '../src';

/**
 * The expected outputs below are written by hand from prometheus-operator's generateScrapeConfig
 * (pkg/prometheus/promcfg.go) and its golden files: the order of keys is the operator's, and the
 * comparison is on the YAML text so that order counts.
 */
function yamlOf(value: any): string {
  return YAML.stringify(value);
}
function expected(text: string): string {
  return YAML.stringify(YAML.parse(text));
}

function scrapeConfig(name: string, spec: any, namespace: string = 'monitor'): any {
  return { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig', metadata: { name, namespace }, spec };
}

// Seed, Step 4 (as the API server stores it: action defaulted to replace where omitted).
const SEED_NODE_EXPORTER = scrapeConfig('node-exporter-raven', {
  kubernetesSDConfigs: [{ role: 'Node' }],
  relabelings: [
    { action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' },
    { sourceLabels: ['__meta_kubernetes_node_name'], action: 'replace', targetLabel: '__address__', replacement: '${1}:9100' },
  ],
});

// Seed, Step 5, first of the three.
const SEED_KUBELET = scrapeConfig('kubelet-raven-metrics', {
  kubernetesSDConfigs: [{ role: 'Node' }],
  scheme: 'HTTPS',
  metricsPath: '/metrics',
  tlsConfig: { insecureSkipVerify: true },
  authorization: { credentials: { name: 'prometheus-sa-token', key: 'token' } },
  relabelings: [
    { action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' },
    { sourceLabels: ['__meta_kubernetes_node_name'], action: 'replace', targetLabel: '__address__', replacement: '${1}:10250' },
    { action: 'replace', targetLabel: 'job', replacement: 'kubelet' },
  ],
});

const TOKEN_SECRETS = { 'prometheus-sa-token': { token: 'eyJhbGciOi.token' } };

describe('PrometheusConfig.renderScrapeConfig: operator style', () => {
  test('the seed\'s node-exporter ScrapeConfig renders as the operator generates it', () => {
    expect(yamlOf(PrometheusConfig.renderScrapeConfig(SEED_NODE_EXPORTER))).toBe(expected(`
job_name: scrapeConfig/monitor/node-exporter-raven
kubernetes_sd_configs:
- role: node
relabel_configs:
- source_labels: [job]
  target_label: __tmp_prometheus_job_name
- regex: __meta_kubernetes_node_label_(.+)
  action: labelmap
- source_labels: [__meta_kubernetes_node_name]
  target_label: __address__
  replacement: \${1}:9100
  action: replace
`));
  });

  test('the seed\'s kubelet ScrapeConfig inlines the token and lowercases the scheme', () => {
    expect(yamlOf(PrometheusConfig.renderScrapeConfig(SEED_KUBELET, { secrets: TOKEN_SECRETS }))).toBe(expected(`
job_name: scrapeConfig/monitor/kubelet-raven-metrics
metrics_path: /metrics
scheme: https
authorization:
  type: Bearer
  credentials: eyJhbGciOi.token
tls_config:
  insecure_skip_verify: true
kubernetes_sd_configs:
- role: node
relabel_configs:
- source_labels: [job]
  target_label: __tmp_prometheus_job_name
- regex: __meta_kubernetes_node_label_(.+)
  action: labelmap
- source_labels: [__meta_kubernetes_node_name]
  target_label: __address__
  replacement: \${1}:10250
  action: replace
- target_label: job
  replacement: kubelet
  action: replace
`));
  });

  test('every modelled field lands under its Prometheus key, in the operator\'s order', () => {
    const manifest = scrapeConfig('node-exporter', {
      relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], separator: ';', targetLabel: '__address__', regex: '(.+)', replacement: '${1}:9100' }],
      metricRelabelings: [{ action: 'Drop', sourceLabels: ['__name__'], regex: 'node_scrape_.*' }],
      kubernetesSDConfigs: [{
        role: 'Pod',
        namespaces: { names: ['monitor'] },
        selectors: [{ role: 'Pod', label: 'app.kubernetes.io/name=prometheus-node-exporter' }],
        attachMetadata: { node: true },
      }],
      sampleLimit: 5000,
      tlsConfig: { ca: { configMap: { name: 'kubelet-ca', key: 'ca.crt' } }, serverName: 'raven-proxy', insecureSkipVerify: false },
      authorization: { type: 'Bearer', credentials: { name: 'prometheus-sa-token', key: 'token' } },
      scheme: 'HTTPS',
      scrapeTimeout: '10s',
      scrapeInterval: '30s',
      params: { nodeName: ['edge-gpu-1'], collect: ['cpu'] },
      metricsPath: '/metrics',
      honorLabels: true,
      honorTimestamps: true,
      jobName: 'node-exporter',
    });
    const rendered = PrometheusConfig.renderScrapeConfig(manifest, {
      secrets: TOKEN_SECRETS,
      configMaps: { 'kubelet-ca': { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } },
    });
    expect(yamlOf(rendered)).toBe(expected(`
job_name: scrapeConfig/monitor/node-exporter
honor_timestamps: true
honor_labels: true
metrics_path: /metrics
params:
  collect: [cpu]
  nodeName: [edge-gpu-1]
scrape_interval: 30s
scrape_timeout: 10s
scheme: https
authorization:
  type: Bearer
  credentials: eyJhbGciOi.token
tls_config:
  insecure_skip_verify: false
  ca_file: /etc/prometheus/certs/1_monitor_kubelet-ca_ca.crt
  server_name: raven-proxy
sample_limit: 5000
kubernetes_sd_configs:
- role: pod
  namespaces:
    names: [monitor]
  selectors:
  - role: pod
    label: app.kubernetes.io/name=prometheus-node-exporter
  attach_metadata:
    node: true
relabel_configs:
- source_labels: [job]
  target_label: __tmp_prometheus_job_name
- target_label: job
  action: replace
  replacement: node-exporter
- source_labels: [__meta_kubernetes_pod_node_name]
  separator: ;
  target_label: __address__
  regex: (.+)
  replacement: \${1}:9100
  action: replace
metric_relabel_configs:
- source_labels: [__name__]
  regex: node_scrape_.*
  action: drop
`));
  });

  test('the jobName relabeling comes before the spec\'s relabelings, so a relabeling to job still wins', () => {
    const rendered = PrometheusConfig.renderScrapeConfig(scrapeConfig('k', {
      jobName: 'from-jobname',
      relabelings: [{ targetLabel: 'job', replacement: 'from-relabeling' }],
    }));
    expect(rendered.relabel_configs.map((r: any) => r.replacement)).toEqual([undefined, 'from-jobname', 'from-relabeling']);
  });

  test('a relabeling without action gets the API server\'s default, replace', () => {
    const rendered = PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { relabelings: [{ targetLabel: 'node', sourceLabels: ['__meta_kubernetes_node_name'] }] }));
    expect(rendered.relabel_configs[1]).toEqual({ source_labels: ['__meta_kubernetes_node_name'], target_label: 'node', action: 'replace' });
  });

  test('a TLS CA from a Secret becomes a file under /etc/prometheus/certs with the Secret prefix 0', () => {
    const rendered = PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { tlsConfig: { ca: { secret: { name: 'ca', key: 'ca.crt' } } } }), {
      secrets: { ca: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----' } },
    });
    expect(rendered.tls_config).toEqual({ ca_file: '/etc/prometheus/certs/0_monitor_ca_ca.crt' });
  });

  test('GIVEN the CA of ScrapeTls.ravenProxy() (ConfigMap kube-root-ca.crt) not passed THEN it is the operator\'s file for it: Kubernetes publishes that ConfigMap in every namespace', () => {
    const rendered = PrometheusConfig.renderScrapeConfig(scrapeConfig('k', {
      scheme: 'HTTPS',
      tlsConfig: { ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } }, serverName: 'x-raven-proxy-internal-svc.kube-system.svc' },
    }));
    expect(rendered.tls_config).toEqual({
      ca_file: '/etc/prometheus/certs/1_monitor_kube-root-ca.crt_ca.crt',
      server_name: 'x-raven-proxy-internal-svc.kube-system.svc',
    });
  });

  test('GIVEN another key of kube-root-ca.crt not passed THEN it still throws: only ca.crt is published', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { tlsConfig: { ca: { configMap: { name: 'kube-root-ca.crt', key: 'tls.crt' } } } })))
      .toThrow(/ConfigMap 'kube-root-ca.crt', which does not exist in namespace 'monitor'/);
  });

  test('an empty tlsConfig writes no tls_config, as the operator treats it as unset', () => {
    expect(PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { tlsConfig: {} }))).not.toHaveProperty('tls_config');
  });

  test('attachMetadata on role Node is dropped, as Prometheus supports it only for pod and endpoints roles', () => {
    const rendered = PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { kubernetesSDConfigs: [{ role: 'Node', attachMetadata: { node: true } }] }));
    expect(rendered.kubernetes_sd_configs).toEqual([{ role: 'node' }]);
  });

  test('an authorization type is kept as written, trimmed', () => {
    const rendered = PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { authorization: { type: ' Token ', credentials: { name: 'prometheus-sa-token', key: 'token' } } }), {
      secrets: TOKEN_SECRETS,
    });
    expect(rendered.authorization).toEqual({ type: 'Token', credentials: 'eyJhbGciOi.token' });
  });

  test('keys newer than the given Prometheus version are dropped, as the operator does for Debian\'s 2.42', () => {
    const manifest = scrapeConfig('k', { keepDroppedTargets: 10, trackTimestampsStaleness: true, sampleLimit: 10, honorTimestamps: false });
    const rendered = PrometheusConfig.renderScrapeConfig(manifest, { prometheusVersion: '2.42.0' });
    expect(Object.keys(rendered)).toEqual(['job_name', 'honor_timestamps', 'sample_limit', 'relabel_configs']);
    expect(Object.keys(PrometheusConfig.renderScrapeConfig(manifest))).toEqual([
      'job_name', 'honor_timestamps', 'track_timestamps_staleness', 'sample_limit', 'keep_dropped_targets', 'relabel_configs',
    ]);
  });

  test('GIVEN two shards WHEN rendered THEN the operator\'s sharding relabelings come last (its Sharded golden file)', () => {
    const sc = scrapeConfig('testscrapeconfig1', { staticConfigs: [{ targets: ['localhost:9100'], labels: { label1: 'value1' } }] }, 'default');
    expect(yamlOf(PrometheusConfig.renderScrapeConfig(sc, { shards: 2 }))).toBe(expected(`
job_name: scrapeConfig/default/testscrapeconfig1
static_configs:
- targets: [localhost:9100]
  labels: { label1: value1 }
relabel_configs:
- source_labels: [job]
  target_label: __tmp_prometheus_job_name
- source_labels: [__address__, __tmp_hash]
  target_label: __tmp_hash
  regex: (.+);
  replacement: $1
  action: replace
- source_labels: [__tmp_hash]
  target_label: __tmp_hash
  modulus: 2
  action: hashmod
- source_labels: [__tmp_hash, __tmp_disable_sharding]
  regex: $(SHARD);|.+;.+
  action: keep
`));
  });

  test('GIVEN one shard WHEN rendered THEN no sharding relabeling is written', () => {
    const rendered = PrometheusConfig.renderScrapeConfig(SEED_NODE_EXPORTER, { shards: 1 });
    expect(rendered).toEqual(PrometheusConfig.renderScrapeConfig(SEED_NODE_EXPORTER));
    expect(rendered.relabel_configs.some((r: any) => r.action === 'hashmod')).toBe(false);
  });

  test('GIVEN a ScrapeConfig with a hashmod of its own WHEN sharded THEN the operator leaves it alone and adds nothing', () => {
    const sc = scrapeConfig('own', { relabelings: [{ action: 'HashMod', sourceLabels: ['__address__'], targetLabel: '__tmp_hash', modulus: 999 }] });
    const rendered = PrometheusConfig.renderScrapeConfig(sc, { shards: 2 });
    expect(rendered.relabel_configs.map((r: any) => r.action ?? '(none)')).toEqual(['(none)', 'hashmod']);
  });

  test('GIVEN shards that are not a positive integer WHEN rendered THEN it throws', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(SEED_NODE_EXPORTER, { shards: 0 }))
      .toThrow(/^PrometheusConfig.renderScrapeConfig: 'shards' must be a positive integer \(spec.shards of the Prometheus resource\), got 0\.$/);
  });
});

describe('PrometheusConfig.renderScrapeConfig: what the operator rejects', () => {
  test('a missing token Secret throws, as the operator rejects the whole ScrapeConfig', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(SEED_KUBELET)).toThrow(
      /ScrapeConfig monitor\/kubelet-raven-metrics: spec\.authorization\.credentials refers to Secret 'prometheus-sa-token', which does not exist in namespace 'monitor'/);
  });

  test('a token Secret without the key throws, naming the keys it has', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(SEED_KUBELET, { secrets: { 'prometheus-sa-token': { 'ca.crt': 'x' } } }))
      .toThrow(/key 'token' of Secret monitor\/prometheus-sa-token, which has only ca\.crt/);
  });

  test('a TLS CA ConfigMap that does not exist throws', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { tlsConfig: { ca: { configMap: { name: 'ca', key: 'ca.crt' } } } })))
      .toThrow(/ConfigMap 'ca', which does not exist in namespace 'monitor'/);
  });

  test('a TLS CA that is not a PEM certificate throws', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { tlsConfig: { ca: { secret: { name: 'ca', key: 'ca.crt' } } } }), {
      secrets: { ca: { 'ca.crt': 'not a certificate' } },
    })).toThrow(/must hold a PEM certificate/);
  });

  test('authorization type Basic throws', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { authorization: { type: 'basic' } }))).toThrow(/cannot be "Basic"/);
  });

  test('basicAuth together with authorization throws, as the CRD allows only one', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { basicAuth: {}, authorization: {} })))
      .toThrow(/at most one of basicAuth, authorization and oauth2/);
  });

  test('a replace relabeling without targetLabel throws', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { relabelings: [{ sourceLabels: ['a'] }] })))
      .toThrow(/spec\.relabelings\[0\] with action replace needs a targetLabel/);
  });

  test('an unknown relabeling action throws', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { relabelings: [{ action: 'rename', targetLabel: 'a' }] })))
      .toThrow(/action must be one of/);
  });

  test('a field the renderer does not model throws instead of being dropped', () => {
    expect(() => PrometheusConfig.renderScrapeConfig(scrapeConfig('k', { consulSDConfigs: [{ server: 'x' }] })))
      .toThrow(/spec\.consulSDConfigs is not supported by this renderer/);
  });

  test('a manifest that is not a ScrapeConfig throws', () => {
    expect(() => PrometheusConfig.renderScrapeConfig({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'y' } }))
      .toThrow(/expected a monitoring\.coreos\.com\/v1alpha1 ScrapeConfig, got v1 Secret/);
  });

  test('a ScrapeConfig without namespace throws', () => {
    expect(() => PrometheusConfig.renderScrapeConfig({ ...SEED_NODE_EXPORTER, metadata: { name: 'x' } })).toThrow(/has no metadata\.namespace/);
  });
});

describe('PrometheusConfig.renderPlainScrapeConfig: Prometheus without the operator', () => {
  test('the kubelet scrape uses the ServiceAccount token file and no CA when verification is off', () => {
    expect(yamlOf(PrometheusConfig.renderPlainScrapeConfig(SEED_KUBELET))).toBe(expected(`
job_name: raven/monitor/kubelet-raven-metrics
metrics_path: /metrics
scheme: https
authorization:
  type: Bearer
  credentials_file: /var/run/secrets/kubernetes.io/serviceaccount/token
tls_config:
  insecure_skip_verify: true
kubernetes_sd_configs:
- role: node
relabel_configs:
- regex: __meta_kubernetes_node_label_(.+)
  action: labelmap
- source_labels: [__meta_kubernetes_node_name]
  target_label: __address__
  replacement: \${1}:10250
  action: replace
- target_label: job
  replacement: kubelet
  action: replace
`));
  });

  test('a verified HTTPS scrape gets the ServiceAccount\'s cluster CA file', () => {
    const verified = scrapeConfig('k', { scheme: 'HTTPS', tlsConfig: { serverName: 'raven-proxy' } });
    expect(PrometheusConfig.renderPlainScrapeConfig(verified).tls_config).toEqual({
      ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      server_name: 'raven-proxy',
    });
  });

  test('GIVEN the CA of ScrapeTls.ravenProxy() THEN it is the ServiceAccount\'s ca.crt, which Kubernetes projects from kube-root-ca.crt', () => {
    const raven = scrapeConfig('k', {
      scheme: 'HTTPS',
      tlsConfig: { ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } }, serverName: 'x-raven-proxy-internal-svc.kube-system.svc' },
    });
    expect(PrometheusConfig.renderPlainScrapeConfig(raven).tls_config).toEqual({
      ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      server_name: 'x-raven-proxy-internal-svc.kube-system.svc',
    });
  });

  test('GIVEN any other CA THEN the plain style refuses it, as it cannot read ConfigMaps', () => {
    const other = scrapeConfig('k', { scheme: 'HTTPS', tlsConfig: { ca: { configMap: { name: 'raven-ca', key: 'ca.crt' } } } });
    expect(() => PrometheusConfig.renderPlainScrapeConfig(other)).toThrow(/tlsConfig.ca\/cert\/keySecret read Secrets or ConfigMaps, which a Prometheus without the operator cannot/);
  });

  test('the job name prefix is configurable', () => {
    expect(PrometheusConfig.renderPlainScrapeConfig(SEED_NODE_EXPORTER, { jobNamePrefix: 'edge' }).job_name).toBe('edge/monitor/node-exporter-raven');
  });

  test('a job name prefix of the operator\'s own throws, as the jobs would collide', () => {
    expect(() => PrometheusConfig.renderPlainScrapeConfig(SEED_NODE_EXPORTER, { jobNamePrefix: 'scrapeConfig' })).toThrow(/must be a word other than/);
  });
});
