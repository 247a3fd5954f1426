import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import * as YAML from 'yaml';
import { ExtraEdgeScrape, PrometheusConfig, RavenPrometheus, TargetDiscovery } from '../../src';
import { upstreamProgram } from '../support/upstream';
import { NetworkNamespace, printed, waitFor } from './support/netns';
import { operatorRuleFile } from './support/prometheus-rules';

/**
 * The edge alerts end to end, on the real programs: Prometheus 3 scrapes a fleet of edge targets
 * through a stand-in for the Raven proxy and evaluates the library's rules; Alertmanager, configured
 * with the library's kube-prometheus-stack values (a configuration of the test's own, the Raven
 * inhibitions and the TargetDown route merged in), sends what is left to a webhook of the test.
 *
 * The rules file is the one prometheus-operator's own code writes for the PrometheusRule. The scrape
 * jobs are the library's ScrapeConfigs as the operator renders them
 * (`PrometheusConfig.renderScrapeConfig`, equal to prometheus-operator's code in
 * operator-render.test.ts), with one change: Kubernetes discovery is replaced by file discovery
 * that hands each target the `__meta_kubernetes_*` labels Kubernetes discovery gives a node-exporter
 * pod (or a node), so the library's own relabelings write node, pool, job, service, namespace and
 * scrape_via. Addressing is DNS-free, as RavenPrometheus does without a DNS strategy: every target is
 * `x-raven-proxy-internal-svc.kube-system.svc:<port>?nodeName=<node>`; the stand-in proxy routes by
 * `nodeName` to the node's own metrics servers (one small HTTP server per target) and answers 502 when
 * they are gone, as Raven's proxy does when it cannot reach a node. Everything listens on loopback
 * addresses inside a network namespace of the test; the durations are cut to seconds.
 */

const NS = `al-routing-${process.pid}`;
const PROXY_IP = '127.0.0.2';
const PROXY_HOST = 'x-raven-proxy-internal-svc.kube-system.svc';
const CONTROL = 'http://127.0.0.3:8080';
const AM = '127.0.0.4:9093';
const HOOK = 'http://127.0.0.5:8080';
const PROM = 'http://127.0.0.1:9090';
const POOL = 'apps_openyurt_io_nodepool';
const NODES: Array<[string, string, string]> = [
  ['a1', 'shop-a', '127.0.1.1'], ['a2', 'shop-a', '127.0.1.2'],
  ['b1', 'shop-b', '127.0.1.3'], ['b2', 'shop-b', '127.0.1.4'],
  ['c1', 'shop-c', '127.0.1.5'],
];
const PORTS = [9100, 9400];

/**
 * The fleet: per node one metrics server per port on the node's address, the proxy stand-in on both
 * ports, a control server (stop/start a node's servers, the proxy) and the webhook receiver, which
 * appends each notification to a file.
 */
