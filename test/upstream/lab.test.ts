import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { NetworkNamespace, printed, waitFor } from './netns';
import { ProxyRoute, StandInsConfig } from './stand-ins';
import { DnsStrategy, NodeAddressing, NodeSelection, RavenPrometheus } from '../../src';
import { toPrometheusScrapeConfig } from '../../src/prometheus-config';
import {
  NODE_EXPORTER_BIN,
  PROMETHEUS_BIN,
  exampleStackManifests,
  filledSecrets,
  pointDiscoveryAt,
  prometheusVersion,
  promtoolSupportsKubernetesSd,
  requireBinary,
} from '../support/prometheus-tools';

/**
 * The proof on real Prometheus. Inside a private network namespace (loopback only, its own hosts
 * file and resolver), Debian's Prometheus scrapes the example stack's ScrapeConfigs, rendered as
 * prometheus-operator renders them, and the seed's acceptance check (its Step 6) is asserted on
 * `/api/v1/targets`; then the seed's failure modes are reproduced and the `verify` command is run
 * against each.
 *
 *   127.0.0.2:6443   stand-in Kubernetes API (one edge node, its node-exporter pod)
 *   127.0.0.9:9090   Prometheus
 *   127.0.0.10       the "Raven proxy": stand-in L7 proxy :9100 (HTTP, routes by ?nodeName= or Host),
 *                    stand-in kubelet :10250 (HTTPS, bearer token)
 *   127.0.0.20       the edge node's InternalIP: nothing listens, the cloud cannot reach the edge network
 *   127.0.0.30:9100  node-exporter at the far end of the edge node's tunnel: only the proxy goes there
 *   127.0.0.53:53    a DNS server answering NXDOMAIN (the cluster DNS without tunnel-nodes)
 *
 * The node name resolves through the namespace's hosts file, written in the tunnel-nodes format
 * (`IP<TAB>nodeName`), as CoreDNS' hosts plugin answers it once the seed's Steps 1-3 are done.
 *
 * Debian builds Prometheus without Kubernetes discovery; there the stand-in also serves the target
 * groups Kubernetes discovery would build (same __meta_ labels, same selectors) over HTTP
 * discovery, and only the discovery block of the rendered configuration is swapped. With a
 * Prometheus that has Kubernetes discovery (RAVEN_LAB_PROMETHEUS / RAVEN_LAB_PROMTOOL), the
 * rendered kubernetes_sd_configs point at the stand-in API instead.
 *
 * Needs root and the Debian packages prometheus and prometheus-node-exporter.
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const NODE = 'edge-gpu-1';
const ADDR = {
  api: '127.0.0.2',
  prometheus: '127.0.0.9',
  proxy: '127.0.0.10',
  edgeInternalIp: '127.0.0.20',
  tunnel: '127.0.0.30',
  dns: '127.0.0.53',
};
const API_BASE = `http://${ADDR.api}:6443`;
const PROMETHEUS_URL = `http://${ADDR.prometheus}:9090`;
const TOKEN = `lab-${randomBytes(12).toString('hex')}`;
const NAMESPACE = 'monitor';

const EXPECTED_URLS = [
  `http://${NODE}:9100/metrics`,
  `https://${NODE}:10250/metrics`,
  `https://${NODE}:10250/metrics/cadvisor`,
  `https://${NODE}:10250/metrics/probes`,
].sort();

/** The tunnel-nodes hosts file as yurt-manager writes it (IP<TAB>nodeName), plus localhost. */
const HOSTS_WITH_TUNNEL_NODES = `127.0.0.1\tlocalhost\n${ADDR.proxy}\t${NODE}\n${ADDR.proxy}\tx-raven-proxy-internal-svc.kube-system.svc\n`;
const HOSTS_WITHOUT_TUNNEL_NODES = '127.0.0.1\tlocalhost\n';
/** DNS-free addressing: only the proxy Service resolves, never a node name. */
const PROXY_SERVICE = 'x-raven-proxy-internal-svc.kube-system.svc';
const HOSTS_PROXY_SERVICE_ONLY = `127.0.0.1\tlocalhost\n${ADDR.proxy}\t${PROXY_SERVICE}\n`;

