import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane } from './support/control-plane';
import { HollowKubelets, KubeletCredentials } from './support/kubelet';
import { NetworkNamespace, waitFor } from './support/netns';
import { IssuedCertificate } from './support/pki';
import { upstreamProgram } from '../support/upstream';

/**
 * The toolchain's `kubelet` program (upstream/kubelet/: the kubelet's own code of Kubernetes
 * v1.36.3 as kubemark's hollow kubelet, with the kubelet's HTTPS server, authentication and
 * authorization, over the fake CRI and a cAdvisor of ours) against the lab's real control plane:
 * two nodes in one process, registered and Ready, refusing and admitting requests exactly as the
 * kubelet does, and serving /metrics/cadvisor for the pods they run.
 *
 *   127.0.0.2:6443   kube-apiserver          127.0.0.3:2379   etcd
 *   192.168.50.1:10250 kubelet of edge-gpu-1 (10 pods x 1 container), also its InternalIP
 *   192.168.50.2:10250 kubelet of edge-gpu-2 (30 pods x 2 containers), also its InternalIP
 *   (the kubelet refuses a loopback node IP, so these are added to the namespace's lo)
 *
 * Needs root and Go (the toolchain builds the programs).
 */

const lab = new NetworkNamespace(`kh-kubelet-${process.pid}`);
let plane: ControlPlane;
let kubelets: HollowKubelets;
let proxyUser: IssuedCertificate;
let unboundToken = '';

const EDGE = { 'openyurt.io/is-edge-worker': 'true', 'apps.openyurt.io/nodepool': 'pool-a' };
const NODES = [
  { name: 'edge-gpu-1', address: '192.168.50.1', pods: 10, containersPerPod: 1, labels: { ...EDGE, 'raven.openyurt.io/gateway': 'gw-pool-a' } },
  { name: 'edge-gpu-2', address: '192.168.50.2', pods: 30, containersPerPod: 2, labels: { ...EDGE, 'apps.openyurt.io/nodepool': 'pool-b' } },
];
const METRICS_PATHS = ['/metrics', '/metrics/cadvisor', '/metrics/probes', '/metrics/resource'];
const MONITOR_NS = 'monitor';

/** One sample of the text exposition format. */
interface Sample {
  name: string;
  labels: { [key: string]: string };
  value: number;
}

/** The samples of a Prometheus text exposition (enough of the format for the kubelet's output). */
function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: { [key: string]: string } = {};
    for (const l of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2];
    }
    out.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return out;
}

/**
 * The resident memory (MiB) of the program's process tree (`ip netns exec`, the program, one
 * process per node), and of each node's process (those started with `--node`).
 */
function rssMiB(pid: number): { total: number; nodes: number[] } {
  const rss = (p: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))![1]) / 1024;
  // A child is listed under the thread that forked it: read every thread's list.
  const children = (p: number): number[] => fs.readdirSync(`/proc/${p}/task`)
    .flatMap((t) => fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/)).filter((c) => c !== '').map(Number);
  const tree = (p: number): number[] => [p, ...children(p).flatMap(tree)];
  const all = tree(pid);
  const nodes = all.filter((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes('--node'));
  return { total: all.map(rss).reduce((a, b) => a + b, 0), nodes: nodes.map(rss) };
}

beforeAll(async () => {
  NetworkNamespace.checkPrerequisites();
  lab.create(['127.0.0.2', '127.0.0.3'], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.53\n' });
  plane = await ControlPlane.start(lab, { apiServer: '127.0.0.2', etcd: '127.0.0.3' });
  kubelets = await HollowKubelets.start(plane, NODES);
  proxyUser = plane.ca.issue({ name: 'tunnel-proxy-client', commonName: 'tunnel-proxy-client', organizations: ['openyurt:yurttunnel'], usages: ['clientAuth'] });
  await plane.admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: MONITOR_NS } }, 'raven-lab');
  await plane.admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'unbound', namespace: MONITOR_NS } }, 'raven-lab');
  unboundToken = await plane.admin.serviceAccountToken(MONITOR_NS, 'unbound');
}, 300_000);

afterAll(async () => {
  await kubelets?.stop();
  await lab.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1');
}, 60_000);