const FLEET_SCRIPT = `
const http = require('http');
const fs = require('fs');
const nodes = JSON.parse(process.argv[1]);
const ports = JSON.parse(process.argv[2]);
const [proxyIp, hookFile] = [process.argv[3], process.argv[4]];
const servers = new Map();
function listen(key, host, port, handler) {
  const sockets = new Set();
  const server = http.createServer(handler);
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  servers.set(key, { server, sockets });
  return new Promise((resolve) => server.listen(port, host, resolve));
}
function close(key) {
  const entry = servers.get(key);
  if (!entry) return Promise.resolve();
  servers.delete(key);
  for (const s of entry.sockets) s.destroy();
  return new Promise((resolve) => entry.server.close(() => resolve()));
}
const metrics = (req, res) => { res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }); res.end('edge_test_metric 1\\n'); };
const startNode = (n) => Promise.all(ports.map((p) => listen(n.name + ':' + p, n.ip, p, metrics)));
const stopNode = (n) => Promise.all(ports.map((p) => close(n.name + ':' + p)));
function proxy(port) {
  return (req, res) => {
    const node = new URL(req.url, 'http://x').searchParams.get('nodeName');
    const target = nodes.find((n) => n.name === node);
    if (!target) { res.writeHead(400); res.end('unknown node'); return; }
    const up = http.get({ host: target.ip, port, path: '/metrics' }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    up.on('error', (e) => { res.writeHead(502); res.end('cannot reach ' + node + ': ' + e.message); });
  };
}
const startProxy = () => Promise.all(ports.map((p) => listen('proxy:' + p, proxyIp, p, proxy(p))));
const stopProxy = () => Promise.all(ports.map((p) => close('proxy:' + p)));
(async () => {
  await Promise.all(nodes.map(startNode));
  await startProxy();
  await listen('control', '127.0.0.3', 8080, async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const picked = nodes.filter((n) => (url.searchParams.get('nodes') || '').split(',').includes(n.name));
    if (url.pathname === '/stop') await Promise.all(picked.map(stopNode));
    if (url.pathname === '/start') await Promise.all(picked.map(startNode));
    if (url.pathname === '/stop-proxy') await stopProxy();
    if (url.pathname === '/start-proxy') await startProxy();
    res.end('ok');
  });
  await listen('hook', '127.0.0.5', 8080, (req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { fs.appendFileSync(hookFile, body.replace(/\\n/g, ' ') + '\\n'); res.end('ok'); });
  });
  console.log('ready');
})();
`;

/** kube-prometheus-stack 88.x's TargetDown (general.rules), with its `for:` cut from 10m to 2s. */
const STOCK_TARGET_DOWN = {
  alert: 'TargetDown',
  expr: '100 * (count(up == 0) BY (cluster, job, namespace, service) / count(up) BY (cluster, job, namespace, service)) > 10',
  for: '2s',
  labels: { severity: 'warning' },
};

const EXTRA: ExtraEdgeScrape = { name: 'dcgm-exporter-raven', jobLabel: 'dcgm-exporter', port: 9400, discovery: TargetDiscovery.nodes() };

function buildStack(): { manifests: any[]; stack: RavenPrometheus } {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const chart = new Chart(app, 'edge', { namespace: 'monitoring' });
  const stack = new RavenPrometheus(chart, 'raven', {
    release: 'kps',
    kubeletEndpoints: [],
    extraScrapes: [EXTRA],
    alertRulesOptions: {
      tunnelDownFor: Duration.seconds(2),
      nodePoolDownFor: Duration.seconds(3),
      nodeDownFor: Duration.seconds(4),
      exporterDownFor: Duration.seconds(4),
      scrapeTimeout: Duration.seconds(1),
    },
  });
  return { manifests: chart.toJson(), stack };
}

/** What Kubernetes discovery gives for a node (role Node) or its node-exporter pod (role Pod). */
function discovered(role: string, [name, pool, ip]: [string, string, string], port: number): { [label: string]: string } {
  const node = {
    __meta_kubernetes_node_label_openyurt_io_is_edge_worker: 'true',
    [`__meta_kubernetes_node_label_${POOL}`]: pool,
  };
  if (role === 'Node') {
    return { ...node, __address__: `${ip}:10250`, __meta_kubernetes_node_name: name, __meta_kubernetes_node_address_InternalIP: ip };
  }
  return {
    ...node,
    __address__: `${ip}:${port}`,
    __meta_kubernetes_namespace: 'monitoring',
    __meta_kubernetes_pod_name: `kps-prometheus-node-exporter-${name}`,
    __meta_kubernetes_pod_node_name: name,
    __meta_kubernetes_pod_host_ip: ip,
    __meta_kubernetes_pod_phase: 'Running',
    __meta_kubernetes_pod_container_port_number: String(port),
  };
}

/**
 * kube-prometheus-stack 88.x's default `alertmanager.config` (values.yaml), its `templates` left out
 * (the chart's folder of templates exists only in its pod).
 */
