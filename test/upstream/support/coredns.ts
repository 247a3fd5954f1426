import { ChildProcess, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane } from './control-plane';
import { DnsAgent } from './dns-agent';
import { NetworkNamespace } from './netns';
import { upstreamProgram } from '../../support/upstream';

/**
 * Real CoreDNS (the toolchain's build of the pinned module) in a network namespace, run as the
 * cluster runs it: the Corefile in a ConfigMap volume at `/etc/coredns`, the tunnel-nodes ConfigMap
 * volume at `/etc/edge`, a ServiceAccount volume and the in-cluster environment for the
 * `kubernetes` plugin, each visible to that process only.
 */

/** Where the Deployment patch mounts the tunnel-nodes ConfigMap, and the file CoreDNS reads. */
export const TUNNEL_NODES_MOUNT = '/etc/edge';
export const TUNNEL_NODES_FILE = `${TUNNEL_NODES_MOUNT}/tunnel-nodes`;
/** Where a CoreDNS pod finds its Corefile (`-conf /etc/coredns/Corefile`). */
export const COREFILE_MOUNT = '/etc/coredns';
const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The `tunnel-nodes` text exactly as yurt-manager writes it: one `IP<TAB>nodeName` line per node,
 * sorted, joined by `\n`, no final newline (openyurt v1.7.0,
 * pkg/yurtmanager/controller/raven/dns/gateway_dns_controller.go, buildDNSRecords:
 * `fmt.Sprintf("%s\t%s", ip, node.Name)`, `sort.Strings(dns)`, `strings.Join(dns, "\n")`).
 * With the L7 proxy on, every node's IP is the proxy Service's ClusterIP.
 */
export function tunnelNodesText(entries: { [nodeName: string]: string }): string {
  const lines = Object.entries(entries).map(([name, ip]) => `${ip}\t${name}`);
  // Go's sort.Strings compares bytes; these lines are ASCII, where JavaScript's default order is the same.
  return lines.sort().join('\n');
}

/**
 * A folder laid out as the kubelet lays out a ConfigMap volume (k8s.io/kubernetes v1.36.3,
 * pkg/volume/util/atomic_writer.go): the data in a timestamped folder `..<time>`, a symlink
 * `..data` to it, and `tunnel-nodes -> ..data/tunnel-nodes`. An update writes a new timestamped
 * folder and renames a new `..data` link over the old one, so a reader sees the old or the new
 * file, never half of one. Before the first write the folder is empty: the `optional: true` volume
 * of a ConfigMap that does not exist yet.
 */
export class TunnelNodesVolume {
  private generation = 0;

  public constructor(public readonly dir: string, private readonly key: string = 'tunnel-nodes') {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Publishes new content, as the kubelet does when the ConfigMap changes (or appears). */
  public write(content: string): void {
    const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}.${process.pid}${this.generation++}`;
    const tsDir = path.join(this.dir, stamp);
    fs.mkdirSync(tsDir);
    fs.writeFileSync(path.join(tsDir, this.key), content, { mode: 0o644 });
    const data = path.join(this.dir, '..data');
    const previous = fs.existsSync(data) ? fs.readlinkSync(data) : undefined;
    const tmp = path.join(this.dir, '..data_tmp');
    fs.symlinkSync(stamp, tmp);
    fs.renameSync(tmp, data);
    const visible = path.join(this.dir, this.key);
    if (!fs.existsSync(visible)) {
      fs.symlinkSync(path.join('..data', this.key), visible);
    }
    if (previous !== undefined) {
      fs.rmSync(path.join(this.dir, previous), { recursive: true, force: true });
    }
  }
}

/** How to run one CoreDNS. */
export interface CoreDnsOptions {
  /** Names the process and its log (`<ns.dir>/<label>.log`). */
  readonly label: string;
  /** The Corefile, written as is to `/etc/coredns/Corefile`. */
  readonly corefile: string;
  /** Other files of the Corefile's ConfigMap (k3s's `NodeHosts`), beside it in `/etc/coredns`. */
  readonly configFiles?: { readonly [name: string]: string };
  /** The tunnel-nodes volume, mounted at `/etc/edge`; without it `/etc/edge` does not exist. */
  readonly tunnelNodes?: TunnelNodesVolume;
  /** The `kubernetes` plugin's view of the cluster (see `coreDnsServiceAccount`). */
  readonly cluster?: CoreDnsCluster;
  /** More environment (e.g. `POD_IP` for `bind {$POD_IP}`). */
  readonly env?: { readonly [name: string]: string };
  /** More folders mounted for this process only (stand-in certificates, zone files). */
  readonly mounts?: { readonly [path: string]: string };
  /**
   * The process' own `/etc/resolv.conf` (what `forward . /etc/resolv.conf` reads), as a pod with
   * `dnsPolicy: Default` gets the node's; without it, the namespace's.
   */
  readonly resolvConf?: string;
  /** Working folder, for relative paths in the Corefile (a pod's is `/`). @default the Corefile's folder on the host */
  readonly cwd?: string;
  /** How long to wait for the start banner. @default 20000 */
  readonly timeoutMs?: number;
}

/** The ServiceAccount volume and in-cluster environment a CoreDNS pod gets. */
export interface CoreDnsCluster {
  readonly serviceAccountVolume: string;
  readonly env: { readonly [name: string]: string };
}

/** CoreDNS exited before it served: `output` is what it printed (the reason). */
export class CoreDnsStartError extends Error {
  public constructor(public readonly label: string, public readonly output: string) {
    super(`CoreDNS ${label} did not start:\n${output}`);
  }

  /** CoreDNS's own error lines, without Go runtime chatter. */
  public get reason(): string {
    return this.output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('maxprocs:')).join('\n');
  }
}

/** A running CoreDNS. */
export class CoreDns {
  public constructor(
    public readonly ns: NetworkNamespace,
    public readonly label: string,
    public readonly proc: ChildProcess,
    /** The folder mounted at `/etc/coredns`. */
    public readonly configDir: string,
  ) {}

  /** What it printed so far. */
  public get output(): string {
    const file = path.join(this.ns.dir, `${this.label}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  /** Whether it is still running. */
  public get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /**
   * Stops it at once (SIGKILL): a graceful stop would wait out `health`'s lameduck (5 to 20 s in
   * the corpus), which proves nothing here.
   */
  public async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGKILL');
    await exited;
  }
}

