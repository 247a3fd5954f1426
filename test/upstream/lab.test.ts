import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { createWithStatus } from './support/cluster-objects';
import { ControlPlane } from './support/control-plane';
import { addLoopbackAddresses, CoreDns, CoreDnsCluster, coreDnsServiceAccount, startCoreDns, startStubUpstream, TunnelNodesVolume, tunnelNodesText } from './support/coredns';
import { HollowKubelets } from './support/kubelet';
import { NetworkNamespace, waitFor } from './support/netns';
import { bindRavenProxyUser, httpsGet, RAVEN_PROXY_SERVICE_NAMES, RavenProxy, TUNNEL_PROXY_CLIENT } from './support/raven';
import { Corefile, DnsStrategy, NodeAddressing, NodeSelection, RavenPrometheus, RavenPrometheusProps, ScrapeProfile } from '../../src';
import { REQUIRED_METRICS } from '../../src/private/required-metrics';
import { operatorRender, withFilledTokenSecrets } from '../support/operator-render';
import { exampleStackManifests, toolchainPrometheusVersion } from '../support/prometheus-tools';
import { upstreamProgram } from '../support/upstream';

/**
 * The proof on real programs. Inside a private network namespace (loopback only, no route out) run
 * a real control plane (etcd and kube-apiserver), real CoreDNS serving the cluster DNS with the
 * example stack's edited Corefile and the tunnel-nodes ConfigMap volume, real Prometheus 3 with its
 * real Kubernetes discovery, and a real node-exporter; Prometheus's configuration is what
 * prometheus-operator's own code generates from the ScrapeConfigs (operator-render). The example
 * stack's objects are applied to the API server, the nodes and node-exporter pods are real Node and
 * Pod objects there, Prometheus runs as it does in a pod (in-cluster config, the ServiceAccount token
 * of its own ServiceAccount, bound by the library's ClusterRole, a pod's resolv.conf), and the
 * recipe's acceptance check (its Step 6) is asserted on `/api/v1/targets`; then the recipe's failure
 * modes are reproduced and `verify` is run on each.
 *
 *   127.0.0.2:6443      kube-apiserver               127.0.0.3:2379   etcd
 *   127.0.0.9:9090      Prometheus
 *   10.96.0.10:53       the cluster DNS (CoreDNS)    192.0.2.53:53    the upstream resolver (CoreDNS, a stub zone)
 *   10.96.0.53:53       raven-proxy-dns (CoreDNS), in the dedicated-DNS scenario
 *   10.96.100.10        Service x-raven-proxy-internal-svc (its ClusterIP, what tunnel-nodes maps every node to):
 *                       Raven's L7 proxy (raven-proxy, after raven v0.4.4): :9100 HTTP, :10250 HTTPS with its
 *                       own certificate from the cluster CA; it finds the node by ?nodeName= or Host, reads
 *                       its InternalIP from the API server and dials it, over TLS with the tunnel-proxy-client
 *                       certificate for HTTPS, through the "tunnel" below
 *   127.0.0.12:18081    the proxy's control endpoint (what it routed)
 *   10.0.1.20           the edge node's InternalIP (not loopback: the kubelet refuses one): nothing listens there,
 *                       the cloud cannot reach the edge network
 *   127.0.0.21          the cloud node's InternalIP (the gateway node)
 *   127.0.0.30          the far end of the edge node's tunnel, where the proxy reaches 10.0.1.20: node-exporter
 *                       :9100 and the kubelet :10250: the kubelet's own code (the toolchain's `kubelet`,
 *                       kubemark's hollow kubelet with the kubelet's HTTPS server, x509 then webhook
 *                       authentication, webhook authorization), which registered the edge Node itself
 *
 * Needs root and Go (the toolchain builds the programs, node-exporter included).
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const NODE = 'edge-gpu-1';
const CLOUD_NODE = 'cloud-1';
const ADDR = {
  api: '127.0.0.2',
  etcd: '127.0.0.3',
  prometheus: '127.0.0.9',
  proxyControl: '127.0.0.12',
  edgeInternalIp: '10.0.1.20',
  cloudInternalIp: '127.0.0.21',
  tunnel: '127.0.0.30',
};
/** Service ClusterIPs (added to the namespace's loopback, so that what listens there is reachable). */
const CLUSTER_DNS_IP = '10.96.0.10';
const PROXY_DNS_IP = '10.96.0.53';
const PROXY_IP = '10.96.100.10';
const UPSTREAM_DNS_IP = '192.0.2.53';
const PROMETHEUS_URL = `http://${ADDR.prometheus}:9090`;
const NAMESPACE = 'monitor';

const EXPECTED_URLS = [
  `http://${NODE}:9100/metrics`,
  `https://${NODE}:10250/metrics`,
  `https://${NODE}:10250/metrics/cadvisor`,
  `https://${NODE}:10250/metrics/probes`,
].sort();

const PROXY_SERVICE = 'x-raven-proxy-internal-svc.kube-system.svc';
/** Only localhost: every name is answered by the DNS, as in a pod. */
const HOSTS = '127.0.0.1\tlocalhost\n';
/** What yurt-manager writes into the tunnel-nodes ConfigMap with the L7 proxy on: every node to the proxy's ClusterIP. */
const TUNNEL_NODES = tunnelNodesText({ [NODE]: PROXY_IP, [CLOUD_NODE]: PROXY_IP });

/** A pod's resolv.conf with dnsPolicy ClusterFirst in namespace `monitor` (what the kubelet writes). */
const CLUSTER_FIRST_RESOLV_CONF = `nameserver ${CLUSTER_DNS_IP}\nsearch ${NAMESPACE}.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:2\n`;

function node(name: string, internalIp: string, edge: boolean): { object: any; status: any } {
  return {
    object: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'openyurt.io/is-edge-worker': String(edge),
          'apps.openyurt.io/nodepool': edge ? 'gpu-pool' : 'cloud-pool',
          'raven.openyurt.io/gateway': edge ? 'gw-gpu-pool' : 'gw-cloud',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
        },
      },
    },
    status: {
      addresses: [{ type: 'InternalIP', address: internalIp }, { type: 'Hostname', address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'lab', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
    },
  };
}