const EDGE_NODE = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: NODE,
    uid: '6f1c1b0e-0000-4000-8000-000000000001',
    resourceVersion: '10',
    labels: {
      'openyurt.io/is-edge-worker': 'true',
      'apps.openyurt.io/nodepool': 'gpu-pool',
      'raven.openyurt.io/gateway': 'gw-gpu-pool',
      'kubernetes.io/hostname': NODE,
      'kubernetes.io/os': 'linux',
    },
    annotations: {},
  },
  spec: {},
  status: {
    addresses: [{ type: 'InternalIP', address: ADDR.edgeInternalIp }, { type: 'Hostname', address: NODE }],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
  },
};

const NODE_EXPORTER_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: `foundation-core-prometheus-node-exporter-${NODE}`,
    namespace: NAMESPACE,
    uid: '6f1c1b0e-0000-4000-8000-000000000002',
    resourceVersion: '11',
    labels: {
      'app.kubernetes.io/name': 'prometheus-node-exporter',
      'app.kubernetes.io/instance': 'foundation-core',
      'jobLabel': 'node-exporter',
      'release': 'foundation-core',
    },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'foundation-core-prometheus-node-exporter', controller: true }],
  },
  spec: {
    nodeName: NODE,
    hostNetwork: true,
    containers: [{
      name: 'node-exporter',
      image: 'quay.io/prometheus/node-exporter:v1.9.1',
      ports: [{ name: 'http-metrics', containerPort: 9100, protocol: 'TCP' }],
    }],
  },
  status: {
    phase: 'Running',
    podIP: ADDR.edgeInternalIp,
    hostIP: ADDR.edgeInternalIp,
    conditions: [{ type: 'Ready', status: 'True' }],
  },
};

const lab = new NetworkNamespace(`raven-lab-${process.pid}`);
let kubernetesSd = false;
let promVersion = '';
let manifests: any[] = [];
/** Every wait of the lab draws on one budget, so that even a failing run ends within 3 minutes. */
const LAB_DEADLINE = Date.now() + 165_000;
function within(ms: number): number {
  return Math.max(1_000, Math.min(ms, LAB_DEADLINE - Date.now()));
}

/** Set RAVEN_LAB_KEEP_LOGS=1 to keep configs, targets and logs of every run in the lab's temp dir. */
const KEEP_LOGS = process.env.RAVEN_LAB_KEEP_LOGS === '1';

interface Target {
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
  labels: { [key: string]: string };
}

/** Sends the example stack through the operator-style renderer, for Debian's Prometheus version. */
function renderStack(token: string, transform: (manifest: any) => any = (m) => m): any[] {
  return manifests.filter((m) => m.kind === 'ScrapeConfig').map((m) => toPrometheusScrapeConfig(transform(m), {
    secrets: filledSecrets(manifests, m.metadata.namespace, token),
    prometheusVersion: promVersion,
  }));
}

/** Seed Question 1: the same node-exporter scrape without the rewrite of the address to the node name. */
function withoutAddressRewrite(manifest: any): any {
  if (!manifest.metadata.name.startsWith('node-exporter')) {
    return manifest;
  }
  const relabelings: any[] = manifest.spec.relabelings ?? [];
  const rewrite = relabelings.find((r) => r.targetLabel === '__address__');
  const port = /:(\d+)$/.exec(rewrite?.replacement ?? '')?.[1] ?? '9100';
  const kept = relabelings.filter((r) => r.targetLabel !== '__address__' && r.targetLabel !== '__param_nodeName');
  const role = manifest.spec.kubernetesSDConfigs?.[0]?.role;
  // Pod discovery already addresses <pod IP>:<container port>, the node's InternalIP for a
  // hostNetwork exporter; node discovery would address the kubelet port, so aim at the exporter.
  const byIp = role === 'Node'
    ? [{ action: 'replace', sourceLabels: ['__meta_kubernetes_node_address_InternalIP'], targetLabel: '__address__', replacement: `\${1}:${port}` }]
    : [];
  return { ...manifest, spec: { ...manifest.spec, relabelings: [...byIp, ...kept] } };
}

/**
 * The example stack's node-exporter scrape with DNS-free addressing (raven v0.4.4+): the same
 * release, namespace and node selection, `NodeAddressing.proxyQuery()`, no DNS objects, no kubelet.
 */
