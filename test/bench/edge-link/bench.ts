/**
 * What monitoring costs an edge node's uplink, on the real programs (run by run.js; needs root).
 *
 *   cloud namespace (bn-lab)                                   edge sites, one per node (bn-s10, bn-s30, bn-s110)
 *   127.0.0.2:6443 kube-apiserver, 127.0.0.3 etcd               192.168.20N.10:9100  node-exporter (default collectors)
 *   127.0.0.9:9090 Prometheus 3.16, as in a pod                 192.168.20N.10:10250 a TCP relay to the node's kubelet
 *   10.96.100.10   raven-proxy (:9100 HTTP, :10250 HTTPS)               (through a Unix socket, into the cloud namespace)
 *   10.250.0.4N:10250 the hollow kubelets (the kubelet's own code), registered with InternalIP 10.250.0.4N
 *   ==== edge link (upstream/edge-link) per site: every byte between the proxy and the node crosses it ====
 *
 * The proxy reaches a node's InternalIP 10.250.0.4N (the kubelet refuses a loopback node IP) at 192.168.20N.10 (its tunnel map), so every
 * scrape request and response crosses that site's emulated link, TCP and TLS handshakes included.
 * The kubelet process runs in the cloud namespace (it needs the API server, on loopback there): its
 * own API traffic (registration, status, TokenReview, SubjectAccessReview) never enters the link, so
 * the link's counters hold the scrapes alone. The relay ends the TCP connection in the edge
 * namespace as the kubelet would; its Unix socket leg is not on the link.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { RavenPrometheus, ScrapeProfile } from '../../../src';
import { operatorRender, withFilledTokenSecrets } from '../../support/operator-render';
import { toolchainPrometheusVersion } from '../../support/prometheus-tools';
import { upstreamProgram } from '../../support/upstream';
import { nodeExporterPod } from '../../upstream/support/cluster-objects';
import { ControlPlane } from '../../upstream/support/control-plane';
import { EdgeLinkCounters, EdgeSite } from '../../upstream/support/edge-link';
import { HollowKubelets } from '../../upstream/support/kubelet';
import { NetworkNamespace, printed, waitFor } from '../../upstream/support/netns';
import { RavenProxy } from '../../upstream/support/raven';

const REPO = path.resolve(__dirname, '..', '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = [10, 30, 110];
const REPS = QUICK ? 2 : 3;
const POOR_CYCLES = QUICK ? 10 : 50;
const NAMESPACE = 'monitor';
const RELEASE = 'kps';
const SERVICE_ACCOUNT = 'kps-kube-prometheus-stack-prometheus';
const PROXY_IP = '10.96.100.10';
const PROXY_NAMES = ['x-raven-proxy-internal-svc', 'x-raven-proxy-internal-svc.kube-system', 'x-raven-proxy-internal-svc.kube-system.svc', 'x-raven-proxy-internal-svc.kube-system.svc.cluster.local'];
const ADDR = { api: '127.0.0.2', etcd: '127.0.0.3', prometheus: '127.0.0.9', proxyControl: '127.0.0.12', gateway: '127.0.0.21' };
const PROM_URL = `http://${ADDR.prometheus}:9090`;
/** The node-exporter collectors kube-prometheus-stack's node dashboards and rules read. */
/** The library's edge profile: what it scrapes, and how often. */
const EDGE_PROFILE = ScrapeProfile.edgeLink();
const EDGE_COLLECTORS = EDGE_PROFILE.nodeExporterCollectors!;
const EDGE_INTERVAL_S = EDGE_PROFILE.scrapeInterval!.toSeconds();

interface Node {
  size: number;
  name: string;
  kubelet: string;
  edge: string;
  site?: EdgeSite;
}
const nodes: Node[] = SIZES.map((size, i) => ({ size, name: `edge-n${size}`, kubelet: `10.250.0.${40 + i}`, edge: `192.168.${200 + i}.10` }));

/** Prometheus 3.16's request for a scrape (scrape/scrape.go targetScraper.scrape, acceptHeader; config.DefaultScrapeProtocols). */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,application/openmetrics-text;version=0.0.1;q=0.6,'
  + 'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3';