describe('the hollow kubelets', () => {
  test('start two nodes with one command, ready in well under two minutes, with a bounded memory footprint', () => {
    const rss = rssMiB(kubelets.process.pid!);
    process.stdout.write(`kubelet program: ready after ${kubelets.startupMs} ms; RSS ${rss.total.toFixed(0)} MiB for ${NODES.length} nodes `
      + `(${NODES.map((n) => `${n.pods}x${n.containersPerPod}`).join(', ')} pods x containers), per node's process `
      + `${rss.nodes.map((c) => c.toFixed(0)).join(' and ')} MiB\n`);
    expect(kubelets.startupMs).toBeLessThan(120_000);
    // One process per node under the program (the kubelet's metrics registry is process-wide).
    expect(rss.nodes).toHaveLength(NODES.length);
    expect(rss.total).toBeLessThan(1024);
  });

  test('register their Nodes with the given labels and InternalIP, and keep them Ready', async () => {
    for (const spec of NODES) {
      const node = (await plane.admin.get('v1', 'Node', spec.name)).body;
      expect(node.metadata.labels).toMatchObject({ ...spec.labels, 'kubernetes.io/hostname': spec.name, 'kubernetes.io/os': 'linux' });
      expect(node.status.addresses).toEqual(expect.arrayContaining([{ type: 'InternalIP', address: spec.address }, { type: 'Hostname', address: spec.name }]));
      expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(10250);
      expect(node.status.nodeInfo.kubeletVersion).toBe('v1.36.3');
      const ready = node.status.conditions.find((c: any) => c.type === 'Ready');
      expect(ready).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    }
  });

  test('run their pods: the Pod objects are Running on their node', async () => {
    for (const spec of NODES) {
      const pods = await plane.admin.must('GET', `/api/v1/namespaces/default/pods?labelSelector=app.kubernetes.io%2Finstance%3D${spec.name}`);
      expect(pods.items).toHaveLength(spec.pods);
      for (const pod of pods.items) {
        expect(pod.spec.nodeName).toBe(spec.name);
        expect(pod.status.phase).toBe('Running');
        expect(pod.status.containerStatuses).toHaveLength(spec.containersPerPod);
      }
    }
  });
});

describe('authentication and authorization, as the kubelet does them', () => {
  const node = NODES[0].name;

  test('a request without a credential is refused with 401 Unauthorized', async () => {
    for (const p of [...METRICS_PATHS, '/healthz', '/pods']) {
      const answer = await kubelets.get(node, p);
      expect({ path: p, status: answer.status, text: answer.text.trim() }).toEqual({ path: p, status: 401, text: 'Unauthorized' });
    }
  });

  test('a bearer token the API server does not know is refused with 401', async () => {
    const answer = await kubelets.get(node, '/metrics', { token: 'not-a-token' });
    expect(answer.status).toBe(401);
  });

  test('a bearer token alone is authenticated by TokenReview: the kubelet names the ServiceAccount in its 403', async () => {
    const answer = await kubelets.get(node, '/metrics/cadvisor', { token: unboundToken });
    expect(answer.status).toBe(403);
    expect(answer.text).toBe(`Forbidden (user=system:serviceaccount:${MONITOR_NS}:unbound, verb=get, resource=nodes, subresource(s)=[metrics])\n`);
  });

  test('the proxy\'s client certificate is refused with the kubelet\'s 403 on every metrics path until a role is bound, then admitted', async () => {
    const cert: KubeletCredentials = { cert: proxyUser.cert, key: proxyUser.key };
    for (const p of METRICS_PATHS) {
      const answer = await kubelets.get(node, p, cert);
      expect({ path: p, status: answer.status, text: answer.text }).toEqual({
        path: p, status: 403, text: 'Forbidden (user=tunnel-proxy-client, verb=get, resource=nodes, subresource(s)=[metrics])\n',
      });
    }
    // The certificate wins over a bearer token in the same request (x509 is tried first): still 403 for tunnel-proxy-client.
    const both = await kubelets.get(node, '/metrics', { ...cert, token: unboundToken });
    expect(both.text).toBe('Forbidden (user=tunnel-proxy-client, verb=get, resource=nodes, subresource(s)=[metrics])\n');

    // As raven-agent's chart binds its proxy's user.
    await plane.admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'raven-proxy-user' },
      rules: [{ apiGroups: [''], resources: ['nodes/stats', 'nodes/metrics', 'nodes/log', 'nodes/spec', 'nodes/proxy'], verbs: ['get', 'list', 'watch', 'create'] }],
    }, 'raven-lab');
    await plane.admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'raven-proxy-user' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'raven-proxy-user' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'tunnel-proxy-client' }],
    }, 'raven-lab');
    // The kubelet caches a denial for 30 s (authorization.webhook.cacheUnauthorizedTTL).
    const started = Date.now();
    await waitFor('the kubelet to admit tunnel-proxy-client', 60_000, async () => {
      const answers = await Promise.all(METRICS_PATHS.map((p) => kubelets.get(node, p, cert)));
      return answers.every((a) => a.status === 200) ? true : undefined;
    }, 2_000);
    process.stdout.write(`kubelet admitted tunnel-proxy-client ${Date.now() - started} ms after the binding (denials are cached 30 s)\n`);
    // The certificate still wins over the unbound ServiceAccount's token: admitted as tunnel-proxy-client.
    expect((await kubelets.get(node, '/metrics/cadvisor', { ...cert, token: unboundToken })).status).toBe(200);
    // The same token alone stays refused.
    expect((await kubelets.get(node, '/metrics/cadvisor', { token: unboundToken })).status).toBe(403);
  }, 120_000);
});