function renderProxyQueryNodeExporter(token: string): any[] {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'dns-free', { namespace: NAMESPACE });
  new RavenPrometheus(chart, 'raven', {
    release: 'foundation-core',
    dns: DnsStrategy.none(),
    addressing: NodeAddressing.proxyQuery(),
    nodes: NodeSelection.edgeOnly(),
    kubeletEndpoints: [],
  });
  const objects = chart.toJson();
  return objects.filter((m) => m.kind === 'ScrapeConfig').map((m) => toPrometheusScrapeConfig(m, {
    secrets: filledSecrets(objects, m.metadata.namespace, token),
    prometheusVersion: promVersion,
  }));
}

/** What the stand-in Raven proxy routed so far. */
function proxyRoutes(): ProxyRoute[] {
  const answer = lab.fetch(`${API_BASE}/lab/raven-proxy/routes`);
  if (answer.status !== 200 || answer.body === undefined) {
    throw new Error(`cannot read the proxy's routes: ${answer.status ?? answer.error}`);
  }
  return JSON.parse(answer.body);
}

function prometheusYml(scrapeConfigs: any[]): string {
  return YAML.stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: scrapeConfigs.map((s) => pointDiscoveryAt(s, API_BASE, kubernetesSd)),
  });
}

function activeTargets(): Target[] | undefined {
  const answer = lab.fetch(`${PROMETHEUS_URL}/api/v1/targets?state=active`);
  if (answer.status !== 200 || answer.body === undefined) {
    return undefined;
  }
  return JSON.parse(answer.body).data.activeTargets;
}

function describeTargets(targets: Target[] | undefined): string {
  return (targets ?? []).map((t) => `${t.health} ${t.scrapeUrl} ${t.lastError}`).join('\n');
}

/** One Prometheus run: started with a configuration and hosts file, stopped by `stop()`. */
class Scenario {
  public targets: Target[] = [];
  private proc?: import('child_process').ChildProcess;

  public constructor(private readonly label: string) {}

  public async start(scrapeConfigs: any[], hosts: string, settled: (targets: Target[]) => boolean): Promise<void> {
    lab.writeEtc('hosts', hosts);
    const dir = path.join(lab.dir, this.label);
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), prometheusYml(scrapeConfigs));
    this.proc = await lab.start(`prometheus-${this.label}`, PROMETHEUS_BIN, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=${ADDR.prometheus}:9090`,
    ], async () => {
      await waitFor('Prometheus to be ready', within(20_000), () => (lab.fetch(`${PROMETHEUS_URL}/-/ready`).status === 200 ? true : undefined));
    });
    let last: Target[] | undefined;
    try {
      this.targets = await waitFor(`the ${this.label} targets to settle`, within(40_000), () => {
        last = activeTargets();
        return last !== undefined && last.length > 0 && settled(last) ? last : undefined;
      }, 500);
      fs.writeFileSync(path.join(dir, 'targets.json'), JSON.stringify(this.targets, undefined, 2));
    } catch (e) {
      throw new Error(`${(e as Error).message}\nlast targets:\n${describeTargets(last)}\nPrometheus log:\n${lab.tail(`prometheus-${this.label}`)}`);
    }
  }

  public async stop(): Promise<void> {
    if (this.proc) {
      await lab.stop(this.proc);
    }
  }

  /** Runs `cdk8s-raven-prometheus verify` in the namespace against this Prometheus. */
  public verify(...extra: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = runVerify('--prometheus', PROMETHEUS_URL, ...extra);
    fs.appendFileSync(path.join(lab.dir, this.label, 'verify.log'), `$ verify ${extra.join(' ')}\n${result.stdout}${result.stderr}exit ${result.status}\n`);
    return result;
  }

  public target(url: string): Target {
    const found = this.targets.find((t) => t.scrapeUrl === url);
    if (!found) {
      throw new Error(`no target ${url}; targets:\n${describeTargets(this.targets)}`);
    }
    return found;
  }
}

function runVerify(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return lab.run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', 'verify', ...args], within(20_000), REPO_ROOT);
}

const allSettled = (predicate: (t: Target) => boolean) => (targets: Target[]) =>
  targets.length === EXPECTED_URLS.length && targets.every(predicate);

beforeAll(async () => {
  NetworkNamespace.checkPrerequisites();
  requireBinary(PROMETHEUS_BIN, 'prometheus');
  requireBinary(NODE_EXPORTER_BIN, 'prometheus-node-exporter');
  promVersion = prometheusVersion();
  kubernetesSd = promtoolSupportsKubernetesSd();
  manifests = exampleStackManifests();

  lab.create(Object.values(ADDR), {
    hosts: HOSTS_WITH_TUNNEL_NODES,
    resolvConf: `nameserver ${ADDR.dns}\noptions timeout:1 attempts:1\n`,
  });

  // The proxy's certificate names the gateway's Service, never the node: insecureSkipVerify is needed.
  const cert = path.join(lab.dir, 'proxy.crt');
  const key = path.join(lab.dir, 'proxy.key');
  const openssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=x-raven-proxy-internal-svc.kube-system.svc'], { encoding: 'utf8' });
  if (openssl.status !== 0) {
    throw new Error(`openssl could not make the proxy certificate: ${openssl.stderr}`);
  }

  const config: StandInsConfig = {
    api: { host: ADDR.api, port: 6443 },
    kubelet: { host: ADDR.proxy, port: 10250, certFile: cert, keyFile: key, token: TOKEN },
    dns: { host: ADDR.dns, port: 53 },
    proxy: { host: ADDR.proxy, port: 9100, tunnels: { [NODE]: `${ADDR.tunnel}:9100` } },
    nodes: [EDGE_NODE],
    pods: [NODE_EXPORTER_POD],
  };
  const configFile = path.join(lab.dir, 'stand-ins.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  await lab.start('stand-ins', process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'stand-ins.ts'), configFile],
    printed('ready'), REPO_ROOT);

  // Debian's own node-exporter, a process of the lab's (the package's service plays no part), at
  // the far end of the edge node's tunnel: Prometheus reaches it only through the stand-in proxy.
  await lab.start('node-exporter', NODE_EXPORTER_BIN, [
    `--web.listen-address=${ADDR.tunnel}:9100`,
    '--collector.disable-defaults', '--collector.cpu', '--collector.loadavg', '--collector.meminfo',
  ], async () => {
    await waitFor('node-exporter to answer', within(15_000), () => (lab.fetch(`http://${ADDR.tunnel}:9100/metrics`).status === 200 ? true : undefined));
  });
}, 45_000);

