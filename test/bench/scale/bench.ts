/**
 * Many edge nodes through one Raven proxy, scraped by a Prometheus of two shards (run by run.js; needs root).
 *
 *   lab namespace (scl-lab), loopback only
 *   127.0.0.2:6443 kube-apiserver, 127.0.0.3 etcd
 *   127.0.0.9:9090, 127.0.0.10:9090  Prometheus 3.16, shards 0 and 1, as in pods (the operator's configuration for spec.shards: 2)
 *   127.0.0.11:9090                  Prometheus, the same configuration keeping no target (the baseline for memory)
 *   10.96.100.10   raven-proxy (:9100 HTTP, :10250 HTTPS), the only way to a node
 *   10.96.0.10:53  CoreDNS with the library's edited Corefile and the tunnel-nodes volume (DNS phase only)
 *   10.251.0.N     edge node N: its hollow kubelet (the kubelet's own code, v1.36.3) on :10250 and its
 *                  node-exporter 1.12.1 on :9100, the node's InternalIP
 *
 * Two phases:
 * 1. DNS: CoreDNS answers node names from a tunnel-nodes file of 5,000 lines and from the lab's own small
 *    one, in alternating rounds of the same process (the hosts plugin reloads the file), one query at a
 *    time: p50 and p99 of each, and their ratio.
 * 2. Scrapes: every node registered by its kubelet, its pods running, the library's default stack
 *    (DNS-free: every target is the proxy Service with ?nodeName=) rendered by prometheus-operator's
 *    code for `spec.shards: 2`, run as two Prometheus shards (the config reloader's `$(SHARD)`
 *    substituted); after a warm-up, a window of whole scrape intervals: scrapes through the proxy,
 *    success (`up`), the nodes each shard kept, series per node, memory of the shards against the
 *    baseline Prometheus, CPU of every program.
 *
 * Unlike raven, which reads Nodes and Gateways from controller-runtime's cache (pkg/engine/engine.go
 * `manager.GetClient()`), raven-proxy asks the API server for them on every request: its CPU per
 * scrape is an upper bound of raven's.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { CoreDnsDeployment, Corefile, DnsStrategy, NodeAddressing, RavenPrometheus } from '../../../src';
import { operatorRender, withFilledTokenSecrets } from '../../support/operator-render';
import { toolchainPrometheusVersion } from '../../support/prometheus-tools';
import { upstreamProgram } from '../../support/upstream';
import { nodeExporterPod } from '../../upstream/support/cluster-objects';
import { ControlPlane } from '../../upstream/support/control-plane';
import { addLoopbackAddresses, coreDnsServiceAccount, startCoreDns, TunnelNodesVolume, tunnelNodesText } from '../../upstream/support/coredns';
import { HollowKubelets } from '../../upstream/support/kubelet';
import { NetworkNamespace, waitFor } from '../../upstream/support/netns';
import { RAVEN_PROXY_SERVICE_NAMES, RavenProxy } from '../../upstream/support/raven';

const REPO = path.resolve(__dirname, '..', '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const NODES = intFromEnv('SCALE_NODES', QUICK ? 10 : 50, 2, 250);
const PODS = intFromEnv('SCALE_PODS', 30, 2, 110);
/** Whole scrape intervals measured after the warm-up. */
const CYCLES = intFromEnv('SCALE_CYCLES', QUICK ? 2 : 5, 1, 100);
const SHARDS = 2;
/** Scrape intervals measured with the stack addressed by node name. */
const BY_NAME_CYCLES = QUICK ? 1 : 2;
const DNS_BIG_LINES = 5000;
/** Rounds per variant, alternating (small, big, big, small, ...), and queries per round. */
const DNS_ROUNDS = QUICK ? 2 : 6;
const DNS_QUERIES = QUICK ? 1000 : 2500;
const NAMESPACE = 'monitor';
const RELEASE = 'kps';
const SERVICE_ACCOUNT = 'kps-kube-prometheus-stack-prometheus';
const PROXY_IP = '10.96.100.10';
const CLUSTER_DNS_IP = '10.96.0.10';
const ADDR = { api: '127.0.0.2', etcd: '127.0.0.3', shard0: '127.0.0.9', shard1: '127.0.0.10', baseline: '127.0.0.11', proxyControl: '127.0.0.12', gateway: '127.0.0.21' };
const SHARD_ADDRESSES = [ADDR.shard0, ADDR.shard1];

interface Node {
  name: string;
  ip: string;
}
const nodes: Node[] = Array.from({ length: NODES }, (_, i) => ({
  name: `edge-${String(i).padStart(3, '0')}`,
  ip: `10.251.${Math.floor(i / 250)}.${(i % 250) + 1}`,
}));

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  }
  return value;
}