interface Endpoint {
  key: string;
  port: number;
  path: string;
}
const ENDPOINTS: Endpoint[] = [
  { key: 'node-exporter /metrics', port: 9100, path: '/metrics' },
  { key: 'node-exporter /metrics?collect[]', port: 9100, path: `/metrics?${EDGE_COLLECTORS.map((c) => `collect%5B%5D=${c}`).join('&')}` },
  { key: 'kubelet /metrics', port: 10250, path: '/metrics' },
  { key: 'kubelet /metrics/cadvisor', port: 10250, path: '/metrics/cadvisor' },
  { key: 'kubelet /metrics/probes', port: 10250, path: '/metrics/probes' },
  { key: 'kubelet /metrics/resource', port: 10250, path: '/metrics/resource' },
];
/** Near-empty answers through the same path: what a request costs the link besides its body. */
const EMPTY: Endpoint[] = [
  { key: 'empty http', port: 9100, path: '/nonexistent' },
  { key: 'empty https', port: 10250, path: '/healthz' },
];

const lab = new NetworkNamespace('bn-lab');
let plane: ControlPlane;
let promVersion = '';
let token = '';
let saVolume = '';
const log = (line: string): void => {
  process.stderr.write(`[edge-link bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

// ---------------------------------------------------------------------------------------------
// The lab

async function setUp(): Promise<void> {
  NetworkNamespace.checkPrerequisites();
  promVersion = toolchainPrometheusVersion();
  const hosts = `127.0.0.1\tlocalhost\n${PROXY_IP}\t${[...PROXY_NAMES, ...nodes.map((n) => n.name)].join(' ')}\n`;
  // The cluster DNS is not modelled: the names resolve as the library's tunnel-nodes hosts block answers them (to the proxy).
  lab.create([...Object.values(ADDR), PROXY_IP], { hosts, resolvConf: 'nameserver 127.0.0.53\n' });
  plane = await ControlPlane.start(lab, { apiServer: ADDR.api, etcd: ADDR.etcd });
  const admin = plane.admin;
  await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SERVICE_ACCOUNT, namespace: NAMESPACE } });
  for (const m of libraryChart({}).filter((o) => o.kind.startsWith('ClusterRole'))) {
    const applied = await admin.apply(m, 'cdk8s-raven-prometheus');
    if (applied.status >= 300) throw new Error(`applying ${m.kind} ${m.metadata.name}: ${JSON.stringify(applied.body)}`);
  }
  token = await admin.serviceAccountToken(NAMESPACE, SERVICE_ACCOUNT);
  saVolume = await plane.serviceAccountVolume(NAMESPACE, SERVICE_ACCOUNT);

  for (const [i, n] of nodes.entries()) {
    n.site = await EdgeSite.create(lab, { name: `bn-s${n.size}`, index: 201 + i, nodeAddresses: [n.edge] });
  }
  log('control plane and edge links up; starting the kubelets');
  // Pods: N in all, 1 container each (plus its sandbox): the program's app pods, kube-prometheus-stack's
  // node-exporter pod (what the library's node-exporter scrape discovers), and fillers past the
  // program's 100.
  for (const n of nodes) {
    await admin.create(nodeExporterPod(n.name, NAMESPACE, RELEASE));
    for (let i = 0; i < Math.max(0, n.size - 1 - 100); i++) await admin.create(fillerPod(n.name, i));
  }
  const edgeLabels = { 'openyurt.io/is-edge-worker': 'true', 'apps.openyurt.io/nodepool': 'edge', 'raven.openyurt.io/gateway': 'gw-edge' };
  const kubelets = await HollowKubelets.start(plane, nodes.map((n) => ({
    name: n.name, address: n.kubelet, labels: edgeLabels, pods: Math.min(100, n.size - 1), containersPerPod: 1,
  })), { deadlineMs: 240_000 });
  log(`kubelets ready after ${kubelets.startupMs} ms`);
  await waitFor('every pod Running', 120_000, async () => {
    const pods = await admin.must('GET', '/api/v1/pods');
    const running = (name: string) => pods.items.filter((p: any) => p.spec.nodeName === name && p.status?.phase === 'Running').length;
    return nodes.every((n) => running(n.name) === n.size) ? true : undefined;
  }, 2_000);

  await RavenProxy.start(lab, plane, {
    clusterIp: PROXY_IP,
    gatewayNode: { name: 'cloud-1', ip: ADDR.gateway },
    gatewayName: 'gw-cloud',
    gatewayMembers: ['cloud-1'],
    httpPorts: [9100],
    httpsPorts: [10250],
    tunnel: Object.fromEntries(nodes.map((n) => [n.kubelet, n.edge])),
    control: `${ADDR.proxyControl}:18081`,
  });
  const relay = 'const net = require("net");'
    + 'net.createServer((c) => { const u = net.connect(process.argv[1]);'
    + ' c.pipe(u); u.pipe(c); c.on("error", () => u.destroy()); u.on("error", () => c.destroy()); })'
    + '.listen(Number(process.argv[3]), process.argv[2], () => console.log("ready"));';
  for (const n of nodes) {
    const edge = n.site!.namespace;
    await edge.start('node-exporter', upstreamProgram('node-exporter'), [`--web.listen-address=${n.edge}:9100`], async () => {
      await waitFor('node-exporter to answer', 15_000, () => (lab.fetch(`http://${n.edge}:9100/metrics`).status === 200 ? true : undefined));
    });
    const socket = await lab.socketTo(n.kubelet, 10250);
    await edge.start('kubelet-relay', process.execPath, ['-e', relay, socket, n.edge, '10250'], printed('ready'));
  }
  proxySockets.set(9100, await lab.socketTo(PROXY_IP, 9100));
  proxySockets.set(10250, await lab.socketTo(PROXY_IP, 10250));
  let statuses = '';
  await waitFor('the kubelets to admit the proxy', 60_000, async () => {
    const answers = await Promise.all(nodes.map((n) => scrapeOnce(n, EMPTY[1], true, false).catch((e: Error) => ({ status: e.message }))));
    statuses = answers.map((a) => a.status).join(', ');
    return answers.every((a) => a.status === 200) ? true : undefined;
  }, 2_000).catch((e: Error) => {
    throw new Error(`${e.message}: ${statuses}\nraven-proxy:\n${lab.tail('raven-proxy', 10)}`);
  });
}

