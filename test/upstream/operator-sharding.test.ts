import { App, Chart } from 'cdk8s';
import {
  CoreDnsDeployment,
  Corefile,
  DnsStrategy,
  NodeAddressing,
  RavenPrometheus,
  RavenPrometheusProps,
  TargetDiscovery,
} from '../../src';
import { ClusterObjects, operatorRender, shardTargets, withFilledTokenSecrets } from '../support/operator-render';

/**
 * A Prometheus with `spec.shards: 2` runs two Prometheus servers; prometheus-operator appends to
 * every ScrapeConfig a hashmod of `__tmp_hash` (set to `__address__` unless the ScrapeConfig set it
 * already) and a keep of the shard's number (promcfg.go, appendShardingRelabelingWithLabel). DNS-free
 * targets all have the same `__address__` (the Raven proxy Service), so the library sets
 * `__tmp_hash` to the node name: the shards split the nodes between them, every target of a node on
 * one shard. Addressed by node name the addresses differ per node, but also per port: hashed alone,
 * `<node>:9100` and `<node>:10250` put a node's node-exporter and its kubelet on different shards for
 * about half of the nodes, and neither shard could tell an exporter down from a node down. So the
 * library sets `__tmp_hash` to the node name there too (docs/scale.md).
 *
 * Proof with the operator's own generated configuration (operator-render --shards 2), evaluated per
 * shard by Prometheus's own discovery and relabeling code (shard-targets) over a cluster of 100 edge
 * nodes, each with a node-exporter pod, and 3 cloud nodes.
 */

const EDGE_NODES = 100;
const NAMESPACE = 'monitoring';

function node(name: string, index: number, edge: boolean): any {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'openyurt.io/is-edge-worker': String(edge) } },
    status: {
      addresses: [{ type: 'InternalIP', address: `10.${edge ? 20 : 10}.${Math.floor(index / 250)}.${(index % 250) + 1}` }, { type: 'Hostname', address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    },
  };
}

function nodeExporterPod(n: any): any {
  const ip = n.status.addresses[0].address;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `kps-prometheus-node-exporter-${n.metadata.name}`, namespace: NAMESPACE, labels: { 'app.kubernetes.io/name': 'prometheus-node-exporter' } },
    spec: { nodeName: n.metadata.name, hostNetwork: true, containers: [{ name: 'node-exporter', ports: [{ name: 'http-metrics', containerPort: 9100, protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: ip, hostIP: ip, podIPs: [{ ip }] },
  };
}

function clusterObjects(): ClusterObjects {
  const nodes = [
    ...Array.from({ length: EDGE_NODES }, (_, i) => node(`edge-${String(i).padStart(3, '0')}`, i, true)),
    ...Array.from({ length: 3 }, (_, i) => node(`cloud-${i}`, i, false)),
  ];
  return { nodes, pods: nodes.map(nodeExporterPod) };
}
const CLUSTER = clusterObjects();
const EDGE_NAMES = CLUSTER.nodes.filter((n) => n.metadata.labels['openyurt.io/is-edge-worker'] === 'true').map((n) => n.metadata.name).sort();

function stackManifests(props: RavenPrometheusProps): any[] {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'sharded', { namespace: NAMESPACE });
  new RavenPrometheus(chart, 'raven', { release: 'kps', ...props });
  return withFilledTokenSecrets(chart.toJson(), 'sharding-token');
}

/** Per job: the node names each of the two shards scrapes. */
function spread(manifests: any[]): Map<string, string[][]> {
  const rendered = operatorRender(manifests, { shards: 2 });
  expect(rendered.stderr).toBe('');
  expect(rendered.ok).toBe(true);
  const jobs = shardTargets(rendered.stdout, CLUSTER, 2);
  const out = new Map<string, string[][]>();
  for (const [job, result] of Object.entries(jobs)) {
    expect(result.discovered).toBeGreaterThanOrEqual(EDGE_NODES);
    out.set(job, result.shards.map((targets) => targets.map((t) => t.node).sort()));
  }
  return out;
}

function report(title: string, byJob: Map<string, string[][]>): void {
  const lines = [...byJob].map(([job, shards]) => `  ${job}: ${shards.map((s) => s.length).join(' + ')}`);
  process.stderr.write(`${title}\n${lines.join('\n')}\n`);
}

/** Each shard gets a fair share (40 to 60 of 100), together every edge node exactly once. */
function expectFairSplit(byJob: Map<string, string[][]>): void {
  expect(byJob.size).toBeGreaterThanOrEqual(4);
  for (const [job, [first, second]] of byJob) {
    expect({ job, nodes: [...first, ...second].sort() }).toEqual({ job, nodes: EDGE_NAMES });
    expect({ job, first: first.length >= 40 && first.length <= 60, second: second.length >= 40 && second.length <= 60 })
      .toEqual({ job, first: true, second: true });
  }
}

/** Per node, the shards its targets are on: of every job, or of the jobs `only` keeps. */
function shardsPerNode(manifests: any[], only: (job: string) => boolean = () => true): Map<string, Set<number>> {
  const rendered = operatorRender(manifests, { shards: 2 });
  expect(rendered.ok).toBe(true);
  const out = new Map<string, Set<number>>();
  for (const [job, result] of Object.entries(shardTargets(rendered.stdout, CLUSTER, 2))) {
    if (!only(job)) continue;
    result.shards.forEach((targets, shard) => targets.forEach((t) => out.set(t.node, (out.get(t.node) ?? new Set<number>()).add(shard))));
  }
  return out;
}

const onBothShards = (nodes: Map<string, Set<number>>): string[] => [...nodes].filter(([, shards]) => shards.size > 1).map(([name]) => name);

const NODE_NAME_STACK = {
  dns: DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString(), deployment: CoreDnsDeployment.kubeadm() }),
  addressing: NodeAddressing.nodeName(),
};