const lab = new NetworkNamespace('scl-lab');
let plane: ControlPlane;
let promVersion = '';
let saVolume = '';
const log = (line: string): void => {
  process.stderr.write(`[scale bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Processes of the lab: CPU and memory from /proc

interface Proc {
  pid: number;
  comm: string;
  cmdline: string;
}

function labProcesses(): Proc[] {
  const pids = spawnSync('ip', ['netns', 'pids', lab.name], { encoding: 'utf8' }).stdout.split('\n').filter((p) => p !== '').map(Number);
  const out: Proc[] = [];
  for (const pid of pids) {
    try {
      out.push({
        pid,
        comm: fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(),
        cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '),
      });
    } catch {
      // gone
    }
  }
  return out;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/**
 * A process's proportional set size: its private pages and its share of pages it shares with others.
 * The hollow kubelets are 100 copies of one program: their RSS would count its code once per process.
 */
function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The lab's programs, grouped: what each costs in CPU and memory. */
function groupOf(p: Proc): string | undefined {
  if (p.comm === 'prometheus') {
    if (p.cmdline.includes(`${ADDR.baseline}:9090`)) return 'prometheus baseline';
    return p.cmdline.includes(`${ADDR.shard0}:9090`) ? 'prometheus shard 0' : 'prometheus shard 1';
  }
  if (p.comm === 'kubelet') return 'hollow kubelets';
  if (p.comm === 'node_exporter' || p.comm === 'node-exporter') return 'node-exporters';
  if (p.comm === 'raven-proxy') return 'raven-proxy';
  if (p.comm === 'kube-apiserver') return 'kube-apiserver';
  if (p.comm === 'etcd') return 'etcd';
  return undefined;
}

interface Usage {
  /** CPU seconds so far, and memory (PSS) now. */
  [group: string]: { cpu: number; rss: number; processes: number };
}

function usage(): Usage {
  const out: Usage = {};
  for (const p of labProcesses()) {
    const g = groupOf(p);
    if (!g) continue;
    out[g] ??= { cpu: 0, rss: 0, processes: 0 };
    out[g].cpu += cpuSeconds(p.pid);
    out[g].rss += pssBytes(p.pid);
    out[g].processes += 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The library's objects

function libraryChart(props: { nodeNameDns?: boolean }): any[] {
  const chart = new Chart(new App({ outdir: path.join(os.tmpdir(), 'scl-nonexistent-outdir') }), props.nodeNameDns ? 'dns' : 'default', { namespace: NAMESPACE });
  new RavenPrometheus(chart, 'raven', {
    release: RELEASE,
    serviceAccountName: SERVICE_ACCOUNT,
    // The lab's raven-proxy is given its ports directly.
    addGatewayPorts: false,
    ...(props.nodeNameDns
      ? {
        dns: DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString(), deployment: CoreDnsDeployment.kubeadm() }),
        addressing: NodeAddressing.nodeName(),
      }
      : {}),
  });
  return chart.toJson();
}

// ---------------------------------------------------------------------------------------------
// Phase 1: CoreDNS's answer time with a tunnel-nodes file of 5,000 lines against the lab's small one

/** One query at a time over UDP from inside the namespace; latencies in microseconds, every answer checked. */
const DNS_CLIENT = `
const dgram = require('dgram');
const [server, namesJson, count, expect] = [process.argv[1], process.argv[2], Number(process.argv[3]), process.argv[4]];
const names = JSON.parse(namesJson);
const sock = dgram.createSocket('udp4');
function query(name, id) {
  const labels = name.split('.').filter((l) => l !== '');
  const q = Buffer.alloc(12 + labels.reduce((s, l) => s + l.length + 1, 0) + 1 + 4);
  q.writeUInt16BE(id, 0); q.writeUInt16BE(0x0100, 2); q.writeUInt16BE(1, 4);
  let o = 12;
  for (const l of labels) { q[o++] = l.length; q.write(l, o, 'ascii'); o += l.length; }
  q[o++] = 0; q.writeUInt16BE(1, o); q.writeUInt16BE(1, o + 2);
  return q;
}
const lat = []; let bad = 0; let i = 0; let pending; let started;
sock.on('message', (m) => {
  if (!pending || m.readUInt16BE(0) !== pending.id) return;
  const us = Number(process.hrtime.bigint() - started) / 1000;
  clearTimeout(pending.timer);
  const rcode = m.readUInt16BE(2) & 0xf; const answers = m.readUInt16BE(6);
  const ip = answers > 0 ? [...m.subarray(m.length - 4)].join('.') : '';
  if (rcode !== 0 || answers !== 1 || ip !== expect) { bad++; if (bad < 4) process.stderr.write('bad answer for ' + pending.name + ': rcode ' + rcode + ', ' + answers + ' answers, ' + ip + '\\n'); }
  lat.push(us); pending = undefined; next();
});
function next() {
  if (i >= count) { sock.close(); process.stdout.write(JSON.stringify({ lat, bad })); return; }
  const name = names[Math.floor(Math.random() * names.length)];
  const id = (i++ % 65535) + 1;
  pending = { id, name, timer: setTimeout(() => { bad++; pending = undefined; next(); }, 2000) };
  started = process.hrtime.bigint();
  sock.send(query(name, id), 53, server);
}
sock.bind(0, () => next());
`;

interface DnsRound {
  variant: 'small' | 'big';
  /** Every answer's time, in microseconds (left out of the results file). */
  latencies: number[];
  p50: number;
  p90: number;
  p99: number;
  max: number;
  queries: number;
  bad: number;
  /** The share of the round's answers CoreDNS's `cache` plugin gave (the others came from the hosts plugin). */
  cacheHitShare?: number;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function dnsRound(variant: 'small' | 'big', names: string[]): DnsRound {
  const result = lab.run(process.execPath, ['-e', DNS_CLIENT, CLUSTER_DNS_IP, JSON.stringify(names), String(DNS_QUERIES), PROXY_IP], 300_000);
  if (result.status !== 0) throw new Error(`the DNS client failed: ${result.stderr}`);
  const { lat, bad } = JSON.parse(result.stdout) as { lat: number[]; bad: number };
  if (result.stderr.trim() !== '') log(result.stderr.trim());
  const sorted = [...lat].sort((a, b) => a - b);
  const at = (q: number) => quantile(sorted, q);
  return { variant, latencies: lat, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1], queries: lat.length, bad };
}

/** CoreDNS's answers from its cache and the others, so far (`coredns_cache_hits_total`, `coredns_cache_misses_total`). */
function cacheCounts(): { hits: number; misses: number } {
  const body = lab.fetch(`http://${CLUSTER_DNS_IP}:9153/metrics`).body ?? '';
  const sum = (name: string) => [...body.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  return { hits: sum('coredns_cache_hits_total'), misses: sum('coredns_cache_misses_total') };
}

/** CoreDNS's own count of the entries its hosts plugin holds (`coredns_hosts_entries`). */
function hostsEntries(): number | undefined {
  const answer = lab.fetch(`http://${CLUSTER_DNS_IP}:9153/metrics`);
  const m = /^coredns_hosts_entries(?:\{[^}]*\})? (\d+)/m.exec(answer.body ?? '');
  return m ? Number(m[1]) : undefined;
}

interface DnsPooled {
  p50: number;
  p90: number;
  p99: number;
  queries: number;
}

/** One Corefile's rounds: every round's figures, and each file's answers pooled. */
interface DnsConfigResult {
  rounds: Array<Omit<DnsRound, 'latencies'>>;
  small: DnsPooled;
  big: DnsPooled;
}

interface DnsResult {
  smallLines: number;
  bigLines: number;
  /** The Corefile as the library writes it (with the kubeadm default's `cache 30`). */
  asWritten: DnsConfigResult;
  /** The same without its `cache` block: every answer from the hosts plugin, which isolates the file's size. */
  uncached: DnsConfigResult;
}

/** The Corefile without its `cache` block. */
function withoutCache(corefile: string): string {
  const out = corefile.replace(/^[ \t]*cache\b[^\n{]*(\{[^}]*\})?[ \t]*\n/m, '');
  if (out === corefile || /^\s*cache\b/m.test(out)) throw new Error(`cannot take the cache block out of the Corefile:\n${corefile}`);
  return out;
}

async function phaseDns(): Promise<DnsResult> {
  const corefile = libraryChart({ nodeNameDns: true }).find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'coredns')?.data?.Corefile;
  if (typeof corefile !== 'string' || !corefile.includes('/etc/edge/tunnel-nodes')) throw new Error('the library wrote no Corefile reading the tunnel-nodes file');
  const identity = await coreDnsServiceAccount(plane);
  const volume = new TunnelNodesVolume(path.join(lab.dir, 'edge-tunnel-nodes'));
  // What yurt-manager writes with the L7 proxy on: every node, cloud nodes too, to the proxy's ClusterIP.
  const smallEntries = Object.fromEntries([...nodes.map((n) => n.name), 'cloud-1'].map((name) => [name, PROXY_IP]));
  const bigNames = Array.from({ length: DNS_BIG_LINES }, (_, i) => (i < nodes.length ? nodes[i].name : `edge-site-${String(i).padStart(5, '0')}`));
  const bigEntries = Object.fromEntries(bigNames.map((name) => [name, PROXY_IP]));
  const small = tunnelNodesText(smallEntries);
  const big = tunnelNodesText(bigEntries);
  const variants: Array<{ variant: 'small' | 'big'; text: string; names: string[] }> = [
    { variant: 'small', text: small, names: Object.keys(smallEntries) },
    { variant: 'big', text: big, names: bigNames },
  ];

  async function measureCorefile(label: string, text: string): Promise<DnsConfigResult> {
    volume.write(small);
    const dns = await startCoreDns(lab, { label, corefile: text, tunnelNodes: volume, cluster: identity, resolvConf: 'nameserver 192.0.2.53\n' });
    try {
      const rounds: DnsRound[] = [];
      for (let r = 0; r < DNS_ROUNDS; r++) {
        // Alternating, in the other order every other round (small, big, big, small, ...), so that drift of the machine falls on both.
        const order = r % 2 === 0 ? variants : [...variants].reverse();
        for (const v of order) {
          volume.write(v.text);
          const lines = v.text.split('\n').length;
          await waitFor(`CoreDNS to hold the ${lines} entries`, 20_000, () => (hostsEntries() === lines ? true : undefined), 200);
          // Warm-up: the first queries after a reload are not what a steady cluster sees.
          dnsRound(v.variant, v.names.slice(0, 50));
          const cacheBefore = cacheCounts();
          const round = dnsRound(v.variant, v.names);
          const cacheAfter = cacheCounts();
          const hits = cacheAfter.hits - cacheBefore.hits;
          const misses = cacheAfter.misses - cacheBefore.misses;
          round.cacheHitShare = hits + misses === 0 ? 0 : hits / (hits + misses);
          rounds.push(round);
          log(`DNS ${label}, ${v.variant} (${lines} lines): p50 ${round.p50.toFixed(0)} us, p99 ${round.p99.toFixed(0)} us, `
            + `${round.bad} bad of ${round.queries}, ${(100 * round.cacheHitShare).toFixed(0)}% from the cache`);
        }
      }
      // Every answer of a variant's rounds together: a burst of the machine's other work falls on both variants alike.
      const pooled = (variant: 'small' | 'big') => {
        const all = rounds.filter((x) => x.variant === variant).flatMap((x) => x.latencies).sort((a, b) => a - b);
        return { p50: quantile(all, 0.5), p90: quantile(all, 0.9), p99: quantile(all, 0.99), queries: all.length };
      };
      return { rounds: rounds.map(({ latencies, ...rest }) => rest), small: pooled('small'), big: pooled('big') };
    } finally {
      await dns.stop();
    }
  }

  const asWritten = await measureCorefile('coredns', corefile);
  const uncached = await measureCorefile('coredns-uncached', withoutCache(corefile));
  return { smallLines: small.split('\n').length, bigLines: big.split('\n').length, asWritten, uncached };
}