/** A node-exporter pod of kube-prometheus-stack's DaemonSet on a node (hostNetwork: the node's IP). */
function nodeExporterPod(nodeName: string, internalIp: string): { object: any; status: any } {
  return {
    object: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `foundation-core-prometheus-node-exporter-${nodeName}`,
        namespace: NAMESPACE,
        labels: {
          'app.kubernetes.io/name': 'prometheus-node-exporter',
          'app.kubernetes.io/instance': 'foundation-core',
          'jobLabel': 'node-exporter',
          'release': 'foundation-core',
        },
      },
      spec: {
        nodeName,
        hostNetwork: true,
        containers: [{
          name: 'node-exporter',
          image: 'quay.io/prometheus/node-exporter:v1.9.1',
          ports: [{ name: 'http-metrics', containerPort: 9100, protocol: 'TCP' }],
        }],
      },
    },
    status: {
      phase: 'Running',
      podIP: internalIp,
      podIPs: [{ ip: internalIp }],
      hostIP: internalIp,
      hostIPs: [{ ip: internalIp }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

const lab = new NetworkNamespace(`raven-lab-${process.pid}`);
let plane: ControlPlane;
let raven: RavenProxy;
let kubelets: HollowKubelets;
let promVersion = '';
let manifests: any[] = [];
/** Prometheus's ServiceAccount, as kube-prometheus-stack creates it, and a token of it. */
let prometheusServiceAccount = '';
let prometheusToken = '';
let prometheusTokenVolume = '';
/** The cluster DNS and what it is started with. */
let clusterDns: CoreDns | undefined;
let coreDnsIdentity: CoreDnsCluster;
let tunnelNodes: TunnelNodesVolume;
/** Every wait of the lab draws on one budget, so that even a failing run ends within 7 minutes. */
const LAB_DEADLINE = Date.now() + 480_000;
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
  discoveredLabels?: { [key: string]: string };
}

/**
 * The scrape configurations prometheus-operator's own code (operator-render) generates from the
 * objects, once the token Secret is filled with `token`, for the lab's Prometheus version.
 */
function operatorScrapeConfigs(objects: any[], token: string): any[] {
  // What Kubernetes publishes in every namespace (kube-controller-manager's root-ca-cert-publisher).
  const rootCa = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: NAMESPACE }, data: { 'ca.crt': plane.ca.cert } };
  const rendered = operatorRender([...withFilledTokenSecrets(objects, token), rootCa], { prometheusVersion: `v${promVersion}` });
  if (!rendered.ok || rendered.scrapeConfigs.length === 0) {
    throw new Error(`prometheus-operator refused the objects (exit ${rendered.status}):\n${rendered.stderr}`);
  }
  return rendered.scrapeConfigs;
}

/** The example stack's ScrapeConfigs (each passed through `transform`) as the operator renders them. */
function renderStack(token: string, transform: (manifest: any) => any = (m) => m): any[] {
  return operatorScrapeConfigs(manifests.map((m) => (m.kind === 'ScrapeConfig' ? transform(m) : m)), token);
}

/** Recipe Question 1: the same node-exporter scrape without the rewrite of the address to the node name. */
function withoutAddressRewrite(manifest: any): any {
  if (!manifest.metadata.name.startsWith('node-exporter')) {
    return manifest;
  }
  const relabelings: any[] = manifest.spec.relabelings ?? [];
  const kept = relabelings.filter((r) => r.targetLabel !== '__address__' && r.targetLabel !== '__param_nodeName');
  // Pod discovery already addresses <pod IP>:<container port>, the node's InternalIP for a
  // hostNetwork exporter.
  return { ...manifest, spec: { ...manifest.spec, relabelings: kept } };
}

/**
 * The example stack's scrapes for Prometheus, with other props: the same release, ServiceAccount,
 * namespace and edge nodes, no DNS objects (the lab's cluster DNS is started apart), addressed by node
 * name unless `props` say otherwise; as the operator renders them.
 */
function renderLabStack(id: string, props: RavenPrometheusProps, token: string = 'unused'): any[] {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), id, { namespace: NAMESPACE });
  new RavenPrometheus(chart, 'raven', {
    release: 'foundation-core',
    serviceAccountName: prometheusServiceAccount,
    dns: DnsStrategy.none(),
    addressing: NodeAddressing.nodeName(),
    nodes: NodeSelection.edgeOnly(),
    ...props,
  });
  return operatorScrapeConfigs(chart.toJson(), token);
}

/** DNS-free addressing (raven v0.4.4+), the library's default TLS. */
const renderProxyQueryStack = (token: string) => renderLabStack('dns-free', { addressing: NodeAddressing.proxyQuery() }, token);

const proxyRoutes = () => raven.routes();

/** The kubelet's own 403 body (k8s.io/kubernetes pkg/kubelet/server/auth.go) for a metrics path. */
const kubeletForbidden = (user: string) => `Forbidden (user=${user}, verb=get, resource=nodes, subresource(s)=[metrics])`;

/**
 * The example stack's scrapes, but sending Prometheus's ServiceAccount token to the nodes
 * (`sendServiceAccountTokenToNodes`), as the library did before it measured what Raven does.
 */
const renderTokenStack = (token: string) => renderLabStack('with-token', { sendServiceAccountTokenToNodes: true }, token);

function prometheusYml(scrapeConfigs: any[]): string {
  return YAML.stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: scrapeConfigs,
  });
}

function prometheusTargets(state: 'active' | 'dropped'): Target[] | undefined {
  const answer = lab.fetch(`${PROMETHEUS_URL}/api/v1/targets?state=${state}`);
  if (answer.status !== 200 || answer.body === undefined) {
    return undefined;
  }
  const data = JSON.parse(answer.body).data;
  return state === 'active' ? data.activeTargets : data.droppedTargets;
}

function describeTargets(targets: Target[] | undefined): string {
  return (targets ?? []).map((t) => `${t.health} ${t.scrapeUrl} ${t.lastError}`).join('\n');
}

/** One Prometheus run, as in a pod: started with a configuration and hosts file, stopped by `stop()`. */
class Scenario {
  public targets: Target[] = [];
  /** The scrape configurations it was started with. */
  public configs: any[] = [];
  private proc?: import('child_process').ChildProcess;

  public constructor(private readonly label: string) {}