afterAll(async () => {
  // The namespace, its etc files and every process are always removed, whatever happened.
  await lab.destroy(KEEP_LOGS);
  if (KEEP_LOGS) {
    process.stderr.write(`lab logs kept in ${lab.dir}\n`);
  }
}, 30_000);

describe('the namespace', () => {
  test('has loopback only: no route leads out of it', () => {
    const routes = lab.run('ip', ['route', 'show'], 5_000);
    expect(routes.stdout.trim()).toBe('');
    expect(lab.run('ip', ['-o', 'link', 'show'], 5_000).stdout.trim().split('\n').map((l) => l.split(':')[1].trim())).toEqual(['lo']);
  });

  test('the stand-in API lists the edge node for the edge-worker label selector and nothing for cloud nodes', () => {
    const edge = lab.fetch(`${API_BASE}/api/v1/nodes?labelSelector=${encodeURIComponent('openyurt.io/is-edge-worker=true')}`);
    const cloud = lab.fetch(`${API_BASE}/api/v1/nodes?labelSelector=${encodeURIComponent('openyurt.io/is-edge-worker=false')}`);
    expect(JSON.parse(edge.body!).items.map((n: any) => n.metadata.name)).toEqual([NODE]);
    expect(JSON.parse(cloud.body!).items).toEqual([]);
  });

  test('the stand-in API streams a watch of the nodes and closes it after timeoutSeconds', () => {
    const started = Date.now();
    const watch = lab.fetch(`${API_BASE}/api/v1/nodes?watch=true&timeoutSeconds=1`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(watch.body!.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ type: 'ADDED', object: EDGE_NODE }]);
  });
});

describe('the stand-in Raven proxy', () => {
  test('routes by the nodeName parameter, else by the Host header, to the node\'s exporter', () => {
    const byQuery = lab.fetch(`http://${ADDR.proxy}:9100/metrics?nodeName=${NODE}`);
    expect(byQuery.status).toBe(200);
    expect(byQuery.body).toMatch(/^node_load1 /m);
    const byHost = lab.fetch(`http://${NODE}:9100/metrics`);
    expect(byHost.status).toBe(200);
    expect(byHost.body).toMatch(/^node_load1 /m);
  });

  test('answers 400 for an IP-literal host without nodeName and 502 for an unknown node', () => {
    expect(lab.fetch(`http://${ADDR.proxy}:9100/metrics`)).toMatchObject({ status: 400 });
    expect(lab.fetch(`http://${ADDR.proxy}:9100/metrics?nodeName=no-such-node`)).toMatchObject({ status: 502 });
    const routes = proxyRoutes();
    expect(routes).toContainEqual({ node: NODE, from: 'nodeName', path: '/metrics', status: 200 });
    expect(routes).toContainEqual({ node: NODE, from: 'host', path: '/metrics', status: 200 });
    expect(routes).toContainEqual({ node: '', from: 'host', path: '/metrics', status: 400 });
    expect(routes).toContainEqual({ node: 'no-such-node', from: 'nodeName', path: '/metrics', status: 502 });
  });
});