describe('/metrics/cadvisor', () => {
  const cert = (): KubeletCredentials => ({ cert: proxyUser.cert, key: proxyUser.key });

  beforeAll(async () => {
    // Admitted once the binding above is in force (this block runs after it).
    await waitFor('the kubelet to admit tunnel-proxy-client', 60_000, async () => ((await kubelets.get(NODES[1].name, '/metrics/cadvisor', cert())).status === 200 ? true : undefined), 2_000);
  }, 90_000);

  test.each(NODES)('lists the containers of $name\'s $pods pods ($containersPerPod each), laid out as the kubelet with systemd on cgroup v2', async (spec) => {
    const answer = await kubelets.get(spec.name, '/metrics/cadvisor', cert());
    expect(answer.status).toBe(200);
    const samples = parseSamples(answer.text).filter((s) => s.name === 'container_cpu_usage_seconds_total');
    const pods = await plane.admin.must('GET', `/api/v1/namespaces/default/pods?labelSelector=app.kubernetes.io%2Finstance%3D${spec.name}`);
    const uidOf = new Map<string, string>(pods.items.map((p: any) => [p.metadata.name, p.metadata.uid]));
    const expectedPods = [...Array(spec.pods).keys()].map((i) => `${spec.name}-app-${String(i).padStart(2, '0')}`).sort();

    // Every series has the kubelet's label set.
    for (const s of samples) {
      expect(Object.keys(s.labels).sort()).toEqual(['container', 'cpu', 'id', 'image', 'name', 'namespace', 'pod']);
    }
    const ofPods = samples.filter((s) => s.labels.pod !== '');
    expect([...new Set(ofPods.map((s) => s.labels.pod))].sort()).toEqual(expectedPods);

    const scope = /^\/kubepods\.slice\/kubepods-burstable\.slice\/kubepods-burstable-pod([0-9a-f_]{36})\.slice\/cri-containerd-([0-9a-f]{64})\.scope$/;
    const podSlice = /^\/kubepods\.slice\/kubepods-burstable\.slice\/kubepods-burstable-pod([0-9a-f_]{36})\.slice$/;
    const containers = ofPods.filter((s) => s.labels.container !== '');
    const sandboxes = ofPods.filter((s) => s.labels.container === '' && scope.test(s.labels.id));
    const podLevel = ofPods.filter((s) => podSlice.test(s.labels.id));
    expect(new Set(containers.map((s) => s.labels.id)).size).toBe(spec.pods * spec.containersPerPod);
    expect(new Set(sandboxes.map((s) => s.labels.id)).size).toBe(spec.pods);
    expect(new Set(podLevel.map((s) => s.labels.id)).size).toBe(spec.pods);
    expect(new Set(ofPods.map((s) => s.labels.id)).size).toBe(spec.pods * (spec.containersPerPod + 2));
    for (const s of [...containers, ...sandboxes]) {
      const [, uid, id] = scope.exec(s.labels.id)!;
      // The pod's UID in its cgroup, the container's id as its name, the pod's namespace.
      expect(uid.replace(/_/g, '-')).toBe(uidOf.get(s.labels.pod));
      expect(s.labels.name).toBe(id);
      expect(s.labels.namespace).toBe('default');
    }
    for (const s of sandboxes) {
      expect(s.labels.image).toMatch(/^registry\.k8s\.io\/pause:/);
    }
    const names = [...new Set(containers.map((s) => s.labels.container))].sort();
    expect(names).toEqual(['app', 'sidecar-1'].slice(0, spec.containersPerPod));
    // The root cgroup and the kubelet's own.
    expect(samples.map((s) => s.labels.id)).toEqual(expect.arrayContaining(['/', '/kubepods.slice', '/system.slice/kubelet.service']));
  });

  test('has the metric families and label sets of a real kubelet\'s cAdvisor endpoint', async () => {
    const answer = await kubelets.get(NODES[0].name, '/metrics/cadvisor', cert());
    const families = new Set(parseSamples(answer.text).map((s) => s.name));
    // A kubelet 1.3x with containerd on cgroup v2 exposes these (cadvisor's metrics for the kubelet's metric set;
    // the container_cpu_cfs_* families only for containers with a CPU limit, which these pods do not have).
    for (const family of [
      'cadvisor_version_info', 'machine_cpu_cores', 'machine_memory_bytes',
      'container_cpu_usage_seconds_total', 'container_cpu_user_seconds_total', 'container_cpu_system_seconds_total',
      'container_cpu_load_average_10s',
      'container_memory_usage_bytes', 'container_memory_working_set_bytes', 'container_memory_rss', 'container_memory_cache',
      'container_memory_max_usage_bytes', 'container_memory_mapped_file', 'container_memory_swap', 'container_memory_failcnt',
      'container_memory_failures_total',
      'container_network_receive_bytes_total', 'container_network_transmit_bytes_total',
      'container_network_receive_packets_total', 'container_network_transmit_packets_total',
      'container_fs_reads_bytes_total', 'container_fs_writes_bytes_total', 'container_fs_usage_bytes', 'container_fs_limit_bytes',
      'container_processes', 'container_threads', 'container_sockets', 'container_file_descriptors', 'container_ulimits_soft',
      'container_oom_events_total', 'container_last_seen', 'container_start_time_seconds',
      'container_spec_cpu_period', 'container_spec_cpu_shares', 'container_spec_memory_limit_bytes',
    ]) {
      expect({ family, present: families.has(family) }).toEqual({ family, present: true });
    }
    const samples = parseSamples(answer.text);
    const rx = samples.filter((s) => s.name === 'container_network_receive_bytes_total');
    // Network series belong to the root and the pods' sandboxes (containerd's handler), with the interface.
    expect(Object.keys(rx[0].labels).sort()).toEqual(['container', 'id', 'image', 'interface', 'name', 'namespace', 'pod']);
    expect(rx.filter((s) => s.labels.container !== '')).toEqual([]);
  });

  test('counters advance between two scrapes', async () => {
    const cpu = async (): Promise<Map<string, number>> => {
      const answer = await kubelets.get(NODES[0].name, '/metrics/cadvisor', cert());
      return new Map(parseSamples(answer.text).filter((s) => s.name === 'container_cpu_usage_seconds_total' && s.labels.container !== '').map((s) => [s.labels.id, s.value]));
    };
    const first = await cpu();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const second = await cpu();
    expect(second.size).toBe(first.size);
    for (const [id, value] of first) {
      expect({ id, advanced: second.get(id)! > value }).toEqual({ id, advanced: true });
    }
  });

  test('is gzip-compressed when asked, and its sizes are recorded', async () => {
    for (const spec of NODES) {
      for (const p of METRICS_PATHS) {
        const plain = await kubelets.get(spec.name, p, cert());
        const zipped = await kubelets.get(spec.name, p, cert(), { gzip: true });
        expect(plain.headers['content-encoding']).toBeUndefined();
        expect(zipped.headers['content-encoding']).toBe('gzip');
        expect(zipped.raw.length).toBeLessThan(plain.raw.length);
        const series = parseSamples(plain.text).length;
        process.stdout.write(`kubelet ${spec.name} (${spec.pods} pods x ${spec.containersPerPod} containers) ${p}: ${series} series, `
          + `${plain.raw.length} bytes raw, ${zipped.raw.length} bytes gzip (${(plain.raw.length / zipped.raw.length).toFixed(1)}x)\n`);
      }
    }
  });
});

