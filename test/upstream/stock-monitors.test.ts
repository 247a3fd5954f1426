import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { ControlPlane } from './support/control-plane';
import { collectionPath } from './support/kube-client';
import { NetworkNamespace, waitFor } from './support/netns';
import {
  configReloaderSubstitution, controllerEndpointSlice, controllerEndpoints, daemonSetPod, helmMerge, kubePrometheusStackFullname,
  kubeletServiceMonitor, kubeletServiceName, KubeletNode, nodeExporterDaemonSet, nodeExporterService, nodeExporterServiceMonitor,
  operatorKubeletEndpointSlice, operatorKubeletEndpoints, operatorKubeletService, prometheusClusterRoleRules, Release,
} from './support/stock-monitoring';
import { KubePrometheusStackValues, NodeSelection, RavenPrometheus } from '../../src';
import { operatorRender } from '../support/operator-render';
import { toolchainPrometheusVersion } from '../support/prometheus-tools';
import { upstreamFile, upstreamProgram } from '../support/upstream';

/**
 * The stock ServiceMonitors of kube-prometheus-stack 88.5 keep off the edge nodes with the
 * library's chart values, proven on real programs: the chart's kubelet ServiceMonitor (all four
 * endpoints) and the node-exporter subchart's ServiceMonitor, rendered from values as the chart's
 * templates render them (support/stock-monitoring.ts cites each template), are server-side applied
 * (dry run) to a real kube-apiserver with the operator's ServiceMonitor CRD, rendered into
 * Prometheus's configuration by prometheus-operator v0.93.1's own code (operator-render), and run by
 * real Prometheus 3, whose Kubernetes discovery reads real Node, Service, Endpoints, EndpointSlice
 * and Pod objects from that API server, in-cluster, as the chart's Prometheus ServiceAccount bound
 * by the chart's ClusterRole. What each relabeling did is read from `/api/v1/targets`: a target
 * kept is active, a target a relabeling dropped is listed among droppedTargets.
 *
 * The cluster: three nodes with OpenYurt's labels (a cloud node, two edge nodes in two node
 * pools); the kubelet Service, Endpoints and EndpointSlice in kube-system as prometheus-operator's
 * kubelet controller writes them (chart values kubeletEndpointsEnabled and
 * kubeletEndpointSliceEnabled both on, so that both discovery roles have their objects; with the
 * chart's default, Endpoints only, the Endpoints object lacks only the skip-mirror label, which
 * discovery does not read); the node-exporter DaemonSet with a pod on every node, its Service and
 * the Endpoints and EndpointSlice the Kubernetes controllers write for it. The nodes' InternalIPs
 * are private addresses the namespace has no route to (the API server refuses loopback addresses
 * in Endpoints): no kubelet or exporter answers, targets are not up, and need not be; discovery
 * and relabeling are what is judged.
 *
 * Each values set runs twice: with the Endpoints role (the chart's default,
 * `prometheus.prometheusSpec.serviceDiscoveryRole: ""`) and with the EndpointSlice role. The latter
 * is set on the ServiceMonitors (`spec.serviceDiscoveryRole`), which operator-render's Prometheus
 * leaves unset: the operator's generator reads either the same way (ConfigGenerator.endpointRoleFlavor;
 * its golden files TestServiceMonitorWithEndpointSliceEnable_Expected and
 * TestServiceMonitorWithEndpointSliceAndPrometheusEndpoints are identical).
 *
 * Needs root (a network namespace) and Go (the toolchain builds the programs).
 */

const ADDR = { api: '127.0.0.2', etcd: '127.0.0.3' };
const RELEASE: Release = { name: 'kps', namespace: 'monitoring' };
/** The chart's Prometheus ServiceAccount, ClusterRole and binding: `<fullname>-prometheus`. */
const PROMETHEUS_SA = `${kubePrometheusStackFullname(RELEASE.name)}-prometheus`;

const EDGE_LABEL = 'openyurt.io/is-edge-worker';
const POOL_LABEL = 'apps.openyurt.io/nodepool';
interface LabNode { readonly name: string; readonly internalIp: string; readonly labels: { [key: string]: string } }
const NODES: LabNode[] = [
  { name: 'cloud-1', internalIp: '192.168.10.21', labels: { [EDGE_LABEL]: 'false', [POOL_LABEL]: 'cloud-pool' } },
  { name: 'edge-gpu-1', internalIp: '192.168.10.20', labels: { [EDGE_LABEL]: 'true', [POOL_LABEL]: 'gpu-pool' } },
  { name: 'edge-shop-1', internalIp: '192.168.10.22', labels: { [EDGE_LABEL]: 'true', [POOL_LABEL]: 'shop-pool' } },
];
const NODE_NAMES = NODES.map((n) => n.name);