const CHART_ALERTMANAGER_CONFIG: any = {
  global: { resolve_timeout: '5m' },
  inhibit_rules: [
    { source_matchers: ['severity = critical'], target_matchers: ['severity =~ warning|info'], equal: ['namespace', 'alertname'] },
    { source_matchers: ['severity = warning'], target_matchers: ['severity = info'], equal: ['namespace', 'alertname'] },
    { source_matchers: ['alertname = InfoInhibitor'], target_matchers: ['severity = info'], equal: ['namespace'] },
    { target_matchers: ['alertname = InfoInhibitor'] },
  ],
  route: {
    group_by: ['namespace'],
    group_wait: '30s',
    group_interval: '5m',
    repeat_interval: '12h',
    receiver: 'null',
    routes: [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }],
  },
  receivers: [{ name: 'null' }],
};

/** Helm's merge of values into a chart's defaults: maps merged key by key, anything else (lists too) replaced. */
function helmMerge(defaults: any, values: any): any {
  if (values === null || typeof values !== 'object' || Array.isArray(values) || defaults === null || typeof defaults !== 'object' || Array.isArray(defaults)) {
    return values;
  }
  const out: any = { ...defaults };
  for (const [k, v] of Object.entries(values)) out[k] = k in defaults ? helmMerge(defaults[k], v) : v;
  return out;
}

interface Notification { status: string; alerts: Array<{ status: string; labels: { [name: string]: string } }> }