function fillerPod(nodeName: string, i: number): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${nodeName}-extra-${String(i).padStart(2, '0')}`, namespace: 'default', labels: { 'app.kubernetes.io/name': 'hollow-extra' } },
    spec: {
      nodeName,
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '32Mi' } } }],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 1: one scrape at a time through the proxy and the link, with Prometheus's request

const proxySockets = new Map<number, string>();

interface Scrape {
  status: number;
  bodyBytes: number;
  encoding?: string;
  down: number;
  up: number;
  framesDown: number;
  framesUp: number;
  ms: number;
}

/** Prometheus's scrape request, as raven-proxy receives it, with the link's counters around it. */
async function scrapeOnce(n: Node, e: Endpoint, gzip: boolean, withToken: boolean, countLink = false): Promise<Scrape> {
  const before = countLink ? await n.site!.counters() : undefined;
  const started = Date.now();
  const headers: { [k: string]: string } = {
    'User-Agent': `Prometheus/${promVersion}`,
    'Accept': PROMETHEUS_ACCEPT,
    'Accept-Encoding': gzip ? 'gzip' : 'identity',
    'X-Prometheus-Scrape-Timeout-Seconds': '10',
  };
  if (withToken) headers.Authorization = `Bearer ${token}`;
  const answer = await new Promise<{ status: number; bodyBytes: number; encoding?: string }>((resolve, reject) => {
    const req = http.request({
      path: e.path,
      method: 'GET',
      headers: { Host: `${n.name}:${e.port}`, ...headers },
      timeout: 60_000,
      // No agent: one connection per request, made here (into the lab's namespace, to the proxy).
      createConnection: () => (e.port === 10250
        ? tls.connect({ path: proxySockets.get(e.port)!, servername: PROXY_NAMES[2], rejectUnauthorized: false })
        : net.connect(proxySockets.get(e.port)!)),
    }, (res) => {
      let bodyBytes = 0;
      res.on('data', (c: Buffer) => { bodyBytes += c.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bodyBytes, encoding: res.headers['content-encoding'] }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${e.path} on ${n.name} timed out`)));
    req.on('error', reject);
    req.end();
  });
  const ms = Date.now() - started;
  if (!before) return { ...answer, down: 0, up: 0, framesDown: 0, framesUp: 0, ms };
  // The proxy closes its connection to the node after the response: let the FIN/ACK exchange cross too.
  await sleep(150);
  const after = await n.site!.counters();
  return {
    ...answer,
    down: after.downlink.bytesOut - before.downlink.bytesOut,
    up: after.uplink.bytesOut - before.uplink.bytesOut,
    framesDown: after.downlink.framesOut - before.downlink.framesOut,
    framesUp: after.uplink.framesOut - before.uplink.framesOut,
    ms,
  };
}