// ---------------------------------------------------------------------------------------------
// Phase 2: the nodes, the proxy, two Prometheus shards

let raven: RavenProxy;
let kubeletStartupMs = 0;

async function startNodes(): Promise<void> {
  const admin = plane.admin;
  for (const n of nodes) await admin.create(nodeExporterPod(n.name, NAMESPACE, RELEASE));
  const edgeLabels = { 'openyurt.io/is-edge-worker': 'true', 'apps.openyurt.io/nodepool': 'edge', 'raven.openyurt.io/gateway': 'gw-edge' };
  log(`starting ${nodes.length} hollow kubelets (${PODS} pods each, node-exporter's among them)`);
  const kubelets = await HollowKubelets.start(plane, nodes.map((n) => ({
    name: n.name, address: n.ip, labels: edgeLabels, pods: PODS - 1, containersPerPod: 1,
  })), { deadlineMs: 600_000 });
  kubeletStartupMs = kubelets.startupMs;
  log(`kubelets ready after ${Math.round(kubelets.startupMs / 1000)} s`);
  await waitFor('every pod Running', 300_000, async () => {
    const pods = await admin.must('GET', '/api/v1/pods');
    const running = pods.items.filter((p: any) => p.status?.phase === 'Running').length;
    return running === nodes.length * PODS ? true : undefined;
  }, 3_000);
  // Each node's node-exporter on the node's own address (the kubelet's InternalIP), reached only through the proxy.
  for (const n of nodes) {
    await lab.start(`node-exporter-${n.name}`, upstreamProgram('node-exporter'), [`--web.listen-address=${n.ip}:9100`], async () => undefined);
  }
  await waitFor('every node-exporter to answer', 60_000, () => (nodes.every((n) => lab.fetch(`http://${n.ip}:9100/metrics`, 5_000).status === 200) ? true : undefined), 1_000);
  raven = await RavenProxy.start(lab, plane, {
    clusterIp: PROXY_IP,
    gatewayNode: { name: 'cloud-1', ip: ADDR.gateway },
    gatewayName: 'gw-cloud',
    gatewayMembers: ['cloud-1'],
    httpPorts: [9100],
    httpsPorts: [10250],
    // The proxy dials each node's InternalIP, where the node's programs listen.
    tunnel: {},
    control: `${ADDR.proxyControl}:18081`,
  });
}

/** The library's default stack as prometheus-operator v0.93.1 renders it for `spec.shards: 2`. */
function renderedForShards(token: string, nodeNameDns: boolean = false): any {
  const rootCa = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: NAMESPACE }, data: { 'ca.crt': plane.ca.cert } };
  const objects = libraryChart({ nodeNameDns }).filter((o) => o.metadata?.namespace === NAMESPACE);
  const out = operatorRender([...withFilledTokenSecrets(objects, token), rootCa], { prometheusVersion: `v${promVersion}`, shards: SHARDS });
  if (!out.ok || out.scrapeConfigs.length === 0) throw new Error(`the operator refused the stack: ${out.stderr}`);
  return out.config;
}

