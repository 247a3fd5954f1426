import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane } from './control-plane';
import { CoreDnsCluster, coreDnsServiceAccount, DnsCell, TunnelNodesVolume, tunnelNodesText } from './coredns';
import { DnsOutcome, summary } from './dns';
import { NetworkNamespace } from './netns';
import { CertificateAuthority } from './pki';

/**
 * What the CoreDNS corpus tests share: a lab with a real control plane, the cluster objects CoreDNS
 * answers for, and cells (one network namespace per CoreDNS at a time) that run Corefiles side by side.
 */

/**
 * Upstream servers the corpus names (`forward . 8.8.8.8`, `forward . 1.1.1.1 1.0.0.1`, stub
 * domains, ...); the first is the one in every cell's resolv.conf. The stub upstream answers on each.
 */
export const UPSTREAMS = [
  '192.0.2.53', '8.8.8.8', '8.8.4.4', '1.1.1.1', '1.0.0.1', '172.16.0.1', '10.150.0.1', '192.168.3.1',
  '1.2.3.4', '2.3.4.5', '10.10.0.1', '2603:6010:5300:ad0a::1',
];
/** The address `{$POD_IP}` stands for. */
export const POD_IP = '10.244.0.5';
/** Sources inside the corpus's `acl`s (`allow net 10.3.0.0/24`, `allow net 2a0a:e5c0::/29`). */
export const ACL_SOURCE_V4 = '10.3.0.5';
export const ACL_SOURCE_V6 = '2a0a:e5c0::5';

/** Where a client reaches a server block. */
export interface Listener {
  readonly server: string;
  readonly port: number;
  readonly source?: string;
  /** @default 3000 */
  readonly timeoutMs?: number;
}
export const DEFAULT_LISTENER: Listener = { server: '127.0.0.1', port: 53 };

/** The edge and cloud node names in the tunnel-nodes file. */
export const EDGE_NODE = 'edge-node-1';
export const CLOUD_NODE = 'cloud-node-1';