describe('/metrics/resource and /metrics/probes', () => {
  const cert = (): KubeletCredentials => ({ cert: proxyUser.cert, key: proxyUser.key });

  test('/metrics/resource has the node and every pod\'s containers, from the kubelet\'s CRI stats provider', async () => {
    const spec = NODES[0];
    const samples = await waitFor('the resource metrics of every pod', 30_000, async () => {
      const answer = await kubelets.get(spec.name, '/metrics/resource', cert());
      const parsed = parseSamples(answer.text);
      return new Set(parsed.filter((s) => s.name === 'container_cpu_usage_seconds_total').map((s) => s.labels.pod)).size === spec.pods ? parsed : undefined;
    }, 2_000);
    const names = new Set(samples.map((s) => s.name));
    for (const family of ['node_cpu_usage_seconds_total', 'node_memory_working_set_bytes', 'container_memory_working_set_bytes', 'pod_cpu_usage_seconds_total', 'pod_memory_working_set_bytes', 'resource_scrape_error']) {
      expect({ family, present: names.has(family) }).toEqual({ family, present: true });
    }
    const container = samples.find((s) => s.name === 'container_cpu_usage_seconds_total')!;
    expect(Object.keys(container.labels).sort()).toEqual(['container', 'namespace', 'pod']);
  });

  test('/metrics/probes answers with the kubelet\'s prober registry (no probes run in the fake runtime)', async () => {
    const answer = await kubelets.get(NODES[0].name, '/metrics/probes', cert());
    expect(answer.status).toBe(200);
    expect(parseSamples(answer.text).map((s) => s.name)).toContain('process_start_time_seconds');
  });
});