/** The configuration one shard's config reloader writes: `$(SHARD)` and `$(POD_NAME)` substituted. */
function shardConfig(rendered: any, shard: number): string {
  return YAML.stringify(rendered)
    .replace(/\$\(SHARD\)/g, String(shard))
    .replace(/\$\(POD_NAME\)/g, `prometheus-test-shard-${shard}-0`);
}

/** The same configuration keeping no target: discovery runs, nothing is scraped. */
function baselineConfig(rendered: any): string {
  const configs = rendered.scrape_configs.map((c: any) => ({
    ...c, relabel_configs: [...(c.relabel_configs ?? []), { source_labels: ['__address__'], regex: '.*', action: 'drop' }],
  }));
  return shardConfig({ ...rendered, scrape_configs: configs }, 0);
}

async function startPrometheus(label: string, address: string, config: string): Promise<import('child_process').ChildProcess> {
  const dir = path.join(lab.dir, label);
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const certs = path.join(dir, 'certs');
  fs.mkdirSync(certs, { recursive: true });
  for (const file of new Set([...config.matchAll(/ca_file: (\S+)/g)].map((m) => m[1]))) {
    fs.writeFileSync(path.join(certs, path.basename(file)), plane.ca.cert);
  }
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  return lab.start(label, upstreamProgram('prometheus'), [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=${address}:9090`,
  ], async () => {
    await waitFor(`${label} to be ready`, 60_000, () => (lab.fetch(`http://${address}:9090/-/ready`).status === 200 ? true : undefined), 500);
  }, undefined, {
    mounts: { '/var/run/secrets/kubernetes.io/serviceaccount': saVolume, '/etc/prometheus/certs': certs },
    env: plane.inClusterEnv,
  });
}

function promGet(address: string, apiPath: string): any {
  const answer = lab.fetch(`http://${address}:9090${apiPath}`, 20_000);
  if (answer.status !== 200 || !answer.body) throw new Error(`GET ${apiPath} on ${address}: ${answer.status ?? answer.error}`);
  return JSON.parse(answer.body).data;
}

function scalar(address: string, q: string, atSeconds: number): number {
  const result = promGet(address, `/api/v1/query?query=${encodeURIComponent(q)}&time=${atSeconds.toFixed(3)}`).result;
  return result.length === 0 ? 0 : Number(result[0].value[1]);
}

/** A Prometheus's metrics about itself (its /metrics). */
function selfMetrics(address: string): { [name: string]: number } {
  const answer = lab.fetch(`http://${address}:9090/metrics`, 20_000);
  const out: { [name: string]: number } = {};
  for (const name of ['process_resident_memory_bytes', 'go_memstats_heap_inuse_bytes', 'prometheus_tsdb_head_series', 'prometheus_tsdb_head_chunks']) {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(answer.body ?? '');
    out[name] = m ? Number(m[1]) : NaN;
  }
  return out;
}

interface Target {
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
  lastScrape: string;
}

const activeTargets = (address: string): Target[] => promGet(address, '/api/v1/targets?state=active').activeTargets;
const nodeOfTarget = (t: Target): string => new URL(t.scrapeUrl).searchParams.get('nodeName') ?? '?';

interface ScrapeResult {
  intervalS: number;
  windowS: number;
  jobs: string[];
  perShard: Array<{
    nodes: number;
    targets: number;
    scrapes: number;
    up: number;
    samplesPerCycle: number;
    rss: number;
    heapInuse: number;
    headSeries: number;
    headChunks: number;
  }>;
  baseline: { rss: number; heapInuse: number; headSeries: number };
  /** Each shard's RSS when the window began (every target scraped once or twice). */
  rssAtWindowStart: number[];
  /** TCP connections accepted in the lab's namespace during the window (TcpPassiveOpens). */
  connectionsAccepted: number;
  proxy: { requests: number; ok: number; https: number; responseBytes: number };
  usage: { [group: string]: { cpuCores: number; pssMiB: number; processes: number } };
  splitPerJob: { [job: string]: number[] };
  /** Nodes whose targets are not all on one shard. */
  nodesOnBothShards: number;
  failures: string[];
}