/** The jobs of the two ServiceMonitors: the kubelet's four endpoints in template order, then node-exporter; `values` names the chart value holding each one's relabelings. */
const KUBELET_MONITOR = `${kubePrometheusStackFullname(RELEASE.name)}-kubelet`;
interface Job { readonly job: string; readonly endpoint: string; readonly path: string; readonly port: number; readonly values: string }
const JOBS: Job[] = [
  { job: `serviceMonitor/${RELEASE.namespace}/${KUBELET_MONITOR}/0`, endpoint: 'kubelet /metrics', path: '/metrics', port: 10250, values: 'relabelings' },
  { job: `serviceMonitor/${RELEASE.namespace}/${KUBELET_MONITOR}/1`, endpoint: 'kubelet /metrics/cadvisor', path: '/metrics/cadvisor', port: 10250, values: 'cAdvisorRelabelings' },
  { job: `serviceMonitor/${RELEASE.namespace}/${KUBELET_MONITOR}/2`, endpoint: 'kubelet /metrics/probes', path: '/metrics/probes', port: 10250, values: 'probesRelabelings' },
  { job: `serviceMonitor/${RELEASE.namespace}/${KUBELET_MONITOR}/3`, endpoint: 'kubelet /metrics/resource/v1alpha1', path: '/metrics/resource/v1alpha1', port: 10250, values: 'resourceRelabelings' },
  { job: `serviceMonitor/${RELEASE.namespace}/${RELEASE.name}-prometheus-node-exporter/0`, endpoint: 'node-exporter', path: '/metrics', port: 9100, values: 'prometheus-node-exporter relabelings' },
];
/** Targets each job discovers: every node on each of the kubelet Service's three ports; one node-exporter pod per node. */
const DISCOVERED_PER_JOB = (job: string) => (job.includes('node-exporter') ? NODES.length : NODES.length * 3);

/**
 * The chart's fourth kubelet endpoint (/metrics/resource/v1alpha1) is off by default
 * (`kubelet.serviceMonitor.resource: false`); every run turns it on, the one value given beside the
 * library's, so that resourceRelabelings is exercised too.
 */
const RESOURCE_ENDPOINT_ON = { kubelet: { serviceMonitor: { resource: true } } };

type State = 'active' | 'dropped';
type Table = { [endpoint: string]: { [node: string]: State | 'not discovered' } };

/** Which nodes stay targets: the expected outcome, from the nodes' labels as the lab defines them. */
const ALL_KEPT = { 'cloud-1': 'active', 'edge-gpu-1': 'active', 'edge-shop-1': 'active' } as const;
const EDGE_DROPPED = { 'cloud-1': 'active', 'edge-gpu-1': 'dropped', 'edge-shop-1': 'dropped' } as const;
const GPU_EDGE_DROPPED = { 'cloud-1': 'active', 'edge-gpu-1': 'dropped', 'edge-shop-1': 'active' } as const;

/** The library's values as the README shows them: `RavenPrometheus.kubePrometheusStackValues()` of a stack with its defaults (edge nodes only). */
function ravenPrometheusValues(): any {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'stack', { namespace: RELEASE.namespace });
  return new RavenPrometheus(chart, 'raven', { release: RELEASE.name }).kubePrometheusStackValues().values;
}

interface ValuesCase {
  readonly name: string;
  readonly values: any;
  /** Per job: which nodes stay targets. */
  readonly expected: (job: Job) => { readonly [node: string]: State };
  /** Per job: whether its targets carry their node's labels (attachMetadata.node). */
  readonly nodeMetadata: (job: Job) => boolean;
}

const EDGE_DROP = { action: 'drop', sourceLabels: ['__meta_kubernetes_node_label_openyurt_io_is_edge_worker'], regex: 'true' };
const isKubelet = (job: Job) => job.endpoint.startsWith('kubelet');