let started = 0;

/**
 * Starts CoreDNS in `ns` and resolves once it serves (it prints its banner after every listener is
 * up and every plugin's start-up, the `kubernetes` plugin's first sync included, is done); rejects
 * with `CoreDnsStartError` if it exits first.
 *
 * CoreDNS listens where its Corefile says (`.:53` is port 53 of every address of `ns`). It sets
 * SO_REUSEPORT on its sockets, so a second CoreDNS on the same port of the same namespace does not
 * fail but shares the queries: run one per port and namespace.
 */
export async function startCoreDns(ns: NetworkNamespace, options: CoreDnsOptions): Promise<CoreDns> {
  const configDir = path.join(ns.dir, `${options.label}-config-${started++}`);
  fs.mkdirSync(configDir, { recursive: true });
  fs.writeFileSync(path.join(configDir, 'Corefile'), options.corefile);
  for (const [name, content] of Object.entries(options.configFiles ?? {})) {
    fs.writeFileSync(path.join(configDir, name), content);
  }
  const mounts: { [path: string]: string } = { [COREFILE_MOUNT]: configDir, ...(options.mounts ?? {}) };
  if (options.tunnelNodes) {
    mounts[TUNNEL_NODES_MOUNT] = options.tunnelNodes.dir;
  }
  if (options.cluster) {
    mounts[SERVICE_ACCOUNT_MOUNT] = options.cluster.serviceAccountVolume;
  }
  const env = { ...(options.cluster?.env ?? {}), ...(options.env ?? {}) };
  let command = upstreamProgram('coredns');
  let args = ['-conf', `${COREFILE_MOUNT}/Corefile`];
  if (options.resolvConf !== undefined) {
    // Bound over the namespace's file inside the process' own mount namespace only.
    const resolvConf = path.join(configDir, '..resolv.conf');
    fs.writeFileSync(resolvConf, options.resolvConf);
    args = ['-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolvConf, command, ...args];
    command = '/bin/sh';
  }
  const logFile = path.join(ns.dir, `${options.label}.log`);
  const timeoutMs = options.timeoutMs ?? 20_000;
  try {
    const proc = await ns.start(options.label, command, args, (p) => banner(p, options.label, timeoutMs), options.cwd ?? configDir, { mounts, env });
    return new CoreDns(ns, options.label, proc, configDir);
  } catch (e) {
    const output = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : (e as Error).message;
    throw new CoreDnsStartError(options.label, output);
  }
}

/** Starts CoreDNS like `startCoreDns`; if it refuses to start, resolves to its reason instead. */
export async function startCoreDnsOrReason(ns: NetworkNamespace, options: CoreDnsOptions): Promise<CoreDns | string> {
  try {
    return await startCoreDns(ns, options);
  } catch (e) {
    if (e instanceof CoreDnsStartError) return e.reason;
    throw e;
  }
}

/** Resolves on CoreDNS's start banner (`CoreDNS-1.14.7` on a line of its own). */
function banner(proc: ChildProcess, label: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`CoreDNS ${label} printed no start banner within ${timeoutMs} ms`)), timeoutMs);
    proc.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/^CoreDNS-\d/m.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', () => clearTimeout(timer));
  });
}

/**
 * A ServiceAccount for CoreDNS with kubeadm's `system:coredns` ClusterRole (kubernetes v1.36.3,
 * cmd/kubeadm/app/phases/addons/dns/manifests.go: list/watch endpoints, services, pods,
 * namespaces and discovery.k8s.io endpointslices), and what a pod of it gets: a token volume and
 * the in-cluster environment.
 */