async function phaseScrapes(token: string): Promise<ScrapeResult> {
  const rendered = renderedForShards(token);
  const intervalS = seconds(rendered.global.scrape_interval);
  for (const c of rendered.scrape_configs) {
    if (c.scrape_interval !== undefined && seconds(c.scrape_interval) !== intervalS) throw new Error(`job ${c.job_name} has its own interval ${c.scrape_interval}`);
  }
  const jobs: string[] = rendered.scrape_configs.map((c: any) => c.job_name);
  const baseline = await startPrometheus('prometheus-baseline', ADDR.baseline, baselineConfig(rendered));
  for (let s = 0; s < SHARDS; s++) shardProcesses.push(await startPrometheus(`prometheus-shard-${s}`, SHARD_ADDRESSES[s], shardConfig(rendered, s)));
  // Warm-up: every target of both shards scraped once.
  let last: Target[] = [];
  await waitFor('every target scraped once', (intervalS + 60) * 1000, () => {
    last = SHARD_ADDRESSES.flatMap(activeTargets);
    return last.length === nodes.length * jobs.length && last.every((t) => t.health !== 'unknown') ? true : undefined;
  }, 2_000).catch((e: Error) => {
    throw new Error(`${e.message}: ${last.length} of ${nodes.length * jobs.length} targets\n${last.filter((t) => t.health !== 'up').slice(0, 10).map((t) => `${t.health} ${t.scrapeUrl} ${t.lastError}`).join('\n')}`);
  });
  // The window: whole scrape intervals, so that every target is scraped the same number of times.
  const windowS = CYCLES * intervalS;
  log(`warm; measuring ${CYCLES} scrape intervals (${windowS} s)`);
  const startOfWindow = SHARD_ADDRESSES.map(selfMetrics);
  // The window is bounded by the two readings of the proxy's routes (each a request into the
  // namespace that takes a moment): its ends are their midpoints; the cheap readings sit beside them.
  const usageBefore = usage();
  const opensBefore = passiveOpens();
  const [routesBefore, t0] = timed(() => raven.routes().length);
  await sleep(windowS * 1000);
  const [allRoutes, t1] = timed(() => raven.routes());
  const opensAfter = passiveOpens();
  const usageAfter = usage();
  const routes = allRoutes.slice(routesBefore);
  const at = t1 / 1000;
  const w = `${Math.round((t1 - t0) / 1000)}s`;
  const perShard = SHARD_ADDRESSES.map((address) => {
    const targets = activeTargets(address);
    const self = selfMetrics(address);
    return {
      nodes: new Set(targets.map(nodeOfTarget)).size,
      targets: targets.length,
      scrapes: scalar(address, `sum(count_over_time(up[${w}]))`, at),
      up: scalar(address, `sum(sum_over_time(up[${w}]))`, at),
      samplesPerCycle: scalar(address, 'sum(scrape_samples_post_metric_relabeling)', at),
      rss: self.process_resident_memory_bytes,
      heapInuse: self.go_memstats_heap_inuse_bytes,
      headSeries: self.prometheus_tsdb_head_series,
      headChunks: self.prometheus_tsdb_head_chunks,
    };
  });
  const base = selfMetrics(ADDR.baseline);
  const splitPerJob: { [job: string]: number[] } = {};
  for (const job of jobs) {
    splitPerJob[job] = SHARD_ADDRESSES.map((address) => new Set(activeTargets(address).filter((t) => t.scrapePool === job).map(nodeOfTarget)).size);
  }
  const failures = SHARD_ADDRESSES.flatMap(activeTargets).filter((t) => t.health !== 'up').map((t) => `${t.scrapeUrl}: ${t.lastError}`);
  const shardsOfNode = new Map<string, Set<number>>();
  SHARD_ADDRESSES.forEach((address, shard) => activeTargets(address).forEach((t) => {
    shardsOfNode.set(nodeOfTarget(t), (shardsOfNode.get(nodeOfTarget(t)) ?? new Set<number>()).add(shard));
  }));
  // The next phase runs its own shards on the same addresses.
  for (const proc of [baseline, ...shardProcesses.splice(0)]) await lab.stop(proc);
  const usageOut: ScrapeResult['usage'] = {};
  for (const [group, after] of Object.entries(usageAfter)) {
    const before = usageBefore[group] ?? { cpu: 0 };
    usageOut[group] = { cpuCores: (after.cpu - before.cpu) / ((t1 - t0) / 1000), pssMiB: after.rss / 2 ** 20, processes: after.processes };
  }
  return {
    intervalS,
    windowS: (t1 - t0) / 1000,
    jobs,
    perShard,
    baseline: { rss: base.process_resident_memory_bytes, heapInuse: base.go_memstats_heap_inuse_bytes, headSeries: base.prometheus_tsdb_head_series },
    rssAtWindowStart: startOfWindow.map((m) => m.process_resident_memory_bytes),
    connectionsAccepted: opensAfter - opensBefore,
    proxy: {
      requests: routes.length,
      ok: routes.filter((r) => r.status === 200).length,
      https: routes.filter((r) => r.tls).length,
      responseBytes: routes.reduce((s, r) => s + r.responseBytes, 0),
    },
    usage: usageOut,
    splitPerJob,
    nodesOnBothShards: [...shardsOfNode.values()].filter((set) => set.size > 1).length,
    failures,
  };
}

/** A reading and the moment it stands for: the midpoint of the time it took. */
function timed<T>(read: () => T): [T, number] {
  const before = Date.now();
  const value = read();
  return [value, (before + Date.now()) / 2];
}

/** TCP connections accepted so far by any process of the lab's namespace (its /proc/net/snmp, TcpPassiveOpens). */
function passiveOpens(): number {
  const lines = lab.run('cat', ['/proc/net/snmp'], 5_000).stdout.split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = lines[0].split(/\s+/);
  return Number(lines[1].split(/\s+/)[names.indexOf('PassiveOpens')]);
}

const shardProcesses: Array<import('child_process').ChildProcess> = [];

/** Phase 3: the same stack addressed by node name; what it changes at the proxy's front end. */
interface ByNameResult {
  windowS: number;
  nodesPerShard: number[];
  /** Per job, the nodes each shard scrapes. */
  splitPerJob: { [job: string]: number[] };
  /** Nodes whose targets are not all on one shard (none: the library's shard key is the node name, not `<node>:<port>`). */
  nodesOnBothShards: number;
  scrapes: number;
  up: number;
  proxyRequests: number;
  connectionsAccepted: number;
}

async function phaseByName(token: string): Promise<ByNameResult> {
  const rendered = renderedForShards(token, true);
  const intervalS = seconds(rendered.global.scrape_interval);
  const expected = nodes.length * rendered.scrape_configs.length;
  for (let s = 0; s < SHARDS; s++) shardProcesses.push(await startPrometheus(`prometheus-by-name-${s}`, SHARD_ADDRESSES[s], shardConfig(rendered, s)));
  try {
    let last: Target[] = [];
    await waitFor('every target addressed by node name scraped once', (intervalS + 60) * 1000, () => {
      last = SHARD_ADDRESSES.flatMap(activeTargets);
      return last.length === expected && last.every((t) => t.health !== 'unknown') ? true : undefined;
    }, 2_000).catch((e: Error) => {
      throw new Error(`${e.message}: ${last.length} of ${expected} targets\n${last.filter((t) => t.health !== 'up').slice(0, 10).map((t) => `${t.health} ${t.scrapeUrl} ${t.lastError}`).join('\n')}`);
    });
    const windowS = BY_NAME_CYCLES * intervalS;
    log(`warm; measuring ${BY_NAME_CYCLES} scrape intervals (${windowS} s) addressed by node name`);
    const opensBefore = passiveOpens();
    const [routesBefore, t0] = timed(() => raven.routes().length);
    await sleep(windowS * 1000);
    const [routesAfter, t1] = timed(() => raven.routes().length);
    const opensAfter = passiveOpens();
    const w = `${Math.round((t1 - t0) / 1000)}s`;
    const byHost = (t: Target) => new URL(t.scrapeUrl).hostname;
    const targets = SHARD_ADDRESSES.map(activeTargets);
    const shardsOf = new Map<string, Set<number>>();
    targets.forEach((ts, shard) => ts.forEach((t) => shardsOf.set(byHost(t), (shardsOf.get(byHost(t)) ?? new Set<number>()).add(shard))));
    const splitPerJob: { [job: string]: number[] } = {};
    for (const c of rendered.scrape_configs) {
      splitPerJob[c.job_name] = targets.map((ts) => new Set(ts.filter((t) => t.scrapePool === c.job_name).map(byHost)).size);
    }
    return {
      windowS: (t1 - t0) / 1000,
      nodesPerShard: targets.map((ts) => new Set(ts.map(byHost)).size),
      splitPerJob,
      nodesOnBothShards: [...shardsOf.values()].filter((set) => set.size > 1).length,
      scrapes: SHARD_ADDRESSES.reduce((a, address) => a + scalar(address, `sum(count_over_time(up[${w}]))`, t1 / 1000), 0),
      up: SHARD_ADDRESSES.reduce((a, address) => a + scalar(address, `sum(sum_over_time(up[${w}]))`, t1 / 1000), 0),
      proxyRequests: routesAfter - routesBefore,
      connectionsAccepted: opensAfter - opensBefore,
    };
  } finally {
    for (const proc of shardProcesses.splice(0)) await lab.stop(proc);
  }
}