  public async start(scrapeConfigs: any[], resolvConf: string, settled: (targets: Target[]) => boolean): Promise<void> {
    this.configs = scrapeConfigs;
    lab.writeEtc('resolv.conf', resolvConf);
    const dir = path.join(lab.dir, this.label);
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), prometheusYml(scrapeConfigs));
    // The operator writes the CA a ScrapeConfig names into the Prometheus pod's certs folder (its
    // tls-assets volume); here: the cluster CA, which is what kube-root-ca.crt holds.
    const certs = path.join(dir, 'certs');
    fs.mkdirSync(certs, { recursive: true });
    for (const file of caFilesOf(scrapeConfigs)) {
      if (!file.startsWith('/etc/prometheus/certs/')) throw new Error(`a CA file outside the operator's folder: ${file}`);
      fs.writeFileSync(path.join(certs, path.basename(file)), plane.ca.cert);
    }
    this.proc = await lab.start(`prometheus-${this.label}`, upstreamProgram('prometheus'), [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=${ADDR.prometheus}:9090`,
    ], async () => {
      await waitFor('Prometheus to be ready', within(20_000), () => (lab.fetch(`${PROMETHEUS_URL}/-/ready`).status === 200 ? true : undefined));
    }, undefined, {
      mounts: { '/var/run/secrets/kubernetes.io/serviceaccount': prometheusTokenVolume, '/etc/prometheus/certs': certs },
      env: plane.inClusterEnv,
    });
    let last: Target[] | undefined;
    try {
      this.targets = await waitFor(`the ${this.label} targets to settle`, within(40_000), () => {
        last = prometheusTargets('active');
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

  /** Waits until the targets satisfy `settled` again (after a change in the cluster). */
  public async settle(what: string, settled: (targets: Target[]) => boolean, timeoutMs: number): Promise<void> {
    let last: Target[] | undefined;
    try {
      this.targets = await waitFor(what, within(timeoutMs), () => {
        last = prometheusTargets('active');
        return last !== undefined && last.length > 0 && settled(last) ? last : undefined;
      }, 500);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nlast targets:\n${describeTargets(last)}`);
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

/** The `tls_config.ca_file` of every scrape configuration. */
function caFilesOf(scrapeConfigs: any[]): string[] {
  return [...new Set(scrapeConfigs.map((c) => c.tls_config?.ca_file).filter((f): f is string => typeof f === 'string'))];
}

function runVerify(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return lab.run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', 'verify', ...args], within(20_000), REPO_ROOT);
}

const allSettled = (predicate: (t: Target) => boolean) => (targets: Target[]) =>
  targets.length === EXPECTED_URLS.length && targets.every(predicate);

/** The Prometheus ServiceAccount the library's token Secret and ClusterRoleBinding name. */
function serviceAccountOf(objects: any[]): string {
  const binding = objects.find((m) => m.kind === 'ClusterRoleBinding');
  const subject = binding?.subjects?.find((s: any) => s.kind === 'ServiceAccount');
  if (!subject) {
    throw new Error('the example stack binds no ServiceAccount');
  }
  return subject.name;
}

/** The Corefile of the example stack's edited `coredns` ConfigMap. */
function editedCorefile(): string {
  const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'coredns');
  if (!configMap) {
    throw new Error('the example stack writes no coredns ConfigMap');
  }
  return configMap.data.Corefile;
}

/** (Re)starts the cluster DNS on its ClusterIP with a Corefile; `undefined` only stops it. */
async function startClusterDns(corefile: string | undefined): Promise<void> {
  if (clusterDns) {
    await clusterDns.stop();
    clusterDns = undefined;
  }
  if (corefile !== undefined) {
    // dnsPolicy Default: CoreDNS forwards to the node's resolver, the stub upstream.
    clusterDns = await startCoreDns(lab, {
      label: 'cluster-dns',
      corefile,
      tunnelNodes,
      cluster: coreDnsIdentity,
      resolvConf: `nameserver ${UPSTREAM_DNS_IP}\n`,
    });
  }
}

beforeAll(async () => {
  NetworkNamespace.checkPrerequisites();
  promVersion = toolchainPrometheusVersion();
  manifests = exampleStackManifests();
  prometheusServiceAccount = serviceAccountOf(manifests);

  lab.create(Object.values(ADDR), { hosts: HOSTS, resolvConf: CLUSTER_FIRST_RESOLV_CONF });
  addLoopbackAddresses(lab, [CLUSTER_DNS_IP, PROXY_DNS_IP, PROXY_IP, UPSTREAM_DNS_IP]);
  plane = await ControlPlane.start(lab, { apiServer: ADDR.api, etcd: ADDR.etcd }, within(90_000));
  const admin = plane.admin;

  // Raven's proxy Service, as raven's controller creates it (its ClusterIP is where the stand-in
  // proxy listens), and the cluster DNS: CoreDNS with the example stack's edited Corefile, the
  // tunnel-nodes ConfigMap volume as yurt-manager fills it, its upstream a stub resolver.
  await admin.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'x-raven-proxy-internal-svc', namespace: 'kube-system' },
    spec: { clusterIP: PROXY_IP, ports: [{ name: 'http-9100', port: 9100, targetPort: 10264 }, { name: 'https-10250', port: 10250, targetPort: 10263 }] },
  });
  coreDnsIdentity = await coreDnsServiceAccount(plane);
  tunnelNodes = new TunnelNodesVolume(path.join(lab.dir, 'edge-tunnel-nodes'));
  tunnelNodes.write(TUNNEL_NODES);
  await startStubUpstream(lab, 'upstream-dns', [UPSTREAM_DNS_IP]);
  await startClusterDns(editedCorefile());

  // What kube-prometheus-stack would have created: the namespace and Prometheus's ServiceAccount.
  await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: prometheusServiceAccount, namespace: NAMESPACE } });
  // The library's objects for Prometheus: RBAC, token Secret, ScrapeConfigs (server-side applied).
  for (const m of manifests.filter((o) => o.metadata.namespace === NAMESPACE || o.kind.startsWith('ClusterRole'))) {
    const applied = await admin.apply(m, 'cdk8s-raven-prometheus');
    if (applied.status >= 300) {
      throw new Error(`applying ${m.kind} ${m.metadata.name} failed: ${JSON.stringify(applied.body)}`);
    }
  }
  // The edge node: the kubelet's own code registers its Node (OpenYurt's labels, the InternalIP)
  // and keeps it Ready, and serves its HTTPS endpoints at the far end of the node's tunnel. The
  // cloud node has no kubelet here: a Node object with its status, as a kubelet would have written it.
  kubelets = await HollowKubelets.start(plane, [{
    name: NODE,
    address: ADDR.tunnel,
    internalIp: ADDR.edgeInternalIp,
    labels: node(NODE, ADDR.edgeInternalIp, true).object.metadata.labels,
    pods: 3,
  }], { deadlineMs: within(120_000) });
  for (const item of [node(CLOUD_NODE, ADDR.cloudInternalIp, false),
    nodeExporterPod(NODE, ADDR.edgeInternalIp), nodeExporterPod(CLOUD_NODE, ADDR.cloudInternalIp)]) {
    await createWithStatus(admin, item);
  }
  prometheusToken = await admin.serviceAccountToken(NAMESPACE, prometheusServiceAccount);
  prometheusTokenVolume = await plane.serviceAccountVolume(NAMESPACE, prometheusServiceAccount);

  // Raven's L7 proxy on the proxy Service's ClusterIP, served by the cloud Gateway (the gateway
  // node cloud-1); the edge node's InternalIP is reached through its "tunnel".
  raven = await RavenProxy.start(lab, plane, {
    clusterIp: PROXY_IP,
    gatewayNode: { name: CLOUD_NODE, ip: ADDR.cloudInternalIp },
    gatewayName: 'gw-cloud',
    gatewayMembers: [CLOUD_NODE],
    httpPorts: [9100],
    httpsPorts: [10250],
    tunnel: { [ADDR.edgeInternalIp]: ADDR.tunnel },
    control: `${ADDR.proxyControl}:18081`,
  }, false);

  // node-exporter (the toolchain's, from its Go module) at the far end of the edge node's tunnel:
  // Prometheus reaches it only through Raven's proxy.
  await lab.start('node-exporter', upstreamProgram('node-exporter'), [
    `--web.listen-address=${ADDR.tunnel}:9100`,
  ], async () => {
    await waitFor('node-exporter to answer', within(15_000), () => (lab.fetch(`http://${ADDR.tunnel}:9100/metrics`).status === 200 ? true : undefined));
  });
}, 150_000);

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

  test('the real API server lists the edge node for the edge-worker label selector, and the cloud node for the other value', async () => {
    const list = async (selector: string) => (await plane.admin.must('GET', `/api/v1/nodes?labelSelector=${encodeURIComponent(selector)}`))
      .items.map((n: any) => n.metadata.name);
    expect(await list('openyurt.io/is-edge-worker=true')).toEqual([NODE]);
    expect(await list('openyurt.io/is-edge-worker=false')).toEqual([CLOUD_NODE]);
  });
});