export async function coreDnsServiceAccount(plane: ControlPlane, namespace: string = 'kube-system', name: string = 'coredns'): Promise<CoreDnsCluster> {
  const role = `system:${name}`;
  for (const obj of [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: role },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  ]) {
    const response = await plane.admin.apply(obj, 'raven-lab');
    if (response.status >= 300) {
      throw new Error(`applying ${obj.kind} ${obj.metadata.name} failed: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    }
  }
  return { serviceAccountVolume: await plane.serviceAccountVolume(namespace, name), env: plane.inClusterEnv };
}

/** The stub upstream's records: what "the internet" answers in the suite. */
export const UPSTREAM_ZONE = [
  '.                         3600 IN SOA  ns.stub-upstream. hostmaster.stub-upstream. 1 7200 3600 1209600 60',
  '.                         3600 IN NS   ns.stub-upstream.',
  'ns.stub-upstream.         3600 IN A    192.0.2.53',
  'example.com.               300 IN A    192.0.2.80',
  'example.com.               300 IN AAAA 2001:db8::80',
  'example.com.               300 IN MX   10 mail.example.com.',
  'example.com.               300 IN TXT  "from the stub upstream"',
  'mail.example.com.          300 IN A    192.0.2.25',
  'www.example.com.           300 IN CNAME example.com.',
  '80.2.0.192.in-addr.arpa.   300 IN PTR  example.com.',
  '',
].join('\n');

/**
 * An upstream DNS server for `forward`: a second CoreDNS, authoritative for the root zone from
 * `UPSTREAM_ZONE` (NXDOMAIN with the zone's SOA for every other name, like a real resolver), bound
 * to `addresses` only, so it coexists with a CoreDNS under test on port 53 of every other address.
 */
export async function startStubUpstream(ns: NetworkNamespace, label: string, addresses: string[]): Promise<CoreDns> {
  const dir = path.join(ns.dir, `${label}-zone`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'root.zone'), UPSTREAM_ZONE);
  return startCoreDns(ns, {
    label,
    corefile: `. {\n    bind ${addresses.join(' ')}\n    file ${path.join(dir, 'root.zone')} .\n}\n`,
  });
}

/**
 * A Unix socket connected to the control plane's API server: the one `ControlPlane.start` opened
 * through `NetworkNamespace.socketTo` (named after the address and port), else a new one.
 */
export async function apiServerSocket(plane: ControlPlane): Promise<string> {
  const existing = path.join(plane.lab.dir, `relay-${plane.addresses.apiServer}-6443.sock`);
  return fs.existsSync(existing) ? existing : plane.lab.socketTo(plane.addresses.apiServer, 6443);
}

/** Adds addresses (IPv4 as /32, IPv6 as /128) to the namespace's loopback. */
export function addLoopbackAddresses(ns: NetworkNamespace, addresses: string[]): void {
  for (const address of addresses) {
    const prefix = address.includes(':') ? 128 : 32;
    const result = spawnSync('ip', ['-n', ns.name, 'addr', 'add', `${address}/${prefix}`, 'dev', 'lo', ...(prefix === 128 ? ['nodad'] : [])], { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`ip -n ${ns.name} addr add ${address}/${prefix} failed: ${result.stderr}`);
    }
  }
}

/**
 * A network namespace of its own for CoreDNS under test: its listeners (port 53, `health` :8080,
 * `ready` :8181, `prometheus` :9153) cannot meet another CoreDNS's, the stub upstream answers on
 * the addresses the corpus forwards to, a relay reaches the lab's API server at the address the
 * in-cluster environment names, and an agent asks questions from inside.
 */
export class DnsCell {
  public static async create(name: string, options: { plane: ControlPlane; upstreams: string[]; addresses?: string[] }): Promise<DnsCell> {
    const apiSocket = await apiServerSocket(options.plane);
    const ns = new NetworkNamespace(name);
    const v4 = [...options.upstreams, ...(options.addresses ?? [])].filter((a) => !a.includes(':'));
    const v6 = [...options.upstreams, ...(options.addresses ?? [])].filter((a) => a.includes(':'));
    ns.create([], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: `nameserver ${options.upstreams[0]}\n` });
    try {
      const apiHost = options.plane.addresses.apiServer;
      // 127.0.0.0/8 is local on every loopback; another address must be added to listen on it.
      addLoopbackAddresses(ns, [...v4, ...v6, ...(apiHost.startsWith('127.') ? [] : [apiHost])]);
      const [agent, upstream] = await Promise.all([
        DnsAgent.start(ns, 'agent', [{ host: apiHost, port: 6443, socketPath: apiSocket }]),
        startStubUpstream(ns, 'upstream', options.upstreams),
      ]);
      return new DnsCell(ns, agent, upstream);
    } catch (e) {
      await ns.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1');
      throw e;
    }
  }

  private constructor(
    public readonly ns: NetworkNamespace,
    public readonly agent: DnsAgent,
    public readonly upstream: CoreDns,
  ) {}

  public async destroy(): Promise<void> {
    this.agent.close();
    await this.ns.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1');
  }
}