describe('edge alerts through real Prometheus and Alertmanager', () => {
  const lab = new NetworkNamespace(NS);
  const hookFile = path.join(lab.dir, 'notifications.jsonl');
  const { manifests, stack } = buildStack();
  let amConfig: any;

  beforeAll(async () => {
    NetworkNamespace.checkPrerequisites();
    const hosts = ['127.0.0.1 localhost', `${PROXY_IP} ${PROXY_HOST}`, ...NODES.map(([n, , ip]) => `${ip} ${n}`)].join('\n');
    lab.create(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', ...NODES.map(([, , ip]) => ip)], { hosts: `${hosts}\n`, resolvConf: 'nameserver 127.0.0.1\n' });
    fs.writeFileSync(hookFile, '');

    // Scrape jobs: the library's, discovery swapped for files holding what Kubernetes discovery gives.
    const jobs = manifests.filter((m) => m.kind === 'ScrapeConfig').map((scrape, i) => {
      const { kubernetes_sd_configs: sds, ...job } = PrometheusConfig.renderScrapeConfig(scrape);
      const role = scrape.spec.kubernetesSDConfigs[0].role;
      const port = Number(/:(\d+)$/.exec(scrape.spec.relabelings.find((r: any) => r.targetLabel === '__address__').replacement)![1]);
      const file = path.join(lab.dir, `targets-${i}.json`);
      fs.writeFileSync(file, JSON.stringify(NODES.map((node) => {
        const { __address__, ...labels } = discovered(role, node, port);
        return { targets: [__address__], labels };
      })));
      expect(sds).toHaveLength(1);
      return { ...job, file_sd_configs: [{ files: [file], refresh_interval: '1s' }] };
    });
    expect(jobs).toHaveLength(2);
    // The rules file as prometheus-operator writes it, by its own code.
    const ruleFile = operatorRuleFile(manifests.find((m) => m.kind === 'PrometheusRule')).file;
    expect(ruleFile.groups).toHaveLength(1);
    fs.writeFileSync(path.join(lab.dir, 'rules.yaml'), YAML.stringify(ruleFile));
    fs.writeFileSync(path.join(lab.dir, 'stock-rules.yaml'), YAML.stringify({ groups: [{ name: 'general.rules', rules: [STOCK_TARGET_DOWN] }] }));
    fs.writeFileSync(path.join(lab.dir, 'prometheus.yml'), YAML.stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s', external_labels: { prometheus: 'monitoring/kps-prometheus' } },
      rule_files: [path.join(lab.dir, 'rules.yaml'), path.join(lab.dir, 'stock-rules.yaml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [AM] }] }] },
      scrape_configs: jobs,
    }));

    // Alertmanager: a configuration of the test's own, with the library's values merged in.
    const own = {
      route: { receiver: 'hook', group_by: ['...'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [{ name: 'hook', webhook_configs: [{ url: `${HOOK}/hook`, send_resolved: true }] }],
    };
    const values = stack.kubePrometheusStackValues({ alertmanagerConfig: own });
    expect(values.warnings).toHaveLength(1);
    amConfig = values.values.alertmanager.config;
    fs.writeFileSync(path.join(lab.dir, 'alertmanager.yml'), YAML.stringify(amConfig));

    await lab.start('fleet', process.execPath, ['-e', FLEET_SCRIPT, JSON.stringify(NODES.map(([name, , ip]) => ({ name, ip }))),
      JSON.stringify(PORTS), PROXY_IP, hookFile], printed('ready'));
    await lab.start('alertmanager', upstreamProgram('alertmanager'), [
      `--config.file=${path.join(lab.dir, 'alertmanager.yml')}`, `--storage.path=${path.join(lab.dir, 'am-data')}`,
      `--web.listen-address=${AM}`, '--cluster.listen-address=',
    ], async () => { await waitFor('Alertmanager ready', 30_000, () => (lab.fetch(`http://${AM}/-/ready`).status === 200 ? true : undefined), 500); });
    await lab.start('prometheus', upstreamProgram('prometheus'), [
      `--config.file=${path.join(lab.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(lab.dir, 'prom-data')}`,
      '--web.listen-address=127.0.0.1:9090', '--rules.alert.resend-delay=1s',
    ], async () => { await waitFor('Prometheus ready', 30_000, () => (lab.fetch(`${PROM}/-/ready`).status === 200 ? true : undefined), 500); });
    await waitFor('every edge target up', 60_000, () => (query('count(up{scrape_via="raven"} == 1)') === 10 ? true : undefined), 500);
  }, 120_000);

  afterAll(async () => {
    await lab.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1');
  });

  function query(promql: string): number | undefined {
    const r = lab.fetch(`${PROM}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const result = r.body ? JSON.parse(r.body).data?.result : undefined;
    return result?.length === 1 ? Number(result[0].value[1]) : undefined;
  }

  function control(action: string, nodes: string[] = []): void {
    expect(lab.fetch(`${CONTROL}/${action}?nodes=${nodes.join(',')}`).body).toBe('ok');
  }

  function notifications(): Notification[] {
    return fs.readFileSync(hookFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  }

  /** The alerts Alertmanager holds, with their state and the receivers they route to. */
  function amAlerts(): any[] {
    return JSON.parse(lab.fetch(`http://${AM}/api/v2/alerts`).body ?? '[]');
  }

  /** `alertname{label}` of every firing alert delivered to the webhook since `from`. */
  function delivered(from: number, status: string = 'firing', key: (l: any) => string = (l) => l.node ?? l[POOL] ?? ''): string[] {
    const seen = new Set<string>();
    for (const n of notifications().slice(from)) for (const a of n.alerts) if (a.status === status) seen.add(`${a.labels.alertname}{${key(a.labels)}}`);
    return [...seen].sort();
  }

  /** Runs one outage: breaks, waits for the expected alert, lets everything else have time to fire, restores, waits for the resolution. */
  async function outage(expected: string, stop: () => void, start: () => void): Promise<{ firing: string[]; resolved: string[]; am: any[] }> {
    const from = notifications().length;
    stop();
    await waitFor(`${expected} delivered`, 60_000, () => (delivered(from).includes(expected) ? true : undefined), 500);
    // Every other alert has had more than its `for:` and Alertmanager's group_wait to show up.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const am = amAlerts();
    const firing = delivered(from);
    start();
    await waitFor(`${expected} resolved`, 60_000, () => (delivered(from, 'resolved').includes(expected) ? true : undefined), 500);
    await waitFor('no edge alert left in Alertmanager', 60_000,
      () => (amAlerts().filter((a) => a.status.state === 'active' || a.status.state === 'suppressed').length === 0 ? true : undefined), 500);
    return { firing, resolved: delivered(from, 'resolved'), am };
  }

  test('Alertmanager runs the merged configuration: the test\'s route and receiver, the Raven inhibitions, TargetDown of the library\'s services to null', () => {
    const status = JSON.parse(lab.fetch(`http://${AM}/api/v2/status`).body!);
    const loaded = YAML.parse(status.config.original);
    expect(loaded.inhibit_rules.map((r: any) => r.source_matchers)).toEqual(amConfig.inhibit_rules.map((r: any) => r.source_matchers));
    expect(loaded.route.routes[0]).toMatchObject({ receiver: 'null', matchers: ['alertname="TargetDown"', 'service=~"node-exporter-raven|dcgm-exporter-raven"'] });
  });

  test('Prometheus labels the targets as the library\'s relabelings do', () => {
    expect(query('count(up{scrape_via="raven", job="node-exporter", service="node-exporter-raven", node="a1", apps_openyurt_io_nodepool="shop-a"})')).toBe(1);
    expect(query('count(up{scrape_via="raven", job="dcgm-exporter", service="dcgm-exporter-raven", node="c1", apps_openyurt_io_nodepool="shop-c"})')).toBe(1);
  });

  test('one node goes offline: only the node alert is delivered; the stock TargetDown goes to the null receiver; it resolves', async () => {
    const result = await outage('RavenEdgeNodeUnreachable{a1}', () => control('stop', ['a1']), () => control('start', ['a1']));
    expect(result.firing).toEqual(['RavenEdgeNodeUnreachable{a1}']);
    expect(result.resolved).toEqual(['RavenEdgeNodeUnreachable{a1}']);
    const targetDown = result.am.filter((a) => a.labels.alertname === 'TargetDown');
    expect(targetDown.map((a) => [a.labels.service, a.receivers.map((r: any) => r.name)]).sort()).toEqual([
      ['dcgm-exporter-raven', ['null']], ['node-exporter-raven', ['null']],
    ]);
  }, 180_000);

  test('one node pool loses its uplink: only the pool alert is delivered, none of its nodes\'; it resolves', async () => {
    const result = await outage('RavenEdgeNodePoolUnreachable{shop-a}', () => control('stop', ['a1', 'a2']), () => control('start', ['a1', 'a2']));
    expect(result.firing).toEqual(['RavenEdgeNodePoolUnreachable{shop-a}']);
    expect(result.resolved).toEqual(['RavenEdgeNodePoolUnreachable{shop-a}']);
  }, 180_000);

  test('the proxy is gone: only the tunnel alert is delivered, the stock TargetDown of the library\'s services is inhibited by it; it resolves', async () => {
    const result = await outage('RavenEdgeTunnelDown{}', () => control('stop-proxy'), () => control('start-proxy'));
    expect(result.firing).toEqual(['RavenEdgeTunnelDown{}']);
    expect(result.resolved).toEqual(['RavenEdgeTunnelDown{}']);
    const tunnel = result.am.find((a) => a.labels.alertname === 'RavenEdgeTunnelDown');
    expect(tunnel.labels).toMatchObject({ severity: 'critical', prometheus: 'monitoring/kps-prometheus' });
    const targetDown = result.am.filter((a) => a.labels.alertname === 'TargetDown');
    expect(targetDown.map((a) => [a.labels.service, a.status.state, a.status.inhibitedBy]).sort()).toEqual([
      ['dcgm-exporter-raven', 'suppressed', [tunnel.fingerprint]],
      ['node-exporter-raven', 'suppressed', [tunnel.fingerprint]],
    ]);
  }, 180_000);

  test('without a configuration of the user\'s, the values merged into the chart\'s default configuration as Helm merges them load in Alertmanager', async () => {
    const config = helmMerge(CHART_ALERTMANAGER_CONFIG, stack.kubePrometheusStackValues().values.alertmanager.config);
    // The chart's own entries stay, the Raven ones follow: lists are replaced, so the values carry both.
    expect(config.inhibit_rules).toHaveLength(CHART_ALERTMANAGER_CONFIG.inhibit_rules.length + stack.alertmanagerInhibitRules.length);
    expect(config.route.routes.map((r: any) => r.matchers[0])).toEqual(['alertname = "TargetDown"', 'alertname = "Watchdog"']);
    expect(config.receivers).toEqual([{ name: 'null' }]);
    const file = path.join(lab.dir, 'alertmanager-chart.yml');
    fs.writeFileSync(file, YAML.stringify({ ...config, templates: [] }));
    const am = await lab.start('alertmanager-chart', upstreamProgram('alertmanager'), [
      `--config.file=${file}`, `--storage.path=${path.join(lab.dir, 'am-chart-data')}`, '--web.listen-address=127.0.0.6:9093', '--cluster.listen-address=',
    ], async () => { await waitFor('Alertmanager ready', 30_000, () => (lab.fetch('http://127.0.0.6:9093/-/ready').status === 200 ? true : undefined), 500); });
    const loaded = YAML.parse(JSON.parse(lab.fetch('http://127.0.0.6:9093/api/v2/status').body!).config.original);
    expect(loaded.inhibit_rules).toHaveLength(config.inhibit_rules.length);
    await lab.stop(am);
  }, 60_000);

  test('the inhibitions themselves, on alerts posted to Alertmanager: a pool silences its nodes, not another pool\'s', async () => {
    const from = notifications().length;
    const endsAt = new Date(Date.now() + 60_000).toISOString();
    const post = (labels: { [name: string]: string }) => ({ labels: { prometheus: 'monitoring/kps-prometheus', ...labels }, endsAt });
    const alerts = [
      post({ alertname: 'RavenEdgeNodePoolUnreachable', severity: 'warning', [POOL]: 'shop-b' }),
      post({ alertname: 'RavenEdgeNodeUnreachable', severity: 'info', node: 'b1', [POOL]: 'shop-b' }),
      post({ alertname: 'RavenEdgeNodeUnreachable', severity: 'info', node: 'c1', [POOL]: 'shop-c' }),
      post({ alertname: 'RavenEdgeExporterDown', severity: 'warning', node: 'b2', [POOL]: 'shop-b', job: 'node-exporter' }),
    ];
    const script = 'fetch(process.argv[1], { method: "POST", headers: { "Content-Type": "application/json" }, body: process.argv[2] })'
      + '.then((r) => process.stdout.write(String(r.status)))';
    expect(lab.run(process.execPath, ['-e', script, `http://${AM}/api/v2/alerts`, JSON.stringify(alerts)], 10_000).stdout).toBe('200');
    await waitFor('the posted alerts delivered', 30_000, () => (delivered(from).length >= 2 ? true : undefined), 500);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(delivered(from)).toEqual(['RavenEdgeNodePoolUnreachable{shop-b}', 'RavenEdgeNodeUnreachable{c1}']);
    const states = amAlerts().map((a) => `${a.labels.alertname}{${a.labels.node ?? a.labels[POOL]}}=${a.status.state}`).sort();
    expect(states).toEqual([
      'RavenEdgeExporterDown{b2}=suppressed',
      'RavenEdgeNodePoolUnreachable{shop-b}=active',
      'RavenEdgeNodeUnreachable{b1}=suppressed',
      'RavenEdgeNodeUnreachable{c1}=active',
    ]);
  }, 60_000);
});