describe('the raven-agent chart\'s raven-proxy-user binding missing', () => {
  const scenario = new Scenario('proxy-user-unbound');
  // The lab starts without the binding, and this runs first: the kubelet caches a SubjectAccessReview
  // that allowed a user for 5 minutes (its webhook cacheAuthorizedTTL), so a binding removed after
  // the proxy was admitted would show only that much later, as on a real node.
  beforeAll(async () => {
    await scenario.start(renderStack('unused'), CLUSTER_FIRST_RESOLV_CONF, allSettled((t) => t.health !== 'unknown'));
  }, 70_000);
  afterAll(async () => {
    await scenario.stop();
    await bindRavenProxyUser(plane);
    // Denials are cached for 30 s (cacheUnauthorizedTTL): the proxy is admitted again within that.
    const since = Date.now();
    await waitFor('the kubelet to admit Raven\'s certificate once raven-proxy-user is bound', within(60_000), () => (httpsGet(lab, {
      host: PROXY_IP, port: 10250, path: '/metrics', servername: PROXY_SERVICE, caFile: plane.ca.certFile, headers: { Host: `${NODE}:10250` },
    }).status === 200 ? true : undefined), 1_000);
    process.stdout.write(`the kubelet admitted tunnel-proxy-client ${((Date.now() - since) / 1000).toFixed(0)} s after raven-proxy-user was bound\n`);
  }, 70_000);

  test('the kubelet targets are down with the kubelet\'s 403 for tunnel-proxy-client, node-exporter stays up', () => {
    expect(scenario.target(`http://${NODE}:9100/metrics`).health).toBe('up');
    for (const url of EXPECTED_URLS.filter((u) => u.startsWith('https://'))) {
      expect(scenario.target(url).health).toBe('down');
      expect(scenario.target(url).lastError).toMatch(/server returned HTTP status 403/);
    }
  });

  test('every kubelet endpoint answers the kubelet\'s own 403 naming tunnel-proxy-client, even with a token that may read node metrics', async () => {
    // A ServiceAccount that may get nodes/metrics: were its token used, the kubelet would admit it.
    await plane.admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'metrics-reader', namespace: NAMESPACE } });
    await plane.admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'lab-metrics-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'raven-proxy-user' },
      subjects: [{ kind: 'ServiceAccount', name: 'metrics-reader', namespace: NAMESPACE }],
    }, 'raven-lab');
    const token = await plane.admin.serviceAccountToken(NAMESPACE, 'metrics-reader');
    expect((await kubelets.get(NODE, '/metrics', { token })).status).toBe(200);
    for (const endpoint of ['/metrics', '/metrics/cadvisor', '/metrics/probes', '/metrics/resource']) {
      for (const headers of [{}, { Authorization: `Bearer ${token}` }] as { [name: string]: string }[]) {
        const answer = httpsGet(lab, {
          host: PROXY_IP, port: 10250, path: endpoint, servername: PROXY_SERVICE, caFile: plane.ca.certFile, headers: { Host: `${NODE}:10250`, ...headers },
        });
        expect(answer.status).toBe(403);
        expect(answer.body).toContain(kubeletForbidden(TUNNEL_PROXY_CLIENT));
      }
    }
  });

  test('verify names the 403, Raven\'s client certificate and the raven-proxy-user binding, and exits 1', () => {
    const result = scenario.verify();
    expect(result.stdout).toMatch(/403/);
    expect(result.stdout).toContain(TUNNEL_PROXY_CLIENT);
    expect(result.stdout).toContain('raven-proxy-user');
    expect(result.stdout).toContain('1 up, 3 not up');
    expect(result.status).toBe(1);
  });
});