const VALUES_CASES: ValuesCase[] = [
  { name: 'the chart\'s defaults', values: RESOURCE_ENDPOINT_ON, expected: () => ALL_KEPT, nodeMetadata: () => false },
  {
    name: 'the library\'s values (RavenPrometheus.kubePrometheusStackValues(), edge nodes)',
    values: helmMerge(RESOURCE_ENDPOINT_ON, ravenPrometheusValues()),
    expected: () => EDGE_DROPPED,
    nodeMetadata: () => true,
  },
  {
    name: 'the library\'s values for NodeSelection.withLabels({ is-edge-worker: true, nodepool: gpu-pool })',
    values: helmMerge(RESOURCE_ENDPOINT_ON, new KubePrometheusStackValues({ nodes: NodeSelection.withLabels({ [EDGE_LABEL]: 'true', [POOL_LABEL]: 'gpu-pool' }) }).values),
    expected: () => GPU_EDGE_DROPPED,
    nodeMetadata: () => true,
  },
  {
    // The drop in kubelet.serviceMonitor.relabelings alone, as hand-written values often have it:
    // the chart applies that list to /metrics only.
    name: 'the edge drop in kubelet.serviceMonitor.relabelings alone',
    values: helmMerge(RESOURCE_ENDPOINT_ON, {
      kubelet: { serviceMonitor: { attachMetadata: { node: true }, relabelings: [EDGE_DROP, { action: 'replace', sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' }] } },
    }),
    expected: (job) => (job.path === '/metrics' && isKubelet(job) ? EDGE_DROPPED : ALL_KEPT),
    nodeMetadata: isKubelet,
  },
];
const ROLES = ['Endpoints', 'EndpointSlice'] as const;

interface Scenario {
  readonly values: ValuesCase;
  readonly role: typeof ROLES[number];
  readonly label: string;
  readonly prometheusIp: string;
  /** The ServiceMonitors as the API server returned them (dry-run apply: defaulted, validated). */
  monitors: any[];
  applyProblems: string[];
  scrapeConfigs: any[];
  socket: string;
  active: Target[];
  dropped: Target[];
}

interface Target {
  scrapePool: string;
  discoveredLabels: { [key: string]: string };
  labels?: { [key: string]: string };
}

const SCENARIOS: Scenario[] = VALUES_CASES.flatMap((values, i) => ROLES.map((role, j) => ({
  values,
  role,
  label: `values-${i}-${role.toLowerCase()}`,
  prometheusIp: `127.0.0.${40 + i * ROLES.length + j}`,
  monitors: [],
  applyProblems: [],
  scrapeConfigs: [],
  socket: '',
  active: [],
  dropped: [],
})));

const lab = new NetworkNamespace(`raven-stock-${process.pid}`);
let plane: ControlPlane;
const STARTED = Date.now();
/** Every wait draws on one budget, so that even a failing run ends within 4 minutes. */
const DEADLINE = Date.now() + 200_000;
function within(ms: number): number {
  return Math.max(1_000, Math.min(ms, DEADLINE - Date.now()));
}
const timings: string[] = [];

/** Creates an object through its collection (kinds the lab's client has no plural for included). */
async function create(obj: any, plural: string): Promise<any> {
  return plane.admin.must('POST', collectionPath(obj.apiVersion, plural, obj.metadata.namespace), obj);
}

/** Creates an object, then writes its status as its controller (here: none runs) would. */
async function createWithStatus(obj: any, plural: string, status: any): Promise<any> {
  const created = await create(obj, plural);
  const base = collectionPath(obj.apiVersion, plural, obj.metadata.namespace);
  return plane.admin.must('PATCH', `${base}/${created.metadata.name}/status`, { status }, 'application/merge-patch+json');
}

/** Server-side apply with strict field validation, dry run: the object as the API server would store it. */
async function dryRunApply(obj: any): Promise<{ stored?: any; problem?: string }> {
  const query = new URLSearchParams({ fieldManager: 'helm', fieldValidation: 'Strict', dryRun: 'All' });
  const response = await plane.admin.request('PATCH',
    `${collectionPath(obj.apiVersion, 'servicemonitors', obj.metadata.namespace)}/${obj.metadata.name}?${query}`, obj, 'application/apply-patch+yaml');
  if (response.status >= 300) return { problem: `${obj.metadata.name}: HTTP ${response.status} ${response.body?.message ?? JSON.stringify(response.body)}` };
  if (response.warnings.length > 0) return { stored: response.body, problem: `${obj.metadata.name}: warnings ${response.warnings.join('; ')}` };
  return { stored: response.body };
}

function getJson(socketPath: string, urlPath: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: urlPath, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The node a discovered target is of, by the address discovery gave it (`<InternalIP>:<port>`). */
function nodeOf(target: Target): string | undefined {
  const host = target.discoveredLabels.__address__?.replace(/:\d+$/, '');
  return NODES.find((n) => n.internalIp === host)?.name;
}

/** Per endpoint and node: whether the target on the endpoint's port is active or dropped. */
function tableOf(scenario: Scenario): Table {
  const table: Table = {};
  for (const job of JOBS) {
    table[job.endpoint] = {};
    for (const node of NODE_NAMES) {
      const address = `${NODES.find((n) => n.name === node)!.internalIp}:${job.port}`;
      const at = (targets: Target[]) => targets.filter((t) => t.scrapePool === job.job && t.discoveredLabels.__address__ === address);
      const active = at(scenario.active).length;
      const dropped = at(scenario.dropped).length;
      table[job.endpoint][node] = active === 1 && dropped === 0 ? 'active' : dropped === 1 && active === 0 ? 'dropped' : 'not discovered';
    }
  }
  return table;
}

function expectedTable(valuesCase: ValuesCase): Table {
  return Object.fromEntries(JOBS.map((j) => [j.endpoint, { ...valuesCase.expected(j) }]));
}

/** Whether every job has discovered all its targets (kept or dropped). */
function settled(scenario: Scenario): boolean {
  return JOBS.every((j) => [...scenario.active, ...scenario.dropped].filter((t) => t.scrapePool === j.job).length === DISCOVERED_PER_JOB(j.job));
}

async function readTargets(scenario: Scenario): Promise<void> {
  const answer = await getJson(scenario.socket, '/api/v1/targets');
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
  scenario.active = answer.body.data.activeTargets;
  scenario.dropped = answer.body.data.droppedTargets;
}

async function startPrometheus(scenario: Scenario, serviceAccountVolume: string): Promise<void> {
  const dir = path.join(lab.dir, scenario.label);
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  // Shard 0 of the chart's Prometheus StatefulSet (prometheus-<name>-<ordinal>).
  const config = YAML.stringify({ global: { scrape_interval: '30s' }, scrape_configs: scenario.scrapeConfigs });
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), configReloaderSubstitution(config, { SHARD: '0', POD_NAME: `prometheus-${PROMETHEUS_SA}-0` }));
  const url = `http://${scenario.prometheusIp}:9090`;
  await lab.start(`prometheus-${scenario.label}`, upstreamProgram('prometheus'), [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=${scenario.prometheusIp}:9090`,
  ], async () => {
    await waitFor(`Prometheus ${scenario.label} to be ready`, within(30_000), () => (lab.fetch(`${url}/-/ready`).status === 200 ? true : undefined), 500);
  }, undefined, {
    mounts: { '/var/run/secrets/kubernetes.io/serviceaccount': serviceAccountVolume },
    env: plane.inClusterEnv,
  });
  scenario.socket = await lab.socketTo(scenario.prometheusIp, 9090);
}

beforeAll(async () => {
  NetworkNamespace.checkPrerequisites();
  const promVersion = toolchainPrometheusVersion();
  lab.create([ADDR.api, ADDR.etcd, ...SCENARIOS.map((s) => s.prometheusIp)],
    { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.53\n' });
  plane = await ControlPlane.start(lab, { apiServer: ADDR.api, etcd: ADDR.etcd }, within(90_000));
  await plane.installCrds([YAML.parse(fs.readFileSync(upstreamFile('servicemonitors-crd'), 'utf8'))]);
  timings.push(`control plane ${((Date.now() - STARTED) / 1000).toFixed(1)} s`);
  const admin = plane.admin;

  // What the chart installs for Prometheus: its namespace, ServiceAccount, ClusterRole and binding.
  await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: RELEASE.namespace } });
  await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: PROMETHEUS_SA, namespace: RELEASE.namespace } });
  await admin.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: PROMETHEUS_SA }, rules: prometheusClusterRoleRules(RESOURCE_ENDPOINT_ON) });
  await admin.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: PROMETHEUS_SA },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: PROMETHEUS_SA },
    subjects: [{ kind: 'ServiceAccount', name: PROMETHEUS_SA, namespace: RELEASE.namespace }],
  });

  // The nodes, as their kubelets register them and report their status.
  const kubeletNodes: KubeletNode[] = [];
  for (const n of NODES) {
    const node = await createWithStatus({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels: { ...n.labels, 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux' } },
    }, 'nodes', {
      addresses: [{ type: 'InternalIP', address: n.internalIp }, { type: 'Hostname', address: n.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'lab', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
    });
    kubeletNodes.push({ name: n.name, uid: node.metadata.uid, internalIp: n.internalIp });
  }

  // prometheus-operator's kubelet controller: the Service, Endpoints and EndpointSlice in kube-system.
  const kubeletService = await create(operatorKubeletService(kubeletServiceName(RELEASE)), 'services');
  await create(operatorKubeletEndpoints(kubeletService.metadata.name, kubeletNodes), 'endpoints');
  await create(operatorKubeletEndpointSlice(kubeletService, kubeletNodes), 'endpointslices');

  // node-exporter: the DaemonSet, a running pod on every node, its Service, and what the
  // endpoints and EndpointSlice controllers write for it.
  const daemonSet = await create(nodeExporterDaemonSet(RELEASE), 'daemonsets');
  const pods: any[] = [];
  for (const [i, n] of NODES.entries()) {
    const pod = daemonSetPod(daemonSet, n.name, n.internalIp, `n${i}x7q`);
    pods.push(await createWithStatus(pod.object, 'pods', pod.status));
  }
  const service = await create(nodeExporterService(RELEASE), 'services');
  await create(controllerEndpoints(service, pods), 'endpoints');
  await create(controllerEndpointSlice(service, pods), 'endpointslices');

  // Each scenario's ServiceMonitors: rendered from the values, applied (dry run) to the API server,
  // and what it returns rendered by the operator's code.
  for (const scenario of SCENARIOS) {
    const rendered = [kubeletServiceMonitor(RELEASE, scenario.values.values), nodeExporterServiceMonitor(RELEASE, scenario.values.values)]
      .map((m) => (scenario.role === 'EndpointSlice' ? { ...m, spec: { ...m.spec, serviceDiscoveryRole: 'EndpointSlice' } } : m));
    for (const monitor of rendered) {
      const applied = await dryRunApply(monitor);
      if (applied.problem) scenario.applyProblems.push(applied.problem);
      if (applied.stored) scenario.monitors.push(applied.stored);
    }
    const result = operatorRender(scenario.monitors, { prometheusVersion: `v${promVersion}` });
    if (!result.ok) throw new Error(`prometheus-operator refused the ${scenario.label} ServiceMonitors (exit ${result.status}):\n${result.stderr}`);
    scenario.scrapeConfigs = result.scrapeConfigs;
  }

  // Prometheus as in a pod of the chart: its ServiceAccount's token and the in-cluster API.
  const volume = await plane.serviceAccountVolume(RELEASE.namespace, PROMETHEUS_SA);
  const prometheusStarted = Date.now();
  await Promise.all(SCENARIOS.map((s) => startPrometheus(s, volume)));
  await Promise.all(SCENARIOS.map(async (s) => {
    try {
      await waitFor(`the ${s.label} targets to be discovered`, within(60_000), async () => {
        await readTargets(s);
        return settled(s) ? true : undefined;
      }, 500);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${JSON.stringify(tableOf(s))}\nPrometheus log:\n${lab.tail(`prometheus-${s.label}`)}`);
    }
  }));
  timings.push(`${SCENARIOS.length} Prometheus started and every target discovered in ${((Date.now() - prometheusStarted) / 1000).toFixed(1)} s`);
}, 240_000);

