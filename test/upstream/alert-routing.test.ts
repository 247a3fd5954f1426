import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import * as YAML from 'yaml';
import { ExtraEdgeScrape, PrometheusConfig, RavenPrometheus, TargetDiscovery } from '../../src';
import { upstreamProgram } from '../support/upstream';
import { createWithStatus, nodeExporterPod, WithStatus } from './support/cluster-objects';
import { ControlPlane } from './support/control-plane';
import { EdgeSite } from './support/edge-link';
import { NetworkNamespace, printed, waitFor } from './support/netns';
import { operatorRuleFile } from './support/prometheus-rules';
import { RavenProxy } from './support/raven';

/**
 * The edge alerts end to end, on the real programs, with outages made as they happen in the field:
 * by cutting edge sites' uplinks.
 *
 * - A Kubernetes control plane (kube-apiserver, etcd) holds five edge Nodes in three node pools and a
 *   node-exporter pod on each, as kube-prometheus-stack's DaemonSet has them.
 * - The edge sites are network namespaces joined to the cloud's by emulated uplinks
 *   (support/edge-link.ts): pool `shop-a` is one shop whose two nodes share a router's uplink; the
 *   nodes of `shop-b` and `shop-c` each have an uplink of their own (a cellular modem per device).
 *   Each node runs node-exporter (the toolchain's, from its Go module) on :9100 and a small
 *   stand-in for a GPU exporter on :9400, on the node's own address.
 * - Raven's L7 proxy (the toolchain's raven-proxy, following raven v0.4.4's request path) listens on
 *   its Service's address in the cloud namespace, looks each node up in the API server and dials
 *   its InternalIP, which only the node's uplink reaches.
 * - Prometheus 3 runs as in a pod with the library's ServiceAccount and ClusterRole, discovers the
 *   nodes and pods from the API server with the library's ScrapeConfigs (as the operator renders
 *   them: `PrometheusConfig.renderScrapeConfig`, equal to prometheus-operator's code in
 *   operator-render.test.ts), scrapes every node by name through the proxy (DNS-free addressing, as
 *   RavenPrometheus does without a DNS strategy) and evaluates the library's rules, written as
 *   prometheus-operator's own code writes the PrometheusRule, beside kube-prometheus-stack's stock
 *   `TargetDown`.
 * - Alertmanager, configured with the library's kube-prometheus-stack values (a configuration of
 *   the test's own, the Raven inhibitions and the TargetDown route merged in), sends what is left
 *   to a webhook of the test.
 *
 * Only durations are changed: scrape and evaluation every second, `for:` of a few seconds.
 */

const NS = `al-routing-${process.pid}`;
const API = '127.0.0.7';
const ETCD = '127.0.0.8';
const PROXY_IP = '127.0.0.2';
const PROXY_CONTROL = '127.0.0.3';
const PROXY_HOST = 'x-raven-proxy-internal-svc.kube-system.svc';
const AM = '127.0.0.4:9093';
const HOOK = 'http://127.0.0.5:8080';
const PROM_IP = '127.0.0.1';
const PROM = `http://${PROM_IP}:9090`;
const NAMESPACE = 'monitoring';
const RELEASE = 'kps';
const POOL = 'apps_openyurt_io_nodepool';

interface EdgeNode { readonly name: string; readonly pool: string; readonly ip: string }
const NODES: EdgeNode[] = [
  { name: 'a1', pool: 'shop-a', ip: '192.168.31.1' }, { name: 'a2', pool: 'shop-a', ip: '192.168.31.2' },
  { name: 'b1', pool: 'shop-b', ip: '192.168.32.1' }, { name: 'b2', pool: 'shop-b', ip: '192.168.33.1' },
  { name: 'c1', pool: 'shop-c', ip: '192.168.34.1' },
];
/** The uplinks: one per site; a site's nodes share it. */
const SITES: Array<{ readonly name: string; readonly nodes: string[] }> = [
  { name: 'ar-shop-a', nodes: ['a1', 'a2'] },
  { name: 'ar-b1', nodes: ['b1'] },
  { name: 'ar-b2', nodes: ['b2'] },
  { name: 'ar-c1', nodes: ['c1'] },
];
const GPU_PORT = 9400;