describe('Raven\'s L7 proxy (raven-proxy, after raven v0.4.4)', () => {
  const viaProxy = (servername: string, pathAndQuery: string, headers: { [name: string]: string } = {}) => httpsGet(lab, {
    host: PROXY_IP, port: 10250, path: pathAndQuery, servername, caFile: plane.ca.certFile, headers: { Host: `${NODE}:10250`, ...headers },
  });

  test('routes HTTP by the nodeName parameter, else by the Host header, to the node\'s exporter', () => {
    const byQuery = lab.fetch(`http://${PROXY_IP}:9100/metrics?nodeName=${NODE}`);
    expect(byQuery.status).toBe(200);
    expect(byQuery.body).toMatch(/^node_load1 /m);
    const byHost = lab.fetch(`http://${NODE}:9100/metrics`);
    expect(byHost.status).toBe(200);
    expect(byHost.body).toMatch(/^node_load1 /m);
  });

  test('answers 400 for an IP-literal host without nodeName and for a node the API server does not know (manageheader.go)', () => {
    const literal = lab.fetch(`http://${PROXY_IP}:9100/metrics`);
    expect(literal.status).toBe(400);
    expect(literal.body).toContain(`request host ${PROXY_IP}:9100 and url /metrics is invalid`);
    const unknown = lab.fetch(`http://${PROXY_IP}:9100/metrics?nodeName=no-such-node`);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatch(/not found/);
    const routes = proxyRoutes();
    expect(routes).toContainEqual(expect.objectContaining({ node: NODE, from: 'nodeName', path: '/metrics', status: 200, mode: 'Remote', tls: false }));
    expect(routes).toContainEqual(expect.objectContaining({ node: NODE, from: 'host', path: '/metrics', status: 200 }));
    expect(routes).toContainEqual(expect.objectContaining({ node: PROXY_IP, from: 'host', path: '/metrics', status: 400 }));
    expect(routes).toContainEqual(expect.objectContaining({ node: 'no-such-node', from: 'nodeName', path: '/metrics', status: 400 }));
  });

  test('the nodeName parameter never reaches the node: the proxy deletes it and writes the node\'s InternalIP as Host', () => {
    const before = proxyRoutes().length;
    expect(lab.fetch(`http://${PROXY_IP}:9100/metrics?nodeName=${NODE}&collect%5B%5D=cpu`).status).toBe(200);
    const written = proxyRoutes().slice(before);
    expect(written).toHaveLength(1);
    expect(written[0].upstream).toBe(`GET /metrics?collect%5B%5D=cpu Host: ${ADDR.edgeInternalIp}:9100`);
    expect(written[0].upstream).not.toContain('nodeName');
  });

  test('serves HTTPS with its own certificate from the cluster CA, for the gateway node and the proxy Service, never for an edge node', () => {
    for (const name of RAVEN_PROXY_SERVICE_NAMES) {
      const answer = viaProxy(name, '/healthz');
      expect(answer.error).toBeUndefined();
      expect(answer.subjectCn).toBe('system:node:tunnel-proxy-server');
    }
    const byNodeName = viaProxy(NODE, '/healthz');
    expect(byNodeName.error).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    const answer = viaProxy('x-raven-proxy-internal-svc.kube-system.svc', '/healthz');
    expect(answer.subjectAltName).toContain(`DNS:${CLOUD_NODE}`);
    expect(answer.subjectAltName).toContain(`IP Address:${PROXY_IP}`);
    expect(answer.subjectAltName).not.toContain(NODE);
  });

  test('speaks HTTP/1.1 only: HTTP/2 is off even when the client offers it (servers.go: empty TLSNextProto)', () => {
    const answer = viaProxy('x-raven-proxy-internal-svc.kube-system.svc', '/metrics', { Host: `${NODE}:10250` });
    expect(answer.error).toBeUndefined();
    expect(answer.alpn).toBe(false);
  });

  test('the kubelet authenticates the proxy\'s client certificate (tunnel-proxy-client) and ignores a bearer token in the request', async () => {
    const token = await plane.admin.serviceAccountToken(NAMESPACE, prometheusServiceAccount);
    // Sent to the kubelet directly, each token alone gets the kubelet's own answer: the unknown one
    // 401, Prometheus's (whose ServiceAccount the library no longer grants nodes/metrics) 403.
    expect((await kubelets.get(NODE, '/metrics', { token: 'not-a-token' })).status).toBe(401);
    const direct = await kubelets.get(NODE, '/metrics', { token });
    expect(direct.status).toBe(403);
    expect(direct.text).toContain(kubeletForbidden(`system:serviceaccount:${NAMESPACE}:${prometheusServiceAccount}`));
    // Through Raven, with either token or none, the kubelet admits Raven's certificate.
    const withToken = viaProxy('x-raven-proxy-internal-svc.kube-system.svc', '/metrics', { Authorization: `Bearer ${token}` });
    const without = viaProxy('x-raven-proxy-internal-svc.kube-system.svc', '/metrics');
    const withGarbage = viaProxy('x-raven-proxy-internal-svc.kube-system.svc', '/metrics', { Authorization: 'Bearer not-a-token' });
    expect([withToken.status, without.status, withGarbage.status]).toEqual([200, 200, 200]);
    expect(without.body).toMatch(/^kubelet_running_pods /m);
  });

  test('every kubelet endpoint answers through the HTTPS port; gzip crosses as gzip, as the kubelet sent it', () => {
    const sizes: string[] = [];
    for (const endpoint of ['/metrics', '/metrics/cadvisor', '/metrics/probes', '/metrics/resource']) {
      const plain = viaProxy('x-raven-proxy-internal-svc.kube-system.svc', endpoint);
      const gzip = viaProxy('x-raven-proxy-internal-svc.kube-system.svc', endpoint, { 'Accept-Encoding': 'gzip' });
      expect([plain.status, gzip.status]).toEqual([200, 200]);
      expect(plain.headers?.['content-encoding']).toBeUndefined();
      expect(gzip.headers?.['content-encoding']).toBe('gzip');
      expect(gzip.bodyBytes).toBeLessThan(plain.bodyBytes!);
      sizes.push(`${endpoint} ${plain.bodyBytes} B raw, ${gzip.bodyBytes} B gzip`);
    }
    process.stdout.write(`through Raven's HTTPS port, the kubelet (3 pods of 1 container): ${sizes.join('; ')}\n`);
  });

  test('a new connection to the node for every request, TLS to the kubelet for what arrived over TLS (interceptor.go)', () => {
    const before = proxyRoutes().length;
    for (let i = 0; i < 3; i++) {
      expect(viaProxy('x-raven-proxy-internal-svc.kube-system.svc', `/metrics?nodeName=${NODE}`).status).toBe(200);
    }
    const routes = proxyRoutes().slice(before);
    expect(routes.map((r) => [r.tls, r.mode, r.upstream])).toEqual(Array(3).fill([true, 'Remote', `GET /metrics Host: ${ADDR.edgeInternalIp}:10250`]));
  });
});