describe('seed Step 6: the example stack, rendered as the operator renders it, scrapes the edge node through the proxy', () => {
  const scenario = new Scenario('good');
  beforeAll(() => scenario.start(renderStack(TOKEN), HOSTS_WITH_TUNNEL_NODES, allSettled((t) => t.health === 'up')), 70_000);
  afterAll(() => scenario.stop());

  test('node-exporter is scraped at http://edge-gpu-1:9100/metrics and is up', () => {
    expect(scenario.target(`http://${NODE}:9100/metrics`)).toMatchObject({ health: 'up', lastError: '' });
  });

  test('the three kubelet endpoints are scraped at https://edge-gpu-1:10250 and are up', () => {
    const kubelet = scenario.targets.filter((t) => t.scrapeUrl.startsWith(`https://${NODE}:10250/`));
    expect(kubelet.map((t) => [t.scrapeUrl, t.health]).sort()).toEqual([
      [`https://${NODE}:10250/metrics`, 'up'],
      [`https://${NODE}:10250/metrics/cadvisor`, 'up'],
      [`https://${NODE}:10250/metrics/probes`, 'up'],
    ]);
  });

  test('every target is in a job named scrapeConfig/<namespace>/<name> and carries the library\'s marker label', () => {
    expect(scenario.targets.map((t) => t.scrapeUrl).sort()).toEqual(EXPECTED_URLS);
    for (const t of scenario.targets) {
      expect(t.scrapePool).toMatch(new RegExp(`^scrapeConfig/${NAMESPACE}/`));
      expect(t.labels.scrape_via).toBe('raven');
    }
  });

  test('verify finds the four targets by their marker label, reports them up and exits 0', () => {
    const result = scenario.verify();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('4 found, 4 up, 0 not up');
    for (const url of EXPECTED_URLS) {
      expect(result.stdout).toMatch(new RegExp(`^up +${url.replace(/[/.]/g, '\\$&')} `, 'm'));
    }
    expect(result.status).toBe(0);
  });

  test('verify --job selects the seed\'s hand-written job names without the marker label', () => {
    const result = scenario.verify('--job', `^scrapeConfig/${NAMESPACE}/(node-exporter|kubelet)-raven`);
    expect(result.stdout).toContain('job or scrape pool matching');
    expect(result.stdout).toContain('4 found, 4 up');
    expect(result.status).toBe(0);
  });

  test('verify exits 1 when no target matches the selection', () => {
    const result = scenario.verify('--job', '^no-such-job$');
    expect(result.stdout).toContain('0 found');
    expect(result.status).toBe(1);
  });
});

describe('seed Question 1: node-exporter addressed by the node\'s InternalIP', () => {
  const scenario = new Scenario('by-internal-ip');
  const url = `http://${ADDR.edgeInternalIp}:9100/metrics`;
  beforeAll(() => scenario.start(renderStack(TOKEN, withoutAddressRewrite), HOSTS_WITH_TUNNEL_NODES,
    (targets) => targets.some((t) => t.scrapeUrl === url && t.health === 'down')), 70_000);
  afterAll(() => scenario.stop());

  test('the target is down with a connection error, since the edge network is unreachable', () => {
    expect(scenario.target(url).health).toBe('down');
    expect(scenario.target(url).lastError).toMatch(/connection refused|deadline exceeded/);
  });

  test('verify says the address was not rewritten to the node name and exits 1', () => {
    const result = scenario.verify();
    expect(result.stdout).toContain(`cause: the target is addressed by the IP ${ADDR.edgeInternalIp}`);
    expect(result.stdout).toContain('the address was not rewritten to the node name');
    expect(result.status).toBe(1);
  });
});