/** `d.c.b.a.in-addr.arpa` for `a.b.c.d`. */
export function reverseName(ipv4: string): string {
  return `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** The lab's network namespace, control plane, cluster objects and cells. */
export class DnsLab {
  public static async start(label: string, cellCount: number): Promise<DnsLab> {
    NetworkNamespace.checkPrerequisites();
    const ns = new NetworkNamespace(`${label}-${process.pid}`);
    const lab = new DnsLab(ns);
    try {
      ns.create(['127.0.0.2', '127.0.0.3'], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.1\n' });
      lab.plane = await ControlPlane.start(ns, { apiServer: '127.0.0.2', etcd: '127.0.0.3' });
      lab.cluster = await coreDnsServiceAccount(lab.plane);
      // The Raven L7 proxy's Service (whose ClusterIP yurt-manager writes for every node) and an ordinary one.
      const proxy = await lab.plane.admin.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'x-raven-proxy-internal-svc', namespace: 'kube-system' },
        spec: { ports: [{ name: 'http-9100', port: 9100 }, { name: 'https-10250', port: 10250 }] },
      });
      const web = await lab.plane.admin.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      });
      lab.proxyIp = proxy.spec.clusterIP;
      lab.webIp = web.spec.clusterIP;
      lab.standInCa = new CertificateAuthority(path.join(ns.dir, 'stand-in-pki'), 'stand-in-ca');
      const cells: DnsCell[] = [];
      for (let i = 0; i < cellCount; i++) {
        cells.push(await DnsCell.create(`${label}-c${i}-${process.pid}`, { plane: lab.plane, upstreams: UPSTREAMS, addresses: [POD_IP, ACL_SOURCE_V4, ACL_SOURCE_V6] }));
        lab.cells.push(cells[i]);
      }
      return lab;
    } catch (e) {
      await lab.destroy();
      throw e;
    }
  }

  public plane!: ControlPlane;
  public cluster!: CoreDnsCluster;
  /** The proxy Service's ClusterIP: every node's address in the tunnel-nodes file. */
  public proxyIp = '';
  /** Service `default/web`'s ClusterIP. */
  public webIp = '';
  public readonly cells: DnsCell[] = [];
  private standInCa!: CertificateAuthority;
  private volumes = 0;

  private constructor(public readonly ns: NetworkNamespace) {}

  /** A fresh tunnel-nodes volume (empty: the ConfigMap does not exist yet). */
  public volume(cell: DnsCell): TunnelNodesVolume {
    return new TunnelNodesVolume(path.join(cell.ns.dir, `tunnel-nodes-${this.volumes++}`));
  }

  /** The file yurt-manager writes for `nodes`, each mapped to the proxy's ClusterIP. */
  public tunnelNodes(...nodes: string[]): string {
    return tunnelNodesText(Object.fromEntries(nodes.map((n) => [n, this.proxyIp])));
  }

  /** A stand-in serving certificate: `cert.pem`, `key.pem` and the CA as `ca.pem`. */
  public standInTls(): { [file: string]: string } {
    const issued = this.standInCa.issue({ name: 'coredns', commonName: 'coredns.stand-in', dnsNames: ['coredns.stand-in'], usages: ['serverAuth'] });
    return { 'cert.pem': issued.cert, 'key.pem': issued.key, 'ca.pem': this.standInCa.cert };
  }

  public async destroy(): Promise<void> {
    await Promise.all(this.cells.map((c) => c.destroy()));
    await this.ns.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1');
  }
}

/** Writes `files` into a new folder under `dir` and returns it (stand-in files for a mount or a working folder). */
export function folderWith(dir: string, name: string, files: { [file: string]: string }): string {
  const folder = path.join(dir, name);
  fs.mkdirSync(folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(folder, file), content);
  }
  return folder;
}

/** Runs `work` for every item, at most one at a time per worker, and returns the results by item. */
export async function pooled<T, W, R>(items: T[], workers: W[], work: (item: T, worker: W) => Promise<R>): Promise<Map<T, R>> {
  const results = new Map<T, R>();
  const queue = [...items];
  await Promise.all(workers.map(async (worker) => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      results.set(item, await work(item, worker));
    }
  }));
  return results;
}

/**
 * Asks the questions one after the other, as a client would (a burst of concurrent questions
 * would meet `forward`'s `max_concurrent`, which answers REFUSED above its limit); returns the
 * outcomes in order.
 */
export async function askAll(cell: DnsCell, listener: Listener, questions: Array<[string, string]>): Promise<DnsOutcome[]> {
  const outcomes: DnsOutcome[] = [];
  for (const [name, type] of questions) {
    outcomes.push(await cell.agent.ask({ name, type, ...listener }));
  }
  return outcomes;
}

/** The A records of an answer, or the reason there are none. */
export function addresses(outcome: DnsOutcome): string[] | string {
  if ('error' in outcome) return outcome.error;
  if (outcome.message.rcode !== 'NOERROR') return outcome.message.rcode;
  return outcome.message.answers.filter((r) => r.type === 'A').map((r) => r.data).sort();
}

/** What probing a change of the tunnel-nodes file found. */
export interface Pickup {
  /** Milliseconds after the write at which the first new name was answered (undefined: never). */
  readonly latencyMs?: number;
  /** Whether a probe asked after the first answered one was not answered. */
  readonly relapsed: boolean;
  /** Each probe: when it was asked (ms after the write) and its outcome. */
  readonly probes: Array<{ readonly atMs: number; readonly outcome: string }>;
}

/**
 * Writes a new tunnel-nodes file with `count` new node names added to `nodes` and asks for one new
 * name every `stepMs`: each name is asked once, so no cache (the `cache` plugin runs before
 * `hosts`) can hold an earlier negative answer for it.
 */
export async function probePickup(lab: DnsLab, cell: DnsCell, listener: Listener, volume: TunnelNodesVolume, nodes: string[], prefix: string,
  options: { stepMs?: number; count?: number } = {}): Promise<Pickup> {
  const step = options.stepMs ?? 50;
  const count = options.count ?? 16;
  const probes = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  volume.write(lab.tunnelNodes(...nodes, ...probes));
  const written = Date.now();
  const results: Array<{ atMs: number; outcome: string; answered: boolean }> = [];
  for (let i = 0; i < count; i++) {
    const wait = written + i * step - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const atMs = Date.now() - written;
    const outcome = await cell.agent.ask({ name: probes[i], type: 'A', ...listener });
    const a = addresses(outcome);
    results.push({ atMs, outcome: summary(outcome), answered: Array.isArray(a) && a.length === 1 && a[0] === lab.proxyIp });
  }
  const first = results.findIndex((r) => r.answered);
  return {
    latencyMs: first < 0 ? undefined : results[first].atMs,
    relapsed: first >= 0 && results.slice(first).some((r) => !r.answered),
    probes: results.map(({ atMs, outcome }) => ({ atMs, outcome })),
  };
}