afterAll(async () => {
  const lines = [`stock ServiceMonitors (${timings.join('; ')}; ${((Date.now() - STARTED) / 1000).toFixed(1)} s in all):`];
  for (const s of SCENARIOS) {
    lines.push(`  ${s.values.name}, ${s.role} role:`);
    const table = tableOf(s);
    for (const job of JOBS) {
      lines.push(`    ${`${job.endpoint} (${job.values})`.padEnd(72)} ${NODE_NAMES.map((n) => `${n} ${table[job.endpoint][n]}`).join(', ')}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  await lab.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1');
}, 30_000);

describe('the cluster Prometheus discovers', () => {
  test('the kubelet Service and both Endpoints objects are the operator\'s: every node, by its InternalIP, with a Node targetRef', async () => {
    const endpoints = await plane.admin.must('GET', `/api/v1/namespaces/kube-system/endpoints/${kubeletServiceName(RELEASE)}`);
    expect(endpoints.subsets[0].addresses.map((a: any) => [a.targetRef.kind, a.targetRef.name, a.ip])).toEqual([
      ['Node', 'cloud-1', '192.168.10.21'], ['Node', 'edge-gpu-1', '192.168.10.20'], ['Node', 'edge-shop-1', '192.168.10.22'],
    ]);
    expect(endpoints.subsets[0].ports.map((p: any) => `${p.name}:${p.port}`).sort()).toEqual(['cadvisor:4194', 'http-metrics:10255', 'https-metrics:10250']);
    const slices = await plane.admin.must('GET', `/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${kubeletServiceName(RELEASE)}`)}`);
    expect(slices.items).toHaveLength(1);
    expect(slices.items[0].endpoints.map((e: any) => e.targetRef.name)).toEqual(NODE_NAMES);
  });

  test('the chart\'s ServiceAccount may list and watch what the discovery roles read, by the real authorizer', async () => {
    const user = `system:serviceaccount:${RELEASE.namespace}:${PROMETHEUS_SA}`;
    for (const [resource, group] of [['nodes', ''], ['services', ''], ['endpoints', ''], ['pods', ''], ['endpointslices', 'discovery.k8s.io']]) {
      for (const verb of ['list', 'watch']) {
        expect([resource, verb, await plane.admin.can(user, [], { verb, resource, group })]).toEqual([resource, verb, true]);
      }
    }
  });
});