interface EndpointCost {
  node: string;
  pods: number;
  endpoint: string;
  /** gzip as Prometheus asks, without a bearer token (the library's default). */
  gzip: { bodyBytes: number; down: number; up: number; total: number; payload: number };
  /** gzip with the recipe's bearer token. */
  gzipWithToken: { down: number; up: number; total: number };
  identity: { bodyBytes: number; down: number; up: number; total: number };
  gzipRatio: number;
  ms: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(n: Node, e: Endpoint, gzip: boolean, withToken: boolean): Promise<Scrape> {
  const runs: Scrape[] = [];
  for (let i = 0; i < REPS; i++) {
    const s = await scrapeOnce(n, e, gzip, withToken, true);
    if (s.status !== 200 && !e.key.startsWith('empty')) throw new Error(`${n.name} ${e.key}: HTTP ${s.status}`);
    runs.push(s);
  }
  const pick = (f: (s: Scrape) => number) => median(runs.map(f));
  return {
    status: runs[0].status,
    encoding: runs[0].encoding,
    bodyBytes: pick((s) => s.bodyBytes),
    down: pick((s) => s.down),
    up: pick((s) => s.up),
    framesDown: pick((s) => s.framesDown),
    framesUp: pick((s) => s.framesUp),
    ms: pick((s) => s.ms),
  };
}

interface EmptyCost {
  down: number;
  up: number;
  bodyBytes: number;
  status: number;
}

async function phaseOne(): Promise<{ costs: EndpointCost[]; empty: { [key: string]: EmptyCost } }> {
  const costs: EndpointCost[] = [];
  const empty: { [key: string]: EmptyCost } = {};
  // A near-empty answer's cost on each port (the 30-pod node's link; it does not depend on the node).
  for (const e of EMPTY) {
    const s = await measure(nodes[1], e, true, false);
    empty[e.key] = { down: s.down, up: s.up, bodyBytes: s.bodyBytes, status: s.status };
  }
  for (const n of nodes) {
    for (const e of ENDPOINTS) {
      const g = await measure(n, e, true, false);
      const t = e.port === 10250 ? await measure(n, e, true, true) : g;
      const id = await measure(n, e, false, false);
      const base = empty[e.port === 10250 ? 'empty https' : 'empty http'];
      const overhead = base.down + base.up - base.bodyBytes;
      costs.push({
        node: n.name,
        pods: n.size,
        endpoint: e.key,
        gzip: { bodyBytes: g.bodyBytes, down: g.down, up: g.up, total: g.down + g.up, payload: g.down + g.up - overhead },
        gzipWithToken: { down: t.down, up: t.up, total: t.down + t.up },
        identity: { bodyBytes: id.bodyBytes, down: id.down, up: id.up, total: id.down + id.up },
        gzipRatio: id.bodyBytes / g.bodyBytes,
        ms: g.ms,
      });
      log(`${n.name} ${e.key}: gzip body ${g.bodyBytes} B (${(id.bodyBytes / g.bodyBytes).toFixed(1)}x), link ${g.down} down + ${g.up} up`);
    }
  }
  return { costs, empty };
}

// ---------------------------------------------------------------------------------------------
// The three profiles, as prometheus-operator renders them

function libraryChart(props: { edge?: boolean }): any[] {
  const chart = new Chart(new App({ outdir: path.join(os.tmpdir(), 'bn-nonexistent-outdir') }), props.edge ? 'edge' : 'default', { namespace: NAMESPACE });
  new RavenPrometheus(chart, 'raven', {
    release: RELEASE,
    serviceAccountName: SERVICE_ACCOUNT,
    ...(props.edge ? { profile: EDGE_PROFILE } : {}),
  });
  return chart.toJson();
}

function recipeObjects(): any[] {
  const dir = path.join(REPO, 'test', 'fixtures', 'recipe');
  return ['node-exporter-raven.yaml', 'kubelet-raven.yaml', 'prometheus-token-secret.yaml']
    .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJSON()))
    .filter((o) => o && o.kind)
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: NAMESPACE } }));
}

type Profile = 'recipe' | 'default' | 'edge';
const PROFILES: Profile[] = ['recipe', 'default', 'edge'];

function rendered(profile: Profile): any[] {
  const objects = profile === 'recipe' ? recipeObjects() : libraryChart({ edge: profile === 'edge' });
  const rootCa = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: NAMESPACE }, data: { 'ca.crt': plane.ca.cert } };
  const out = operatorRender([...withFilledTokenSecrets(objects.filter((o) => o.metadata?.namespace === NAMESPACE || o.kind === 'Secret'), token), rootCa],
    { prometheusVersion: `v${promVersion}` });
  if (!out.ok || out.scrapeConfigs.length === 0) throw new Error(`the operator refused the ${profile} profile: ${out.stderr}`);
  return out.scrapeConfigs;
}