describe('recipe Step 6: the example stack, applied to the API server and discovered by Prometheus\'s Kubernetes discovery, scrapes the edge node through the proxy', () => {
  const scenario = new Scenario('good');
  beforeAll(() => {
    return scenario.start(renderStack(prometheusToken), CLUSTER_FIRST_RESOLV_CONF, allSettled((t) => t.health === 'up'));
  }, 70_000);
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

  test('every target is in a job named scrapeConfig/<namespace>/<name>, labelled by the node, and carries the library\'s marker label', () => {
    expect(scenario.targets.map((t) => t.scrapeUrl).sort()).toEqual(EXPECTED_URLS);
    for (const t of scenario.targets) {
      expect(t.scrapePool).toMatch(new RegExp(`^scrapeConfig/${NAMESPACE}/`));
      expect(t.labels.scrape_via).toBe('raven');
      expect(t.labels.node).toBe(NODE);
    }
  });

  test('the cloud node is discovered but not scraped by the library\'s jobs', () => {
    expect(scenario.targets.some((t) => JSON.stringify(t.labels).includes(CLOUD_NODE))).toBe(false);
    const dropped = prometheusTargets('dropped') ?? [];
    expect(dropped.some((t) => t.discoveredLabels?.__meta_kubernetes_pod_node_name === CLOUD_NODE)).toBe(true);
  });

  test('the kubelet admitted Raven\'s client certificate: Prometheus\'s own ServiceAccount may not get nodes/metrics, and no token was sent', async () => {
    const user = `system:serviceaccount:${NAMESPACE}:${prometheusServiceAccount}`;
    const groups = ['system:serviceaccounts', `system:serviceaccounts:${NAMESPACE}`, 'system:authenticated'];
    expect(await plane.admin.can(user, groups, { resource: 'nodes', subresource: 'metrics', verb: 'get' })).toBe(false);
    expect(await plane.admin.can(TUNNEL_PROXY_CLIENT, ['openyurt:yurttunnel', 'system:authenticated'], { resource: 'nodes', subresource: 'metrics', verb: 'get' })).toBe(true);
    const kubelet = scenario.targets.filter((t) => t.scrapeUrl.startsWith('https://'));
    expect(kubelet.length).toBe(3);
    expect(kubelet.every((t) => t.health === 'up')).toBe(true);
  });

  test('the scrapes carry no credential and verify the proxy\'s certificate with the cluster CA and the proxy Service\'s name', () => {
    for (const config of renderStack('unused').filter((c) => c.scheme === 'https')) {
      expect(config.authorization).toBeUndefined();
      expect(config.bearer_token).toBeUndefined();
      expect(config.tls_config).toEqual({ ca_file: expect.stringMatching(/^\/etc\/prometheus\/certs\/.*kube-root-ca\.crt_ca\.crt$/), server_name: 'x-raven-proxy-internal-svc.kube-system.svc' });
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

  test('verify --job selects the recipe\'s hand-written job names without the marker label', () => {
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

describe('recipe Question 1: node-exporter addressed by the IP discovery gives it, not by the node name', () => {
  const scenario = new Scenario('by-internal-ip');
  let podIp = '';
  let url = '';
  beforeAll(async () => {
    // The pod's IP as the kubelet reported it (a hostNetwork pod's is the node's; the hollow
    // kubelet's fake runtime reports its sandbox address instead): either way an edge address.
    const pod = await plane.admin.must('GET', `/api/v1/namespaces/${NAMESPACE}/pods/foundation-core-prometheus-node-exporter-${NODE}`);
    podIp = pod.status.podIP;
    url = `http://${podIp}:9100/metrics`;
    await scenario.start(renderStack(prometheusToken, withoutAddressRewrite), CLUSTER_FIRST_RESOLV_CONF,
      (targets) => targets.some((t) => t.scrapeUrl === url && t.health === 'down'));
  }, 70_000);
  afterAll(() => scenario.stop());

  test('the target is down with a connection error, since the edge network is unreachable', () => {
    expect(scenario.target(url).health).toBe('down');
    expect(scenario.target(url).lastError).toMatch(/connection refused|network is unreachable|deadline exceeded/);
  });

  test('verify says the address was not rewritten to the node name and exits 1', () => {
    const result = scenario.verify();
    expect(result.stdout).toContain(`cause: the target is addressed by the IP ${podIp}`);
    expect(result.stdout).toContain('the address was not rewritten to the node name');
    expect(result.status).toBe(1);
  });
});

describe('recipe Question 2: the node name does not resolve once its line leaves tunnel-nodes, and recovers when it is back', () => {
  const scenario = new Scenario('no-tunnel-dns');
  beforeAll(async () => {
    // The line leaves the ConfigMap; CoreDNS is restarted (as a rollout would) so that its cache of
    // the old answer (kubeadm's `cache 30`) does not hide the change. Prometheus starts afterwards:
    // scrapes already running keep their connections (HTTP keep-alive) and need no new lookup.
    tunnelNodes.write(tunnelNodesText({ [CLOUD_NODE]: PROXY_IP }));
    await startClusterDns(editedCorefile());
    await scenario.start(renderStack(prometheusToken), CLUSTER_FIRST_RESOLV_CONF, allSettled((t) => t.health === 'down'));
  }, 90_000);
  afterAll(async () => {
    tunnelNodes.write(TUNNEL_NODES);
    await scenario.stop();
  });

  test('every target is down with "no such host" for the node name, answered by the real CoreDNS', () => {
    for (const url of EXPECTED_URLS) {
      expect(scenario.target(url).health).toBe('down');
      expect(scenario.target(url).lastError).toMatch(new RegExp(`lookup ${NODE}.*: no such host`));
    }
  });

  test('verify points at the tunnel-nodes DNS wiring and exits 1', () => {
    const result = scenario.verify();
    expect(result.stdout).toContain(`the node name ${NODE} does not resolve in the DNS Prometheus uses`);
    expect(result.stdout).toContain('4 found, 0 up, 4 not up');
    expect(result.status).toBe(1);
  });

  test('with the line back in tunnel-nodes, every target is up again', async () => {
    const back = Date.now();
    tunnelNodes.write(TUNNEL_NODES);
    await scenario.settle('every target to be up again', allSettled((t) => t.health === 'up'), 60_000);
    process.stdout.write(`targets up ${((Date.now() - back) / 1000).toFixed(0)} s after the line came back\n`);
    expect(scenario.targets.every((t) => t.health === 'up')).toBe(true);
  }, 70_000);
});

describe('Prometheus\'s token sent through Raven (sendServiceAccountTokenToNodes): forwarded, and ignored by the kubelet', () => {
  const scenario = new Scenario('token-ignored');
  beforeAll(() => {
    // A token the API server does not know: if the kubelet read it, every kubelet target would be 401.
    return scenario.start(renderTokenStack(`not-a-token-${randomBytes(8).toString('hex')}`), CLUSTER_FIRST_RESOLV_CONF,
      allSettled((t) => t.health !== 'unknown'));
  }, 70_000);
  afterAll(() => scenario.stop());

  test('every target is up: the kubelet authorized Raven\'s client certificate, not the token', () => {
    expect(scenario.targets.map((t) => [t.scrapeUrl, t.health]).sort()).toEqual(EXPECTED_URLS.map((u) => [u, 'up']));
  });

  test('the token did reach the node: the kubelet alone answers it with 401', async () => {
    const configs = scenario.configs.filter((c) => c.scheme === 'https');
    expect(configs.length).toBe(3);
    for (const config of configs) {
      expect(config.authorization?.credentials).toMatch(/^not-a-token-/);
      expect((await kubelets.get(NODE, config.metrics_path, { token: config.authorization.credentials })).status).toBe(401);
    }
  });
});

describe('ScrapeProfile.edgeLink(): every metric the default dashboards and rules read from the node, after the profile\'s scrapes', () => {
  const scenario = new Scenario('edge-profile');
  let inPrometheus = new Set<string>();
  beforeAll(async () => {
    await scenario.start(renderLabStack('edge-profile', { profile: ScrapeProfile.edgeLink() }), CLUSTER_FIRST_RESOLV_CONF, (targets) => targets.length === 3);
    // Every 60 s: the first scrape of each target comes within one interval of the start.
    await scenario.settle('every target of the profile to be scraped', (targets) => targets.length === 3 && targets.every((t) => t.health === 'up'), 90_000);
    const answer = lab.fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(`group by (__name__) ({node="${NODE}"})`)}`);
    inPrometheus = new Set(JSON.parse(answer.body!).data.result.map((r: any) => r.metric.__name__));
  }, 150_000);
  afterAll(() => scenario.stop());

  /** The metric names of an exposition, as the node serves them unfiltered through the proxy. */
  function served(body: string | undefined): Set<string> {
    return new Set((body ?? '').split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]));
  }

  test('scrapes node-exporter with collect[], the kubelet\'s /metrics and /metrics/cadvisor, every 60 s', () => {
    expect(scenario.targets.map((t) => t.scrapeUrl.replace(/\?.*$/, '')).sort()).toEqual([
      `http://${NODE}:9100/metrics`, `https://${NODE}:10250/metrics`, `https://${NODE}:10250/metrics/cadvisor`,
    ]);
    expect(scenario.targets.find((t) => t.scrapeUrl.startsWith('http://'))?.scrapeUrl).toContain('collect%5B%5D=cpu');
  });

  test.each([
    ['node-exporter', () => lab.fetch(`http://${PROXY_IP}:9100/metrics?nodeName=${NODE}`).body],
    ['kubelet:/metrics', () => httpsGet(lab, { host: PROXY_IP, port: 10250, path: '/metrics', servername: PROXY_SERVICE, caFile: plane.ca.certFile, headers: { Host: `${NODE}:10250` } }).body],
    ['kubelet:/metrics/cadvisor', () => httpsGet(lab, { host: PROXY_IP, port: 10250, path: '/metrics/cadvisor', servername: PROXY_SERVICE, caFile: plane.ca.certFile, headers: { Host: `${NODE}:10250` } }).body],
  ])('%s: every listed metric the node serves unfiltered is in Prometheus', (endpoint, fetchBody) => {
    const all = served(fetchBody());
    expect(all.size).toBeGreaterThan(0);
    const listed = REQUIRED_METRICS[endpoint].filter((m) => m.linux && m.name !== 'up' && (m.defaultEnabled ?? true)).map((m) => m.name);
    const onThisNode = listed.filter((name) => all.has(name));
    expect(onThisNode.length).toBeGreaterThan(0);
    expect(onThisNode.filter((name) => !inPrometheus.has(name))).toEqual([]);
    process.stdout.write(`edge profile, ${endpoint}: ${onThisNode.length} of ${listed.length} listed metrics served by this node, all in Prometheus; `
      + `not served here (hardware, volumes, probes the lab lacks): ${listed.filter((n) => !all.has(n)).join(', ') || 'none'}\n`);
  });
});

describe('DNS-free addressing: node-exporter and the kubelet through the proxy Service with ?nodeName= (raven v0.4.4+)', () => {
  const scenario = new Scenario('proxy-query');
  const url = `http://${PROXY_SERVICE}:9100/metrics?nodeName=${NODE}`;
  const kubeletUrls = ['/metrics', '/metrics/cadvisor', '/metrics/probes'].map((p) => `https://${PROXY_SERVICE}:10250${p}?nodeName=${NODE}`);
  let routedBefore = 0;
  beforeAll(async () => {
    // DnsStrategy.none(): the cluster DNS runs its Corefile as the distribution shipped it.
    await startClusterDns(Corefile.kubeadmDefault().toString());
    routedBefore = proxyRoutes().length;
    await scenario.start(renderProxyQueryStack(prometheusToken), CLUSTER_FIRST_RESOLV_CONF,
      (targets) => targets.length === 4 && targets.every((t) => t.health === 'up'));
  }, 70_000);
  afterAll(async () => {
    await scenario.stop();
    await startClusterDns(editedCorefile());
  }, 30_000);

  test('the node name does not resolve through the unedited cluster DNS, the proxy Service does (kubernetes plugin)', () => {
    expect(lab.fetch(`http://${NODE}:9100/metrics`).error).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect(lab.fetch(`http://${PROXY_SERVICE}:9100/metrics?nodeName=${NODE}`).status).toBe(200);
  });

  test('the targets are scraped at the proxy Service with ?nodeName= and are up, labelled by the node', () => {
    expect(scenario.targets.map((t) => t.scrapeUrl).sort()).toEqual([url, ...kubeletUrls].sort());
    for (const kubelet of kubeletUrls) {
      expect(scenario.target(kubelet)).toMatchObject({ health: 'up', lastError: '' });
      expect(scenario.target(kubelet).labels.node).toBe(NODE);
    }
    const target = scenario.target(url);
    expect(target).toMatchObject({ health: 'up', lastError: '' });
    expect(target.labels.instance).toBe(`${ADDR.edgeInternalIp}:9100`);
    expect(target.labels.node).toBe(NODE);
    expect(target.labels.job).toBe('node-exporter');
    expect(target.labels.scrape_via).toBe('raven');
  });

  test('the proxy routed Prometheus\'s scrapes by the nodeName parameter; the kubelet scrapes verified its certificate by the Service\'s name', () => {
    const scrapes = proxyRoutes().slice(routedBefore);
    expect(scrapes.length).toBeGreaterThan(0);
    expect(scrapes).toContainEqual(expect.objectContaining({ node: NODE, from: 'nodeName', path: '/metrics', status: 200, tls: false }));
    expect(scrapes).toContainEqual(expect.objectContaining({ node: NODE, from: 'nodeName', path: '/metrics/cadvisor', status: 200, tls: true }));
    const kubeletConfigs = renderProxyQueryStack('unused').filter((c) => c.scheme === 'https');
    expect(kubeletConfigs).toHaveLength(3);
    for (const config of kubeletConfigs) {
      expect(config.tls_config.server_name).toBe('x-raven-proxy-internal-svc.kube-system.svc');
      expect(config.tls_config.insecure_skip_verify).toBeUndefined();
    }
    expect(scrapes.every((r) => r.from === 'nodeName' && r.node === NODE)).toBe(true);
  });

  test('verify finds the targets, reports them up and exits 0', () => {
    const result = scenario.verify();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('4 found, 4 up, 0 not up');
    expect(result.status).toBe(0);
  });
});

describe('RavenProxyDns: node names resolved by a dedicated CoreDNS that only Prometheus asks (OpenYurt\'s own recipe)', () => {
  const scenario = new Scenario('dedicated-dns');
  let proxyDns: CoreDns | undefined;
  let resolvConf = '';
  beforeAll(async () => {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'dedicated-dns', { namespace: NAMESPACE });
    const stack = new RavenPrometheus(chart, 'raven', {
      release: 'foundation-core',
      dns: DnsStrategy.dedicatedProxyDns({ clusterIp: PROXY_DNS_IP, image: 'registry.k8s.io/coredns/coredns:v1.12.1' }),
      addressing: NodeAddressing.nodeName(),
    });
    const objects = chart.toJson();
    // The dedicated DNS's own ServiceAccount and RBAC, as the library writes them, applied to the API server.
    for (const m of objects.filter((o) => o.metadata.namespace === 'kube-system' ? o.kind === 'ServiceAccount' : o.kind.startsWith('ClusterRole'))) {
      const applied = await plane.admin.apply(m, 'cdk8s-raven-prometheus');
      if (applied.status >= 300) {
        throw new Error(`applying ${m.kind} ${m.metadata.name} failed: ${JSON.stringify(applied.body)}`);
      }
    }
    const configMap = objects.find((m) => m.kind === 'ConfigMap' && m.metadata.namespace === 'kube-system');
    const account = objects.find((m) => m.kind === 'ServiceAccount');
    // Pods' DNS as kube-prometheus-stack sets it from the library's values: dnsPolicy None, dnsConfig.
    const dnsConfig = stack.kubePrometheusStackValues().values.prometheus.prometheusSpec.dnsConfig;
    resolvConf = [
      ...dnsConfig.nameservers.map((n: string) => `nameserver ${n}`),
      `search ${dnsConfig.searches.join(' ')}`,
      `options ${dnsConfig.options.map((o: any) => `${o.name}:${o.value}`).join(' ')} timeout:1 attempts:2`,
    ].join('\n') + '\n';
    // Both Corefiles serve .:53 on every address: one CoreDNS per port in the namespace.
    await startClusterDns(undefined);
    proxyDns = await startCoreDns(lab, {
      label: 'raven-proxy-dns',
      corefile: configMap.data.Corefile,
      tunnelNodes,
      cluster: { serviceAccountVolume: await plane.serviceAccountVolume('kube-system', account.metadata.name), env: plane.inClusterEnv },
      resolvConf: `nameserver ${UPSTREAM_DNS_IP}\n`,
    });
    await scenario.start(operatorScrapeConfigs(objects, prometheusToken), resolvConf, allSettled((t) => t.health === 'up'));
  }, 90_000);
  afterAll(async () => {
    await scenario.stop();
    await proxyDns?.stop();
    await startClusterDns(editedCorefile());
  }, 30_000);

  test('Prometheus\'s resolv.conf is the one the library\'s values give it: the dedicated DNS only', () => {
    expect(resolvConf).toMatch(new RegExp(`^nameserver ${PROXY_DNS_IP.replace(/\./g, '\\.')}\n`));
    expect(resolvConf).not.toContain(CLUSTER_DNS_IP);
  });

  test('the four edge targets are up by node name, through the dedicated DNS and the proxy', () => {
    expect(scenario.targets.map((t) => [t.scrapeUrl, t.health]).sort()).toEqual(EXPECTED_URLS.map((u) => [u, 'up']));
  });

  test('the dedicated DNS answers Service names too, through its kubernetes plugin on the real API server', () => {
    expect(lab.fetch(`http://${PROXY_SERVICE}:9100/metrics?nodeName=${NODE}`).status).toBe(200);
  });
});

describe('verify without a Prometheus', () => {
  test('exits 2 and says it cannot reach Prometheus', () => {
    const result = runVerify('--prometheus', `http://${ADDR.prometheus}:9091`);
    expect(result.stderr).toContain(`cannot reach Prometheus at http://${ADDR.prometheus}:9091/api/v1/targets`);
    expect(result.status).toBe(2);
  });
});