describe.each(VALUES_CASES.map((c) => [c.name, c] as const))('with %s', (_name, valuesCase) => {
  const scenarios = SCENARIOS.filter((s) => s.values === valuesCase);

  test('the real API server accepts both ServiceMonitors with strict field validation, without a warning', () => {
    for (const s of scenarios) {
      expect(s.applyProblems).toEqual([]);
      expect(s.monitors.map((m) => m.metadata.name)).toEqual([KUBELET_MONITOR, `${RELEASE.name}-prometheus-node-exporter`]);
    }
  });

  test('the operator renders one job per kubelet endpoint (four) and one for node-exporter', () => {
    for (const s of scenarios) {
      expect(s.scrapeConfigs.map((c) => c.job_name)).toEqual(JOBS.map((j) => j.job));
      expect(s.scrapeConfigs.map((c) => c.kubernetes_sd_configs[0].role)).toEqual(JOBS.map(() => s.role.toLowerCase()));
    }
  });

  test.each(ROLES.map((r) => [r]))('GIVEN the %s role THEN each endpoint keeps and drops exactly the expected nodes', (role) => {
    const scenario = scenarios.find((s) => s.role === role)!;
    expect(tableOf(scenario)).toEqual(expectedTable(valuesCase));
  });

  test('discovered targets carry their node\'s labels, which the drop reads, exactly where attachMetadata.node is set', () => {
    for (const s of scenarios) {
      for (const job of JOBS) {
        for (const target of [...s.active, ...s.dropped].filter((t) => t.scrapePool === job.job)) {
          const node = NODES.find((n) => n.name === nodeOf(target))!;
          const edge = target.discoveredLabels[`__meta_kubernetes_node_label_${EDGE_LABEL.replace(/[./-]/g, '_')}`];
          const expected = valuesCase.nodeMetadata(job) ? node.labels[EDGE_LABEL] : undefined;
          expect([s.label, job.job, node.name, edge]).toEqual([s.label, job.job, node.name, expected]);
        }
      }
    }
  });

  test('every kubelet target kept still has the chart\'s metrics_path label, the path of its endpoint', () => {
    for (const s of scenarios) {
      for (const job of JOBS.filter(isKubelet)) {
        const kept = s.active.filter((t) => t.scrapePool === job.job);
        expect(kept.length).toBe(Object.values(valuesCase.expected(job)).filter((v) => v === 'active').length);
        for (const target of kept) expect([job.job, target.labels?.metrics_path]).toEqual([job.job, job.path]);
      }
    }
  });
});