describe('two shards split the edge nodes between them', () => {
  test('GIVEN DNS-free addressing (every target addressed to the one Raven Service) WHEN the operator shards in two THEN each shard scrapes a fair share of the 100 nodes', () => {
    const manifests = stackManifests({ addressing: NodeAddressing.proxyQuery() });
    const byJob = spread(manifests);
    report('shards with DNS-free addressing (nodes per shard):', byJob);
    expectFairSplit(byJob);
  });

  test('GIVEN DNS-free addressing and node discovery for node-exporter WHEN the operator shards in two THEN each shard scrapes a fair share', () => {
    const byJob = spread(stackManifests({ addressing: NodeAddressing.proxyQuery(), nodeExporterDiscovery: TargetDiscovery.nodes() }));
    report('shards with DNS-free addressing, node discovery (nodes per shard):', byJob);
    expectFairSplit(byJob);
  });

  test('GIVEN addressing by node name WHEN the operator shards in two THEN each shard scrapes a fair share', () => {
    const byJob = spread(stackManifests({
      dns: DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString(), deployment: CoreDnsDeployment.kubeadm() }),
      addressing: NodeAddressing.nodeName(),
    }));
    report('shards with addressing by node name (nodes per shard):', byJob);
    expectFairSplit(byJob);
  });

  test('GIVEN one shard (no spec.shards) WHEN rendered THEN the one Prometheus scrapes all 100 edge nodes and no cloud node', () => {
    const rendered = operatorRender(stackManifests({}));
    expect(rendered.ok).toBe(true);
    const jobs = shardTargets(rendered.stdout, CLUSTER, 1);
    for (const [job, result] of Object.entries(jobs)) {
      expect({ job, nodes: result.shards[0].map((t) => t.node).sort() }).toEqual({ job, nodes: EDGE_NAMES });
    }
  });

  test('GIVEN DNS-free ScrapeConfigs without the node-name hash (the operator hashes __address__ alone) WHEN sharded in two THEN one shard gets every node: what the hash prevents', () => {
    const manifests = stackManifests({ addressing: NodeAddressing.proxyQuery() }).map((m) => (m.kind === 'ScrapeConfig'
      ? { ...m, spec: { ...m.spec, relabelings: m.spec.relabelings.filter((r: any) => r.targetLabel !== '__tmp_hash') } }
      : m));
    const byJob = spread(manifests);
    report('shards with DNS-free addressing, without the node-name hash (nodes per shard):', byJob);
    for (const [, shards] of byJob) {
      expect(shards.map((s) => s.length).sort((a, b) => a - b)).toEqual([0, EDGE_NODES]);
    }
  });

  test('GIVEN DNS-free addressing WHEN sharded in two THEN every target of a node is on the same shard: the hash is the node name for every job', () => {
    const nodes = shardsPerNode(stackManifests({ addressing: NodeAddressing.proxyQuery() }));
    expect(nodes.size).toBe(EDGE_NODES);
    expect(onBothShards(nodes)).toEqual([]);
  });

  test('GIVEN addressing by node name WHEN sharded in two THEN every target of a node is on the same shard too', () => {
    const nodes = shardsPerNode(stackManifests(NODE_NAME_STACK));
    expect(nodes.size).toBe(EDGE_NODES);
    expect(onBothShards(nodes)).toEqual([]);
  });

  test('GIVEN ScrapeConfigs addressed by node name without the node-name hash (the operator hashes <node>:9100 and <node>:10250) WHEN sharded in two THEN many nodes have targets on both shards: what the hash prevents', () => {
    const manifests = stackManifests(NODE_NAME_STACK).map((m) => (m.kind === 'ScrapeConfig'
      ? { ...m, spec: { ...m.spec, relabelings: m.spec.relabelings.filter((r: any) => r.targetLabel !== '__tmp_hash') } }
      : m));
    // The kubelet's three jobs share one address per node, so they stay together; node-exporter's does not.
    expect(onBothShards(shardsPerNode(manifests, (job) => job.includes('/kubelet-raven-')))).toEqual([]);
    const split = onBothShards(shardsPerNode(manifests));
    process.stderr.write(`addressing by node name, without the node-name hash: ${split.length} of ${EDGE_NODES} nodes have targets on both shards\n`);
    expect(split.length).toBeGreaterThan(EDGE_NODES / 4);
    expect(split.length).toBeLessThan((3 * EDGE_NODES) / 4);
  });

  test('GIVEN DNS-free addressing WHEN sharded THEN every kept target still goes to the Raven Service with its own node name', () => {
    const rendered = operatorRender(stackManifests({ addressing: NodeAddressing.proxyQuery() }), { shards: 2 });
    const jobs = shardTargets(rendered.stdout, CLUSTER, 2);
    const kubelet = Object.entries(jobs).find(([job]) => job.endsWith('/kubelet-raven-metrics'))![1];
    const targets = kubelet.shards.flat();
    expect(targets).toHaveLength(EDGE_NODES);
    for (const t of targets) {
      expect({ address: t.__address__, nodeName: t.__param_nodeName }).toEqual({ address: 'x-raven-proxy-internal-svc.kube-system.svc:10250', nodeName: t.node });
    }
  });
});