describe('seed Question 2: the node name does not resolve (no tunnel-nodes hosts in the DNS)', () => {
  const scenario = new Scenario('no-tunnel-dns');
  beforeAll(() => scenario.start(renderStack(TOKEN), HOSTS_WITHOUT_TUNNEL_NODES, allSettled((t) => t.health === 'down')), 70_000);
  afterAll(() => scenario.stop());

  test('every target is down with "no such host" for the node name', () => {
    for (const url of EXPECTED_URLS) {
      expect(scenario.target(url).health).toBe('down');
      expect(scenario.target(url).lastError).toMatch(new RegExp(`lookup ${NODE}.*: no such host`));
    }
  });

  test('verify points at the tunnel-nodes DNS wiring and exits 1', () => {
    const result = scenario.verify();
    expect(result.stdout).toContain(`the node name ${NODE} does not resolve in the DNS Prometheus uses: the tunnel-nodes hosts file is not wired in`);
    expect(result.stdout).toContain('4 found, 0 up, 4 not up');
    expect(result.status).toBe(1);
  });
});

describe('a wrong bearer token', () => {
  const scenario = new Scenario('wrong-token');
  beforeAll(() => scenario.start(renderStack('not-the-prometheus-token'), HOSTS_WITH_TUNNEL_NODES,
    allSettled((t) => t.health !== 'unknown')), 70_000);
  afterAll(() => scenario.stop());

  test('the kubelet targets are down with HTTP 401 while node-exporter stays up', () => {
    expect(scenario.target(`http://${NODE}:9100/metrics`).health).toBe('up');
    for (const url of EXPECTED_URLS.filter((u) => u.startsWith('https://'))) {
      expect(scenario.target(url).health).toBe('down');
      expect(scenario.target(url).lastError).toMatch(/server returned HTTP status 401/);
    }
  });

  test('verify blames the token Secret and exits 1', () => {
    const result = scenario.verify();
    expect(result.stdout).toContain('the kubelet rejected the bearer token (401)');
    expect(result.stdout).toContain('1 up, 3 not up');
    expect(result.status).toBe(1);
  });
});

describe('DNS-free addressing: node-exporter through the proxy Service with ?nodeName= (raven v0.4.4+)', () => {
  const scenario = new Scenario('proxy-query');
  const url = `http://${PROXY_SERVICE}:9100/metrics?nodeName=${NODE}`;
  let routedBefore = 0;
  beforeAll(() => {
    routedBefore = proxyRoutes().length;
    return scenario.start(renderProxyQueryNodeExporter(TOKEN), HOSTS_PROXY_SERVICE_ONLY,
      (targets) => targets.length === 1 && targets[0].health === 'up');
  }, 70_000);
  afterAll(() => scenario.stop());

  test('the node name does not resolve in this namespace, only the proxy Service does', () => {
    expect(lab.fetch(`http://${NODE}:9100/metrics`).error).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });

  test('the target is scraped at the proxy Service with ?nodeName= and is up, labelled by the node', () => {
    expect(scenario.targets.map((t) => t.scrapeUrl)).toEqual([url]);
    const target = scenario.target(url);
    expect(target).toMatchObject({ health: 'up', lastError: '' });
    expect(target.labels.instance).toBe(`${ADDR.edgeInternalIp}:9100`);
    expect(target.labels.node).toBe(NODE);
    expect(target.labels.job).toBe('node-exporter');
    expect(target.labels.scrape_via).toBe('raven');
  });

  test('the proxy routed Prometheus\' scrapes by the nodeName parameter', () => {
    const scrapes = proxyRoutes().slice(routedBefore);
    expect(scrapes.length).toBeGreaterThan(0);
    expect(scrapes).toContainEqual({ node: NODE, from: 'nodeName', path: '/metrics', status: 200 });
    expect(scrapes.every((r) => r.from === 'nodeName' && r.node === NODE)).toBe(true);
  });

  test('verify finds the target, reports it up and exits 0', () => {
    const result = scenario.verify();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('1 found, 1 up, 0 not up');
    expect(result.status).toBe(0);
  });
});

describe('verify without a Prometheus', () => {
  test('exits 2 and says it cannot reach Prometheus', () => {
    const result = runVerify('--prometheus', `http://${ADDR.prometheus}:9091`);
    expect(result.stderr).toContain(`cannot reach Prometheus at http://${ADDR.prometheus}:9091/api/v1/targets`);
    expect(result.status).toBe(2);
  });
});