/** Which measured endpoint a rendered scrape configuration scrapes, and how often (the global interval is 30 s). */
function jobCosts(config: any): { endpoint: string; intervalS: number; token: boolean } {
  const metricsPath = config.metrics_path ?? '/metrics';
  const https = (config.scheme ?? 'http').toLowerCase() === 'https';
  const endpoint = https ? `kubelet ${metricsPath}` : (config.params?.['collect[]'] ? 'node-exporter /metrics?collect[]' : 'node-exporter /metrics');
  return { endpoint, intervalS: seconds(config.scrape_interval ?? '30s'), token: config.authorization !== undefined || config.bearer_token !== undefined };
}

function seconds(d: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** Each job marked with its profile and node, so that the three profiles can run side by side in one Prometheus. */
function marked(profile: Profile, configs: any[]): any[] {
  return configs.map((c) => ({
    ...c,
    job_name: `${profile}/${c.job_name}`,
    relabel_configs: [...(c.relabel_configs ?? []),
      { target_label: 'bench_profile', replacement: profile, action: 'replace' },
      { target_label: 'bench_pool', replacement: `${profile}/${c.job_name}`, action: 'replace' },
      { source_labels: ['__address__', '__param_nodeName'], regex: '([^:;]+):[0-9]+;(.*)', replacement: '$1$2', target_label: 'bench_node_raw', action: 'replace' }],
  }));
}

// ---------------------------------------------------------------------------------------------
// Prometheus, as in a pod

async function startPrometheus(label: string, scrapeConfigs: any[], global: any): Promise<import('child_process').ChildProcess> {
  const dir = path.join(lab.dir, label);
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const certs = path.join(dir, 'certs');
  fs.mkdirSync(certs, { recursive: true });
  for (const c of scrapeConfigs) {
    const file = c.tls_config?.ca_file;
    if (typeof file === 'string') fs.writeFileSync(path.join(certs, path.basename(file)), plane.ca.cert);
  }
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), YAML.stringify({ global, scrape_configs: scrapeConfigs }));
  return lab.start(`prometheus-${label}`, upstreamProgram('prometheus'), [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=${ADDR.prometheus}:9090`,
  ], async () => {
    await waitFor('Prometheus to be ready', 30_000, () => (lab.fetch(`${PROM_URL}/-/ready`).status === 200 ? true : undefined));
  }, undefined, {
    mounts: { '/var/run/secrets/kubernetes.io/serviceaccount': saVolume, '/etc/prometheus/certs': certs },
    env: plane.inClusterEnv,
  });
}

function query(q: string, atSeconds?: number): any[] {
  const at = atSeconds === undefined ? '' : `&time=${atSeconds.toFixed(3)}`;
  const answer = lab.fetch(`${PROM_URL}/api/v1/query?query=${encodeURIComponent(q)}${at}`, 15_000);
  if (answer.status !== 200 || !answer.body) throw new Error(`query ${q}: ${answer.status ?? answer.error}`);
  return JSON.parse(answer.body).data.result;
}

function activeTargets(): any[] {
  const answer = lab.fetch(`${PROM_URL}/api/v1/targets?state=active`, 15_000);
  return answer.status === 200 && answer.body ? JSON.parse(answer.body).data.activeTargets : [];
}

/** The node a target belongs to: its Host (node-name addressing) or its nodeName parameter. */
function nodeOf(labels: { [k: string]: string }): string {
  return nodes.find((n) => labels.bench_node_raw?.includes(n.name))?.name ?? '?';
}

interface SeriesRow {
  profile: Profile;
  node: string;
  pool: string;
  endpoint: string;
  scraped: number;
  ingested: number;
  bodyBytes: number;
}

/** Phase 2: the three profiles' rendered configurations in real Prometheus: series ingested per scrape after relabeling. */
async function phaseTwo(renderedProfiles: { [p: string]: any[] }): Promise<SeriesRow[]> {
  const all = PROFILES.flatMap((p) => marked(p, renderedProfiles[p]));
  const prom = await startPrometheus('profiles', all, { scrape_interval: '30s', scrape_timeout: '10s', evaluation_interval: '30s', extra_scrape_metrics: true });
  try {
    const expected = PROFILES.reduce((sum, p) => sum + renderedProfiles[p].length, 0) * nodes.length;
    let last: any[] = [];
    await waitFor('every target of every profile scraped once', (EDGE_INTERVAL_S + 45) * 1000, () => {
      last = activeTargets();
      return last.length === expected && last.every((t) => t.health === 'up') ? true : undefined;
    }, 1_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${last.filter((t) => t.health !== 'up').map((t) => `${t.health} ${t.scrapePool} ${t.scrapeUrl} ${t.lastError}`).join('\n')}`);
    });
    const value = (name: string) => new Map(query(name).map((r: any) => [`${r.metric.bench_pool}|${nodeOf(r.metric)}`, Number(r.value[1])]));
    const ingested = value('scrape_samples_post_metric_relabeling');
    const scraped = value('scrape_samples_scraped');
    const body = value('scrape_body_size_bytes');
    const rows: SeriesRow[] = [];
    for (const p of PROFILES) {
      for (const c of renderedProfiles[p]) {
        const pool = `${p}/${c.job_name}`;
        for (const n of nodes) {
          const key = `${pool}|${n.name}`;
          rows.push({
            profile: p,
            node: n.name,
            pool,
            endpoint: jobCosts(c).endpoint,
            scraped: scraped.get(key) ?? NaN,
            ingested: ingested.get(key) ?? NaN,
            bodyBytes: body.get(key) ?? NaN,
          });
        }
      }
    }
    return rows;
  } finally {
    await lab.stop(prom);
  }
}