function seconds(d: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

// ---------------------------------------------------------------------------------------------

async function setUp(): Promise<string> {
  NetworkNamespace.checkPrerequisites();
  promVersion = toolchainPrometheusVersion();
  // A namespace left by an interrupted run of this bench (its name is this bench's own).
  if (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').some((l) => l.split(' ')[0] === lab.name)) {
    log(`removing the namespace ${lab.name} an earlier run left`);
    for (const pid of spawnSync('ip', ['netns', 'pids', lab.name], { encoding: 'utf8' }).stdout.split('\n').filter((p) => p !== '')) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
    }
    spawnSync('ip', ['netns', 'del', lab.name]);
  }
  // Names resolve as the tunnel-nodes hosts block answers them: the proxy Service's names, and the node
  // names (for the phase that addresses nodes by name), to the proxy's ClusterIP.
  const hosts = `127.0.0.1\tlocalhost\n${PROXY_IP}\t${RAVEN_PROXY_SERVICE_NAMES.join(' ')}\n`
    + nodes.map((n) => `${PROXY_IP}\t${n.name}\n`).join('');
  lab.create(Object.values(ADDR), { hosts, resolvConf: 'nameserver 127.0.0.53\n' });
  addLoopbackAddresses(lab, [PROXY_IP, CLUSTER_DNS_IP]);
  plane = await ControlPlane.start(lab, { apiServer: ADDR.api, etcd: ADDR.etcd });
  const admin = plane.admin;
  await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SERVICE_ACCOUNT, namespace: NAMESPACE } });
  for (const m of libraryChart({}).filter((o) => o.kind.startsWith('ClusterRole'))) {
    const applied = await admin.apply(m, 'cdk8s-raven-prometheus');
    if (applied.status >= 300) throw new Error(`applying ${m.kind} ${m.metadata.name}: ${JSON.stringify(applied.body)}`);
  }
  saVolume = await plane.serviceAccountVolume(NAMESPACE, SERVICE_ACCOUNT);
  return admin.serviceAccountToken(NAMESPACE, SERVICE_ACCOUNT);
}