describe('the program itself', () => {
  test.each([
    ['a loopback InternalIP, which the kubelet refuses', { internalIP: '127.0.0.5' }, /nodes\[0\]: 'internalIP' 127\.0\.0\.5 is refused by the kubelet .*validateNodeIP.*use an address such as/],
    ['a port out of range', { port: 70000 }, /nodes\[0\]: 'port' must be an integer between 1 and 65535, got 70000/],
    ['an unknown field', { podz: 3 }, /unknown field "podz"/],
  ])('refuses a config with %s, saying what is wrong and what is allowed', (_what, change, message) => {
    const dir = fs.mkdtempSync(path.join(lab.dir, 'bad-config-'));
    const node = kubelets.nodes[0];
    const config = {
      kubeconfig: path.join(path.dirname(kubelets.configFile), 'kubelet.kubeconfig'),
      clientCAFile: plane.ca.certFile,
      nodes: [{
        name: 'bad',
        address: '192.168.50.9',
        port: 10250,
        tlsCertFile: node.serving.certFile,
        tlsPrivateKeyFile: node.serving.keyFile,
        internalIP: '192.168.50.9',
        pods: 1,
        containersPerPod: 1,
        ...change,
      }],
    };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    const result = spawnSync(upstreamProgram('kubelet'), ['--config', path.join(dir, 'config.json')], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  test('stops every node on SIGTERM and exits 0', async () => {
    const pid = kubelets.process.pid!;
    const nodePids = fs.readdirSync(`/proc/${pid}/task`)
      .flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/)).filter((c) => c !== '').map(Number);
    expect(nodePids).toHaveLength(NODES.length);
    await kubelets.stop();
    expect(kubelets.process.exitCode).toBe(0);
    for (const p of nodePids) {
      expect({ pid: p, running: fs.existsSync(`/proc/${p}`) }).toEqual({ pid: p, running: false });
    }
    // The nodes' root folders are the lab's; nothing is left in the temp dir for them.
    expect(fs.readFileSync(`${lab.dir}/kubelet.log`, 'utf8')).toContain('Stopping every node');
  });
});