/** Phase 3: the library's default stack on a poor link (300 ms RTT, 1% loss each way, 2 Mbit/s each way). */
interface PoorLinkResult {
  success: number;
  scrapes: number;
  cycles: number;
  perTarget: { pool: string; node: string; scrapes: number; up: number; maxDurationS: number }[];
  intervalS: number;
  bytesPerCycle: { [node: string]: number };
  seconds: number;
  /** Prometheus's scrape failure log: one line per failed scrape, with its error. */
  failures: string[];
}

async function phaseThree(defaultConfigs: any[]): Promise<PoorLinkResult> {
  const poor = { delayMs: 150, jitterMs: 0, loss: 0.01, rateBitsPerSecond: 2_000_000 };
  for (const n of nodes) await n.site!.setLink({ downlink: poor, uplink: poor });
  // Every job at the shortest interval the stack configures (cAdvisor's), its timeout as configured
  // (the global 10 s): the cycles come faster than in the field, so the link is busier, not idler.
  const intervalS = Math.min(...defaultConfigs.map((c) => jobCosts(c).intervalS));
  const configs = marked('default', defaultConfigs).map((c) => ({ ...c, scrape_interval: `${intervalS}s` }));
  const before = await Promise.all(nodes.map((n) => n.site!.counters()));
  const started = Date.now();
  // Prometheus writes every failed scrape, with its error, to this file.
  const failureLog = path.join(lab.dir, 'poor-link-failures.log');
  const prom = await startPrometheus('poor-link', configs,
    { scrape_interval: '30s', scrape_timeout: '10s', evaluation_interval: '30s', scrape_failure_log_file: failureLog });
  try {
    const perCycle = Math.ceil(POOR_CYCLES / nodes.length);
    const windowS = perCycle * intervalS + intervalS + 5;
    log(`poor link: ${configs.length} endpoints x ${nodes.length} nodes every ${intervalS} s for ${windowS} s`);
    await sleep(windowS * 1000);
    // Every query at one instant over one window, so that the counts and the sums cover the same scrapes.
    const at = Date.now() / 1000;
    const w = `${Math.round((Date.now() - started) / 1000)}s`;
    const byTarget = (q: string) => new Map(query(q, at).map((r: any) => [`${r.metric.bench_pool}|${r.metric.bench_node_raw}`, Number(r.value[1])]));
    const ups = byTarget(`sum_over_time(up[${w}])`);
    const durations = byTarget(`max_over_time(scrape_duration_seconds[${w}])`);
    const perTarget = query(`count_over_time(up[${w}])`, at).map((r: any) => {
      const key = `${r.metric.bench_pool}|${r.metric.bench_node_raw}`;
      return {
        pool: r.metric.bench_pool,
        node: nodeOf(r.metric),
        scrapes: Number(r.value[1]),
        up: ups.get(key) ?? 0,
        maxDurationS: durations.get(key) ?? NaN,
      };
    });
    const scrapes = perTarget.reduce((s, t) => s + t.scrapes, 0);
    const up = perTarget.reduce((s, t) => s + t.up, 0);
    const after = await Promise.all(nodes.map((n) => n.site!.counters()));
    const cycles = Math.min(...perTarget.map((t) => t.scrapes));
    const bytesPerCycle: { [node: string]: number } = {};
    nodes.forEach((n, i) => {
      const scrapesOfNode = perTarget.filter((t) => t.node === n.name);
      const c = Math.min(...scrapesOfNode.map((t) => t.scrapes));
      bytesPerCycle[n.name] = Math.round(linkBytes(before[i], after[i]) / c);
    });
    const elapsedS = (Date.now() - started) / 1000;
    const failures = fs.existsSync(failureLog) ? fs.readFileSync(failureLog, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
    return { success: up / scrapes, scrapes, cycles: cycles * nodes.length, perTarget, intervalS, bytesPerCycle, seconds: elapsedS, failures };
  } finally {
    await lab.stop(prom);
  }
}

function linkBytes(a: EdgeLinkCounters, b: EdgeLinkCounters): number {
  return b.downlink.bytesOut - a.downlink.bytesOut + b.uplink.bytesOut - a.uplink.bytesOut;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Per node per hour and per day

interface ProfileCost {
  profile: Profile;
  node: string;
  pods: number;
  bytesPerHour: number;
  mbPerDay: number;
  series: number;
  jobs: { endpoint: string; intervalS: number; bytesPerScrape: number; overheadPerScrape: number; bytesPerHour: number; series: number }[];
}

function profileCosts(renderedProfiles: { [p: string]: any[] }, costs: EndpointCost[], empty: { [k: string]: EmptyCost },
  series: SeriesRow[]): ProfileCost[] {
  const out: ProfileCost[] = [];
  for (const p of PROFILES) {
    for (const n of nodes) {
      const jobs = renderedProfiles[p].map((c) => {
        const j = jobCosts(c);
        const cost = costs.find((x) => x.node === n.name && x.endpoint === j.endpoint);
        if (!cost) throw new Error(`no measurement for ${j.endpoint}`);
        const bytesPerScrape = j.token ? cost.gzipWithToken.total : cost.gzip.total;
        const base = empty[j.endpoint.startsWith('kubelet') ? 'empty https' : 'empty http'];
        const s = series.find((r) => r.pool === `${p}/${c.job_name}` && r.node === n.name);
        return {
          endpoint: j.endpoint,
          intervalS: j.intervalS,
          bytesPerScrape,
          overheadPerScrape: base.down + base.up - base.bodyBytes,
          bytesPerHour: bytesPerScrape * 3600 / j.intervalS,
          series: s?.ingested ?? NaN,
        };
      });
      const bytesPerHour = jobs.reduce((s, j) => s + j.bytesPerHour, 0);
      const ingestedSeries = jobs.reduce((s, j) => s + j.series, 0);
      out.push({ profile: p, node: n.name, pods: n.size, bytesPerHour, mbPerDay: bytesPerHour * 24 / 1e6, series: ingestedSeries, jobs });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  try {
    await setUp();
    log(`lab ready after ${Math.round((Date.now() - started) / 1000)} s`);
    const { costs, empty } = await phaseOne();
    const renderedProfiles: { [p: string]: any[] } = Object.fromEntries(PROFILES.map((p) => [p, rendered(p)]));
    log('phase 2: the three profiles in Prometheus');
    const series = await phaseTwo(renderedProfiles);
    log('phase 3: the default stack on a poor link');
    const poor = await phaseThree(renderedProfiles.default);
    report(costs, empty, series, poor, renderedProfiles, (Date.now() - started) / 1000);
  } finally {
    for (const n of nodes) await n.site?.destroy().catch(() => undefined);
    await lab.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1');
  }
}

function report(costs: EndpointCost[], empty: { [k: string]: EmptyCost }, series: SeriesRow[], poor: PoorLinkResult,
  renderedProfiles: { [p: string]: any[] }, runS: number): void {
  const profiles = profileCosts(renderedProfiles, costs, empty, series);
  const kb = (b: number) => (b / 1000).toFixed(1);
  const out: string[] = [];
  out.push(`edge-link bench: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, Prometheus ${promVersion}, ${new Date().toISOString()}`);
  out.push('');
  out.push('Per scrape, through raven-proxy and the edge link (frames both ways; gzip as Prometheus asks; medians of ' + REPS + '):');
  out.push('| node | endpoint | body raw KB | body gzip KB | gzip ratio | link KB gzip (down+up) | of which handshake etc. KB | link KB raw |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const c of costs) {
    out.push(`| ${c.pods} pods | ${c.endpoint} | ${kb(c.identity.bodyBytes)} | ${kb(c.gzip.bodyBytes)} | ${c.gzipRatio.toFixed(1)} | ${kb(c.gzip.down)}+${kb(c.gzip.up)} | ${kb(c.gzip.total - c.gzip.payload)} | ${kb(c.identity.total)} |`);
  }
  out.push(`Near-empty answers (the cost of a request besides its body): HTTP ${empty['empty http'].down}+${empty['empty http'].up} B (body ${empty['empty http'].bodyBytes} B), `
    + `HTTPS (TLS to the node with the proxy's client certificate) ${empty['empty https'].down}+${empty['empty https'].up} B (body ${empty['empty https'].bodyBytes} B).`);
  out.push('');
  out.push('MB per node per day (series ingested per node per scrape cycle):');
  out.push('| profile | 10 pods | 30 pods | 110 pods |');
  out.push('|---|---:|---:|---:|');
  for (const p of PROFILES) {
    const row = profiles.filter((x) => x.profile === p);
    out.push(`| ${p} | ${row.map((r) => `${r.mbPerDay.toFixed(1)} MB (${r.series} series)`).join(' | ')} |`);
  }
  out.push('');
  out.push('What the bytes go to, 30 pods, per hour:');
  for (const p of profiles.filter((x) => x.pods === 30)) {
    out.push(`  ${p.profile}: ${p.jobs.map((j) => `${j.endpoint} every ${j.intervalS}s ${kb(j.bytesPerHour)} KB/h (${Math.round(100 * j.overheadPerScrape / j.bytesPerScrape)}% handshake etc.)`).join('; ')}`);
  }
  out.push(`Poor link (300 ms RTT, 1% loss, 2 Mbit/s each way; default stack every ${poor.intervalS} s, timeout 10 s): ${poor.scrapes} scrapes, `
    + `${poor.cycles} node cycles (every endpoint of a node once) in ${poor.seconds.toFixed(0)} s; link bytes per cycle `
    + `${Object.entries(poor.bytesPerCycle).map(([n, b]) => `${n} ${kb(b)} KB`).join(', ')}`);
  for (const n of nodes) {
    const of = poor.perTarget.filter((t) => t.node === n.name);
    out.push(`  ${n.name}: ${of.map((t) => `${t.pool.replace('default/scrapeConfig/monitor/', '')} ${t.up}/${t.scrapes} up, slowest ${t.maxDurationS.toFixed(2)} s`).join('; ')}`);
  }
  for (const f of poor.failures) out.push(`  failed: ${f}`);
  const at30 = (p: Profile) => profiles.find((x) => x.profile === p && x.pods === 30)!;
  out.push('');
  out.push(`tunnel-bytes-vs-recipe: ${(at30('edge').bytesPerHour / at30('recipe').bytesPerHour).toFixed(2)}`);
  out.push(`tunnel-bytes-default-vs-recipe: ${(at30('default').bytesPerHour / at30('recipe').bytesPerHour).toFixed(2)}`);
  out.push(`series-vs-recipe: ${(at30('edge').series / at30('recipe').series).toFixed(2)}`);
  out.push(`scrape-success-poor-link: ${poor.success.toFixed(3)}`);
  process.stdout.write(`${out.join('\n')}\n`);

  const json = {
    machine: {
      cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)), node: process.version,
    },
    date: new Date().toISOString(),
    runSeconds: Math.round(runS),
    prometheus: promVersion,
    podsPerNode: 'N pods of 1 container each (plus its sandbox), node-exporter\'s pod among them',
    edgeProfile: { intervalSeconds: EDGE_INTERVAL_S, kubeletEndpoints: ['/metrics', '/metrics/cadvisor'], nodeExporterCollectors: EDGE_COLLECTORS },
    perScrape: costs,
    nearEmpty: empty,
    series,
    profiles,
    poorLink: poor,
    ratios: {
      tunnelBytesVsRecipe: at30('edge').bytesPerHour / at30('recipe').bytesPerHour,
      tunnelBytesDefaultVsRecipe: at30('default').bytesPerHour / at30('recipe').bytesPerHour,
      seriesVsRecipe: at30('edge').series / at30('recipe').series,
      scrapeSuccessPoorLink: poor.success,
    },
  };
  const file = process.env.BENCH_EDGE_JSON ?? path.join(REPO, 'test', 'bench', 'edge-link', 'results.json');
  fs.writeFileSync(file, `${JSON.stringify(json, undefined, 2)}\n`);
  log(`results written to ${path.relative(REPO, file)}`);
}

main().catch((e) => {
  process.stderr.write(`edge-link bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