/** Stops every process of the lab and removes it; one teardown however many callers (a signal, a failure, the end) ask for it. */
let teardown: Promise<void> | undefined;
function tearDown(): Promise<void> {
  teardown ??= lab.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1');
  return teardown;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the lab`);
    void tearDown().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const memAvailableBefore = memAvailable();
  try {
    const token = await setUp();
    log('control plane up; phase 1: CoreDNS with 5,000 tunnel-nodes lines against the small file');
    const dns = await phaseDns();
    const memBeforeNodes = memAvailable();
    await startNodes();
    const nodesUsage = usage();
    const memAfterNodes = memAvailable();
    log('phase 2: two Prometheus shards through one proxy');
    const scrapes = await phaseScrapes(token);
    log('phase 3: the same stack addressed by node name');
    const byName = await phaseByName(token);
    report(dns, scrapes, byName, { memAvailableBefore, memBeforeNodes, memAfterNodes, nodesUsage }, (Date.now() - started) / 1000);
  } finally {
    await tearDown();
  }
}

function memAvailable(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

interface Machine {
  memAvailableBefore: number;
  memBeforeNodes: number;
  memAfterNodes: number;
  nodesUsage: Usage;
}

function report(dns: DnsResult, s: ScrapeResult, byName: ByNameResult, machine: Machine, runS: number): void {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const totalTargets = s.perShard.reduce((a, x) => a + x.targets, 0);
  const scrapes = s.perShard.reduce((a, x) => a + x.scrapes, 0);
  const up = s.perShard.reduce((a, x) => a + x.up, 0);
  const success = scrapes === 0 ? 0 : up / scrapes;
  const scrapesPerSecond = s.proxy.requests / s.windowS;
  const expectedPerSecond = totalTargets / s.intervalS;
  const samplesPerCycle = s.perShard.reduce((a, x) => a + x.samplesPerCycle, 0);
  const seriesPerNode = samplesPerCycle / nodes.length;
  const headSeries = s.perShard.reduce((a, x) => a + x.headSeries, 0);
  const rssAbove = s.perShard.reduce((a, x) => a + x.rss - s.baseline.rss, 0);
  const heapAbove = s.perShard.reduce((a, x) => a + x.heapInuse - s.baseline.heapInuse, 0);
  const bytesPerNode = rssAbove / nodes.length;
  const kubelets = machine.nodesUsage['hollow kubelets'];
  const exporters = machine.nodesUsage['node-exporters'];
  // What a node costs the machine: its kubelet (the supervisor's share included) and node-exporter, and its share of the Prometheus shards.
  // At the end of the window, once every node was scraped a few times (their memory grows with the first scrapes).
  const pssAtEnd = (group: string) => (s.usage[group]?.pssMiB ?? 0) * 2 ** 20;
  const perNodeMachineBytes = (pssAtEnd('hollow kubelets') + pssAtEnd('node-exporters') + rssAbove) / nodes.length;
  const memAvailableDropPerNode = (machine.memBeforeNodes - machine.memAfterNodes) / nodes.length;
  const proxyCpu = s.usage['raven-proxy']?.cpuCores ?? 0;
  const totalCpu = Object.values(s.usage).reduce((a, u) => a + u.cpuCores, 0);
  const cores = (group: string) => s.usage[group]?.cpuCores ?? 0;
  const promCpu = cores('prometheus shard 0') + cores('prometheus shard 1');
  const samplesPerSecond = samplesPerCycle / s.intervalS;
  const frontConnections = s.connectionsAccepted - s.proxy.requests;
  const rssGrowth = s.perShard.reduce((a, x, i) => a + x.rss - s.rssAtWindowStart[i], 0);
  const perNodeCores = (cores('hollow kubelets') + cores('node-exporters') + cores('raven-proxy') + promCpu) / nodes.length;
  const out: string[] = [];
  out.push(`scale bench: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, `
    + `Prometheus ${promVersion}, ${new Date().toISOString()}, ${Math.round(runS)} s`);
  out.push('');
  out.push(`Nodes: ${nodes.length} hollow kubelets (${PODS} pods of 1 container each), each with a node-exporter on its own address; `
    + `started in ${Math.round(kubeletStartupMs / 1000)} s. Per node once started: kubelet ${mib(kubelets.rss / nodes.length)} MiB PSS (its supervisor included), `
    + `node-exporter ${mib(exporters.rss / nodes.length)} MiB; the machine's available memory fell by ${mib(memAvailableDropPerNode)} MiB per node `
    + `as they started (${mib(machine.memAvailableBefore)} MiB available before the run).`);
  out.push(`Stack: the library's default (DNS-free, ${s.jobs.length} jobs, every ${s.intervalS} s), prometheus-operator's configuration for spec.shards: ${SHARDS}.`);
  out.push('');
  out.push(`Window: ${s.windowS.toFixed(0)} s (${CYCLES} scrape intervals) after every target was scraped once.`);
  out.push('| shard | nodes | targets | scrapes | up | series per cycle | head series | RSS MiB | heap in use MiB |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  s.perShard.forEach((x, i) => out.push(`| ${i} | ${x.nodes} | ${x.targets} | ${x.scrapes} | ${x.up} | ${x.samplesPerCycle} | ${x.headSeries} | ${mib(x.rss)} | ${mib(x.heapInuse)} |`));
  out.push(`| baseline (no target) | 0 | 0 | 0 | 0 | 0 | ${s.baseline.headSeries} | ${mib(s.baseline.rss)} | ${mib(s.baseline.heapInuse)} |`);
  out.push(`Nodes per shard, per job: ${Object.entries(s.splitPerJob).map(([job, split]) => `${job.replace(`scrapeConfig/${NAMESPACE}/`, '')} ${split.join(' + ')}`).join('; ')}`);
  out.push(`Through the proxy: ${s.proxy.requests} requests (${s.proxy.https} HTTPS, each a TLS handshake to the kubelet), ${s.proxy.ok} answered 200, `
    + `${mib(s.proxy.responseBytes)} MiB of bodies (${(s.proxy.responseBytes / s.windowS / 1000).toFixed(1)} KB/s); expected ${totalTargets} targets / ${s.intervalS} s = ${expectedPerSecond.toFixed(2)} scrapes/s.`);
  out.push('CPU in the window (cores) and memory at its end (PSS: shared pages counted once):');
  out.push('| program | processes | CPU cores | PSS MiB |');
  out.push('|---|---:|---:|---:|');
  for (const [group, u] of Object.entries(s.usage).sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`| ${group} | ${u.processes} | ${u.cpuCores.toFixed(3)} | ${u.pssMiB.toFixed(0)} |`);
  }
  out.push(`raven-proxy: ${(proxyCpu / scrapesPerSecond * 1000).toFixed(2)} ms of CPU per scrape (with the API reads raven serves from its cache); `
    + `Prometheus: ${(promCpu / samplesPerSecond * 1e6).toFixed(1)} us of CPU per sample ingested (both shards); all programs ${totalCpu.toFixed(2)} cores.`);
  out.push(`Connections accepted in the window: ${s.connectionsAccepted}, of which ${s.proxy.requests} by the nodes (the proxy dials a node for every request) `
    + `and ${frontConnections} by the proxy and the API server: ${(frontConnections / s.proxy.requests).toFixed(2)} per scrape `
    + '(a scrape pool\'s targets all have the proxy Service\'s address and share its kept-alive connections; the proxy\'s front end closes one idle for 10 s).');
  out.push(`Prometheus memory: ${mib(rssAbove)} MiB above the baseline for ${headSeries} head series (${(rssAbove / headSeries).toFixed(0)} B per series, `
    + `${mib(bytesPerNode)} MiB per node); in the window (${CYCLES} scrapes of every series) RSS grew ${mib(rssGrowth)} MiB, ${(rssGrowth / headSeries / CYCLES).toFixed(1)} B per series and scrape.`);
  out.push(`The machine, at the end of the window: ${mib(perNodeMachineBytes)} MiB and ${(perNodeCores * 1000).toFixed(1)} millicores per node (kubelet, node-exporter, their share of the proxy and `
    + `Prometheus): it would hold about ${Math.floor(machine.memAvailableBefore / perNodeMachineBytes)} nodes by memory and ${Math.floor(os.cpus().length / perNodeCores)} by CPU.`);
  for (const f of s.failures.slice(0, 10)) out.push(`  failing: ${f}`);
  const byNameFront = byName.connectionsAccepted - byName.proxyRequests;
  const dnsFreeOnBoth = s.nodesOnBothShards;
  const byNameSuccess = byName.scrapes === 0 ? 0 : byName.up / byName.scrapes;
  out.push(`Addressed by node name (NodeAddressing.nodeName(), the names resolving to the proxy), ${byName.windowS.toFixed(0)} s: nodes per shard, per job: `
    + `${Object.entries(byName.splitPerJob).map(([job, split]) => `${job.replace(`scrapeConfig/${NAMESPACE}/`, '')} ${split.join(' + ')}`).join('; ')}; `
    + `${byName.nodesOnBothShards} of ${nodes.length} nodes have targets on both shards (DNS-free: ${dnsFreeOnBoth}); `
    + `${byName.up} of ${byName.scrapes} scrapes up; ${byName.connectionsAccepted} connections accepted, `
    + `${byName.proxyRequests} by the nodes and ${byNameFront} by the proxy and the API server: ${(byNameFront / byName.proxyRequests).toFixed(2)} per scrape `
    + '(every target its own address and connection, idle between scrapes longer than the proxy keeps it).');
  out.push('');
  out.push('CoreDNS, the library\'s edited kubeadm Corefile (hosts block on the tunnel-nodes file), then the same without its cache block: '
    + `${DNS_ROUNDS} rounds of ${DNS_QUERIES} queries per file, alternating, one query at a time, random node names of the file:`);
  out.push('| Corefile | tunnel-nodes lines | p50 us | p90 us | p99 us | max us | bad answers | from the cache |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, c] of [['as written', dns.asWritten], ['no cache', dns.uncached]] as Array<[string, DnsConfigResult]>) {
    for (const r of c.rounds) {
      out.push(`| ${name} | ${r.variant === 'big' ? dns.bigLines : dns.smallLines} | ${r.p50.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} `
        + `| ${r.bad} | ${(100 * (r.cacheHitShare ?? NaN)).toFixed(0)}% |`);
    }
    for (const [lines, p] of [[dns.smallLines, c.small], [dns.bigLines, c.big]] as Array<[number, DnsPooled]>) {
      out.push(`| ${name} | ${lines}, all rounds (${p.queries} queries) | ${p.p50.toFixed(0)} | ${p.p90.toFixed(0)} | ${p.p99.toFixed(0)} | | | |`);
    }
  }
  out.push('');
  const ratio50 = dns.asWritten.big.p50 / dns.asWritten.small.p50;
  const ratio99 = dns.asWritten.big.p99 / dns.asWritten.small.p99;
  const uncached50 = dns.uncached.big.p50 / dns.uncached.small.p50;
  const uncached99 = dns.uncached.big.p99 / dns.uncached.small.p99;
  out.push(`scale-nodes: ${nodes.length}`);
  out.push(`scale-scrapes-per-second: ${scrapesPerSecond.toFixed(2)}`);
  out.push(`scale-scrape-success: ${success.toFixed(3)}`);
  out.push(`scale-shard-nodes: ${s.perShard.map((x) => x.nodes).join(' + ')}`);
  out.push(`scale-series-per-node: ${seriesPerNode.toFixed(0)}`);
  out.push(`scale-prometheus-bytes-per-node: ${bytesPerNode.toFixed(0)}`);
  out.push(`scale-prometheus-bytes-per-series: ${(rssAbove / headSeries).toFixed(0)}`);
  out.push(`scale-proxy-cpu-ms-per-scrape: ${(proxyCpu / scrapesPerSecond * 1000).toFixed(2)}`);
  out.push(`scale-front-connections-per-scrape-dns-free: ${(frontConnections / s.proxy.requests).toFixed(2)}`);
  out.push(`scale-front-connections-per-scrape-by-node-name: ${(byNameFront / byName.proxyRequests).toFixed(2)}`);
  out.push(`scale-nodes-on-both-shards-dns-free: ${dnsFreeOnBoth}`);
  out.push(`scale-nodes-on-both-shards-by-node-name: ${byName.nodesOnBothShards}`);
  out.push(`coredns-p50-5000-vs-small: ${ratio50.toFixed(2)}`);
  out.push(`coredns-p99-5000-vs-small: ${ratio99.toFixed(2)}`);
  out.push(`coredns-p50-5000-vs-small-uncached: ${uncached50.toFixed(2)}`);
  out.push(`coredns-p99-5000-vs-small-uncached: ${uncached99.toFixed(2)}`);
  process.stdout.write(`${out.join('\n')}\n`);

  const json = {
    machine: {
      cores: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)), node: process.version,
    },
    date: new Date().toISOString(),
    runSeconds: Math.round(runS),
    prometheus: promVersion,
    nodes: nodes.length,
    podsPerNode: PODS,
    kubeletStartupSeconds: Math.round(kubeletStartupMs / 1000),
    perNodeProcesses: {
      kubeletRssBytes: kubelets.rss / nodes.length,
      nodeExporterRssBytes: exporters.rss / nodes.length,
      memAvailableDropBytes: memAvailableDropPerNode,
    },
    memAvailableBeforeBytes: machine.memAvailableBefore,
    scrapes: s,
    dns,
    byNodeName: byName,
    figures: {
      scrapesPerSecond,
      expectedScrapesPerSecond: expectedPerSecond,
      scrapeSuccess: success,
      shardNodes: s.perShard.map((x) => x.nodes),
      seriesPerNode,
      prometheusBytesPerNode: bytesPerNode,
      prometheusHeapBytesPerNode: heapAbove / nodes.length,
      prometheusBytesPerSeries: rssAbove / headSeries,
      proxyCpuMsPerScrape: proxyCpu / scrapesPerSecond * 1000,
      prometheusCpuMicrosecondsPerSample: promCpu / samplesPerSecond * 1e6,
      samplesPerSecond,
      connectionsPerScrapeBesidesTheNodes: frontConnections / s.proxy.requests,
      connectionsPerScrapeBesidesTheNodesByNodeName: byNameFront / byName.proxyRequests,
      scrapeSuccessByNodeName: byNameSuccess,
      prometheusRssGrowthBytesPerSeriesAndScrape: rssGrowth / headSeries / CYCLES,
      machineBytesPerNode: perNodeMachineBytes,
      machineCoresPerNode: perNodeCores,
      proxyResponseBytesPerSecond: s.proxy.responseBytes / s.windowS,
      corednsP50BigVsSmall: ratio50,
      corednsP99BigVsSmall: ratio99,
      corednsP50BigVsSmallUncached: uncached50,
      corednsP99BigVsSmallUncached: uncached99,
    },
  };
  const file = process.env.BENCH_SCALE_JSON ?? path.join(REPO, 'test', 'bench', 'scale', 'results.json');
  fs.writeFileSync(file, `${JSON.stringify(json, undefined, 2)}\n`);
  log(`results written to ${path.relative(REPO, file)}`);

  // Sanity: a bench whose lab did not work measures nothing.
  const problems: string[] = [];
  if (success < 0.99) problems.push(`scrape success ${success.toFixed(3)} < 0.99`);
  if (s.perShard.some((x) => x.nodes === 0)) problems.push(`a shard scrapes no node (${s.perShard.map((x) => x.nodes).join(' + ')})`);
  if (s.perShard.reduce((a, x) => a + x.nodes, 0) !== nodes.length) problems.push(`the shards scrape ${s.perShard.map((x) => x.nodes).join(' + ')} nodes, not ${nodes.length}`);
  if (Math.abs(scrapesPerSecond - expectedPerSecond) > 0.1 * expectedPerSecond) {
    problems.push(`${scrapesPerSecond.toFixed(2)} scrapes/s through the proxy, expected ${expectedPerSecond.toFixed(2)}`);
  }
  if ([...dns.asWritten.rounds, ...dns.uncached.rounds].some((r) => r.bad > 0)) problems.push('CoreDNS gave wrong or no answers');
  if (dns.uncached.rounds.some((r) => (r.cacheHitShare ?? 0) > 0)) problems.push('CoreDNS without its cache block answered from a cache');
  if (byNameSuccess < 0.99) problems.push(`scrape success addressed by node name ${byNameSuccess.toFixed(3)} < 0.99`);
  if (byName.nodesPerShard.some((n) => n === 0)) problems.push(`addressed by node name, a shard scrapes no node (${byName.nodesPerShard.join(' + ')})`);
  if (s.nodesOnBothShards > 0) problems.push(`DNS-free, ${s.nodesOnBothShards} nodes have targets on both shards`);
  if (byName.nodesOnBothShards > 0) problems.push(`addressed by node name, ${byName.nodesOnBothShards} nodes have targets on both shards`);
  if (problems.length > 0) throw new Error(`the lab did not work as intended: ${problems.join('; ')}`);
}

main().catch(async (e) => {
  process.stderr.write(`scale bench failed: ${(e as Error).stack ?? e}\n`);
  await tearDown();
  process.exit(1);
});