/** The GPU exporter stand-in: one small HTTP server per address given, on port 9400. */
const GPU_EXPORTER_SCRIPT = `
const http = require('http');
const addresses = JSON.parse(process.argv[1]);
Promise.all(addresses.map((ip) => new Promise((resolve) => http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
  res.end('# TYPE DCGM_FI_DEV_GPU_UTIL gauge\\nDCGM_FI_DEV_GPU_UTIL{gpu="0"} 12\\n');
}).listen(${GPU_PORT}, ip, resolve)))).then(() => console.log('ready'));
`;

/** The webhook receiver: appends each notification, as one line, to a file. */
const HOOK_SCRIPT = `
const http = require('http');
const fs = require('fs');
const [address, file] = [process.argv[1], process.argv[2]];
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => { fs.appendFileSync(file, body.replace(/\\n/g, ' ') + '\\n'); res.end('ok'); });
}).listen(8080, address, () => console.log('ready'));
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
    release: RELEASE,
    kubeletEndpoints: [],
    extraScrapes: [EXTRA],
    // The lab's raven-proxy is given its ports directly (RavenProxy.start).
    addGatewayPorts: false,
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

/** An edge Node as the API server holds it once its kubelet has registered (created, then its status set). */
function nodeObject(n: EdgeNode): WithStatus {
  return {
    object: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: n.name,
        labels: {
          'openyurt.io/is-edge-worker': 'true',
          'apps.openyurt.io/nodepool': n.pool,
          'raven.openyurt.io/gateway': `gw-${n.pool}`,
          'kubernetes.io/hostname': n.name,
          'kubernetes.io/os': 'linux',
        },
      },
    },
    status: {
      addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: n.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    },
  };
}

/** kube-prometheus-stack's node-exporter pod on a node, Running, on the node's address (host network). */
function nodeExporterPodOn(n: EdgeNode): WithStatus {
  return {
    object: nodeExporterPod(n.name, NAMESPACE, RELEASE),
    status: { phase: 'Running', hostIP: n.ip, podIP: n.ip, podIPs: [{ ip: n.ip }], conditions: [{ type: 'Ready', status: 'True' }] },
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

/** What one outage delivered: firing and resolved alerts (`alertname{node or pool}`), and Alertmanager's alerts while it lasted. */
interface Outage { firing: string[]; resolved: string[]; am: any[] }

interface Notification { status: string; alerts: Array<{ status: string; labels: { [name: string]: string } }> }

describe('edge alerts through real Prometheus and Alertmanager, outages made by cutting edge uplinks', () => {
  const lab = new NetworkNamespace(NS);
  const hookFile = path.join(lab.dir, 'notifications.jsonl');
  const { manifests, stack } = buildStack();
  const sites = new Map<string, EdgeSite>();
  let plane: ControlPlane | undefined;
  let raven: RavenProxy;
  let amConfig: any;

  beforeAll(async () => {
    NetworkNamespace.checkPrerequisites();
    const hosts = `127.0.0.1\tlocalhost\n${PROXY_IP}\t${PROXY_HOST}\n`;
    lab.create([PROXY_IP, PROXY_CONTROL, '127.0.0.4', '127.0.0.5', '127.0.0.6', API, ETCD], { hosts, resolvConf: 'nameserver 127.0.0.1\n' });
    fs.writeFileSync(hookFile, '');
    plane = await ControlPlane.start(lab, { apiServer: API, etcd: ETCD });
    const admin = plane.admin;

    // The cluster: the edge Nodes and their node-exporter pods; Prometheus's ServiceAccount with the
    // library's ClusterRole and binding (what its Kubernetes discovery needs).
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    const binding = manifests.find((m) => m.kind === 'ClusterRoleBinding');
    const account = binding.subjects[0];
    expect(account.namespace).toBe(NAMESPACE);
    await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account.name, namespace: NAMESPACE } });
    for (const m of manifests.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')) {
      const applied = await admin.apply(m, 'cdk8s-raven-prometheus');
      if (applied.status >= 300) throw new Error(`applying ${m.kind} ${m.metadata.name}: ${JSON.stringify(applied.body)}`);
    }
    for (const n of NODES) {
      await createWithStatus(admin, nodeObject(n));
      await createWithStatus(admin, nodeExporterPodOn(n));
    }

    // The edge sites, their uplinks, and on each node its exporters, on the node's own address.
    for (const [i, s] of SITES.entries()) {
      const addresses = s.nodes.map((name) => NODES.find((n) => n.name === name)!.ip);
      const edge = await EdgeSite.create(lab, { name: s.name, index: 31 + i, nodeAddresses: addresses });
      sites.set(s.name, edge);
      for (const ip of addresses) {
        await edge.namespace.start(`node-exporter-${ip}`, upstreamProgram('node-exporter'), [`--web.listen-address=${ip}:9100`], async () => {
          await waitFor(`node-exporter on ${ip}`, 15_000, () => (lab.fetch(`http://${ip}:9100/metrics`).status === 200 ? true : undefined));
        });
      }
      await edge.namespace.start('gpu-exporter', process.execPath, ['-e', GPU_EXPORTER_SCRIPT, JSON.stringify(addresses)], printed('ready'));
    }

    // Raven's proxy on its Service's address, for the two HTTP ports; the cloud Gateway has only the
    // gateway node, so every edge node is a remote one, dialled at its InternalIP over its uplink.
    raven = await RavenProxy.start(lab, plane, {
      clusterIp: PROXY_IP,
      gatewayNode: { name: 'cloud-1', ip: '10.0.0.10' },
      gatewayName: 'gw-cloud',
      gatewayMembers: ['cloud-1'],
      httpPorts: [9100, GPU_PORT],
      httpsPorts: [],
      tunnel: {},
      control: `${PROXY_CONTROL}:18081`,
    });

    // Scrape jobs: the library's, as the operator renders them (Kubernetes discovery in-cluster).
    const jobs = manifests.filter((m) => m.kind === 'ScrapeConfig').map((scrape) => PrometheusConfig.renderScrapeConfig(scrape));
    expect(jobs.map((j) => j.kubernetes_sd_configs[0].role)).toEqual(['pod', 'node']);
    // The rules file as prometheus-operator writes it, by its own code.
    const ruleFile = operatorRuleFile(manifests.find((m) => m.kind === 'PrometheusRule')).file;
    expect(ruleFile.groups).toHaveLength(1);
    fs.writeFileSync(path.join(lab.dir, 'rules.yaml'), YAML.stringify(ruleFile));
    fs.writeFileSync(path.join(lab.dir, 'stock-rules.yaml'), YAML.stringify({ groups: [{ name: 'general.rules', rules: [STOCK_TARGET_DOWN] }] }));
    fs.writeFileSync(path.join(lab.dir, 'prometheus.yml'), YAML.stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s', external_labels: { prometheus: `${NAMESPACE}/${RELEASE}-prometheus` } },
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

    await lab.start('hook', process.execPath, ['-e', HOOK_SCRIPT, '127.0.0.5', hookFile], printed('ready'));
    await lab.start('alertmanager', upstreamProgram('alertmanager'), [
      `--config.file=${path.join(lab.dir, 'alertmanager.yml')}`, `--storage.path=${path.join(lab.dir, 'am-data')}`,
      `--web.listen-address=${AM}`, '--cluster.listen-address=',
    ], async () => { await waitFor('Alertmanager ready', 30_000, () => (lab.fetch(`http://${AM}/-/ready`).status === 200 ? true : undefined), 500); });
    await lab.start('prometheus', upstreamProgram('prometheus'), [
      `--config.file=${path.join(lab.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(lab.dir, 'prom-data')}`,
      `--web.listen-address=${PROM_IP}:9090`, '--rules.alert.resend-delay=1s',
    ], async () => { await waitFor('Prometheus ready', 30_000, () => (lab.fetch(`${PROM}/-/ready`).status === 200 ? true : undefined), 500); },
    undefined, { mounts: { '/var/run/secrets/kubernetes.io/serviceaccount': await plane.serviceAccountVolume(NAMESPACE, account.name) }, env: plane.inClusterEnv });
    await waitFor('every edge target up', 60_000, () => (query('count(up{scrape_via="raven"} == 1)') === 10 ? true : undefined), 500);
  }, 240_000);

  afterAll(async () => {
    for (const edge of sites.values()) await edge.destroy();
    await lab.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1');
  }, 60_000);

  function query(promql: string): number | undefined {
    const r = lab.fetch(`${PROM}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const result = r.body ? JSON.parse(r.body).data?.result : undefined;
    return result?.length === 1 ? Number(result[0].value[1]) : undefined;
  }

  function uplink(name: string): EdgeSite {
    return sites.get(name)!;
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
  async function outage(expected: string, stop: () => Promise<void>, start: () => Promise<void>): Promise<Outage> {
    const from = notifications().length;
    await stop();
    await waitFor(`${expected} delivered`, 60_000, () => (delivered(from).includes(expected) ? true : undefined), 500);
    // Every other alert has had more than its `for:` and Alertmanager's group_wait to show up.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const am = amAlerts();
    const firing = delivered(from);
    await start();
    await waitFor(`${expected} resolved`, 60_000, () => (delivered(from, 'resolved').includes(expected) ? true : undefined), 500);
    await waitFor('no edge alert left in Alertmanager', 60_000,
      () => (amAlerts().filter((a) => a.status.state === 'active' || a.status.state === 'suppressed').length === 0 ? true : undefined), 500);
    await waitFor('every edge target up again', 30_000, () => (query('count(up{scrape_via="raven"} == 1)') === 10 ? true : undefined), 500);
    return { firing, resolved: delivered(from, 'resolved'), am };
  }

  test('Alertmanager runs the merged configuration: the test\'s route and receiver, the Raven inhibitions, TargetDown of the library\'s services to null', () => {
    const status = JSON.parse(lab.fetch(`http://${AM}/api/v2/status`).body!);
    const loaded = YAML.parse(status.config.original);
    expect(loaded.inhibit_rules.map((r: any) => r.source_matchers)).toEqual(amConfig.inhibit_rules.map((r: any) => r.source_matchers));
    expect(loaded.route.routes[0]).toMatchObject({ receiver: 'null', matchers: ['alertname="TargetDown"', 'service=~"node-exporter-raven|dcgm-exporter-raven"'] });
  });

  test('Prometheus discovers the nodes from the API server and labels the targets as the library\'s relabelings do', () => {
    expect(query('count(up{scrape_via="raven", job="node-exporter", service="node-exporter-raven", node="a1", apps_openyurt_io_nodepool="shop-a", pod="kps-prometheus-node-exporter-a1"})')).toBe(1);
    expect(query('count(up{scrape_via="raven", job="dcgm-exporter", service="dcgm-exporter-raven", node="c1", apps_openyurt_io_nodepool="shop-c"})')).toBe(1);
    expect(query('count(node_uname_info{node="b2"})')).toBe(1);
  });

  test('every scrape reaches its node through Raven\'s proxy, by node name, and crosses the node\'s uplink', async () => {
    const answered = raven.routes().filter((r) => r.status === 200 && r.from === 'nodeName');
    for (const n of NODES) {
      expect(answered.filter((r) => r.node === n.name && r.upstream?.startsWith('GET /metrics ')).length).toBeGreaterThan(0);
    }
    for (const s of SITES) {
      const counters = await uplink(s.name).counters();
      // Each site's uplink carried its nodes' metrics: node-exporter's answer alone is tens of kilobytes.
      expect(counters.uplink.bytesOut).toBeGreaterThan(20_000);
    }
  });

  test('one node\'s uplink is cut: only the node alert is delivered; the stock TargetDown goes to the null receiver; restoring the link resolves it', async () => {
    const before = await uplink('ar-b1').counters();
    const result = await outage('RavenEdgeNodeUnreachable{b1}', () => uplink('ar-b1').cut(), () => uplink('ar-b1').restore());
    expect(result.firing).toEqual(['RavenEdgeNodeUnreachable{b1}']);
    expect(result.resolved).toEqual(['RavenEdgeNodeUnreachable{b1}']);
    // The proxy kept trying the node over the cut link: its connection attempts died there.
    expect((await uplink('ar-b1').counters()).downlink.droppedCut).toBeGreaterThan(before.downlink.droppedCut);
    const targetDown = result.am.filter((a) => a.labels.alertname === 'TargetDown');
    expect(targetDown.map((a) => [a.labels.service, a.receivers.map((r: any) => r.name)]).sort()).toEqual([
      ['dcgm-exporter-raven', ['null']], ['node-exporter-raven', ['null']],
    ]);
  }, 180_000);

  test('one shop\'s shared uplink is cut: only the pool alert is delivered, none of its nodes\'; restoring the link resolves it', async () => {
    const result = await outage('RavenEdgeNodePoolUnreachable{shop-a}', () => uplink('ar-shop-a').cut(), () => uplink('ar-shop-a').restore());
    expect(result.firing).toEqual(['RavenEdgeNodePoolUnreachable{shop-a}']);
    expect(result.resolved).toEqual(['RavenEdgeNodePoolUnreachable{shop-a}']);
  }, 180_000);

  test('Raven\'s proxy stops: only the tunnel alert is delivered, the stock TargetDown of the library\'s services is inhibited by it; starting it again resolves it', async () => {
    const result = await outage('RavenEdgeTunnelDown{}', () => raven.stop(), () => raven.resume());
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
    // Nodes and a pool of their own: Prometheus goes on sending the resolved alerts of the outages above
    // (for 15 minutes), which would end posted alerts with the same labels.
    const from = notifications().length;
    const endsAt = new Date(Date.now() + 60_000).toISOString();
    const post = (labels: { [name: string]: string }) => ({ labels: { prometheus: 'monitoring/kps-prometheus', ...labels }, endsAt });
    const alerts = [
      post({ alertname: 'RavenEdgeNodePoolUnreachable', severity: 'warning', [POOL]: 'shop-x' }),
      post({ alertname: 'RavenEdgeNodeUnreachable', severity: 'info', node: 'x1', [POOL]: 'shop-x' }),
      post({ alertname: 'RavenEdgeNodeUnreachable', severity: 'info', node: 'c1', [POOL]: 'shop-c' }),
      post({ alertname: 'RavenEdgeExporterDown', severity: 'warning', node: 'x2', [POOL]: 'shop-x', job: 'node-exporter' }),
    ];
    const script = 'fetch(process.argv[1], { method: "POST", headers: { "Content-Type": "application/json" }, body: process.argv[2] })'
      + '.then((r) => process.stdout.write(String(r.status)))';
    expect(lab.run(process.execPath, ['-e', script, `http://${AM}/api/v2/alerts`, JSON.stringify(alerts)], 10_000).stdout).toBe('200');
    await waitFor('the posted alerts delivered', 30_000, () => (delivered(from).length >= 2 ? true : undefined), 500);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(delivered(from)).toEqual(['RavenEdgeNodePoolUnreachable{shop-x}', 'RavenEdgeNodeUnreachable{c1}']);
    const states = amAlerts().map((a) => `${a.labels.alertname}{${a.labels.node ?? a.labels[POOL]}}=${a.status.state}`).sort();
    expect(states).toEqual([
      'RavenEdgeExporterDown{x2}=suppressed',
      'RavenEdgeNodePoolUnreachable{shop-x}=active',
      'RavenEdgeNodeUnreachable{c1}=active',
      'RavenEdgeNodeUnreachable{x1}=suppressed',
    ]);
  }, 60_000);
});
