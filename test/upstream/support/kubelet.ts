import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import * as zlib from 'zlib';
import { ControlPlane } from './control-plane';
import { NetworkNamespace, printed } from './netns';
import { IssuedCertificate } from './pki';
import { upstreamProgram } from '../../support/upstream';

/** One node to run: a hollow kubelet of the toolchain's `kubelet` program. */
export interface HollowNodeSpec {
  /** The Node's name. */
  readonly name: string;
  /** The address inside the lab where the kubelet's HTTPS server listens (added to the namespace's `lo` if missing). */
  readonly address: string;
  /** The kubelet's port. @default 10250 */
  readonly port?: number;
  /**
   * The Node's InternalIP, added to the namespace's `lo` if missing. Not a loopback address: the kubelet
   * refuses one (`pkg/kubelet/nodestatus` validateNodeIP). @default - the listen address
   */
  readonly internalIp?: string;
  /** The Node's labels. @default - none (the kubelet adds its own `kubernetes.io/*` labels) */
  readonly labels?: { readonly [key: string]: string };
  /** How many pods the program creates on the node (`<name>-app-NN`, in `podNamespace`). @default 10 */
  readonly pods?: number;
  /** Containers per pod (plus each pod's sandbox). @default 1 */
  readonly containersPerPod?: number;
}

/** How the kubelets are started. */
export interface HollowKubeletsOptions {
  /** The process's label in the lab (its log is `<lab dir>/<label>.log`). @default 'kubelet' */
  readonly label?: string;
  /** The namespace of the pods the program creates; it must exist. @default 'default' */
  readonly podNamespace?: string;
  /** How long registration, the HTTPS servers and the pods may take before `start` fails. @default 120000 */
  readonly deadlineMs?: number;
}

/** A node that runs, with what a test needs to reach it. */
export interface HollowNode {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly internalIp: string;
  readonly labels: { readonly [key: string]: string };
  readonly pods: number;
  readonly containersPerPod: number;
  /** The kubelet's serving certificate (signed by the cluster CA; SANs: the name, the address, the InternalIP). */
  readonly serving: IssuedCertificate;
}

/** Who a request to a kubelet is from: any mix of a client certificate and a bearer token, or neither. */
export interface KubeletCredentials {
  readonly cert?: string;
  readonly key?: string;
  readonly token?: string;
}

/** How a request to a kubelet is made. */
export interface KubeletRequestOptions {
  /** Send `Accept-Encoding: gzip` (the kubelet then compresses its answer). @default false */
  readonly gzip?: boolean;
}

/** A kubelet's answer. */
export interface KubeletResponse {
  readonly status: number;
  readonly headers: { readonly [name: string]: string | string[] | undefined };
  /** The body as received (still gzip-compressed when `Content-Encoding: gzip`). */
  readonly raw: Buffer;
  /** The body as text (decompressed). */
  readonly text: string;
}

const DEFAULT_PORT = 10250;

function addressesOf(lab: NetworkNamespace): Set<string> {
  const out = lab.run('ip', ['-o', 'addr', 'show', 'dev', 'lo'], 5_000).stdout;
  return new Set([...out.matchAll(/inet6?\s+([^/\s]+)/g)].map((m) => m[1]));
}

/**
 * Hollow kubelets for a lab: the toolchain's `kubelet` program (the kubelet's own code of
 * Kubernetes v1.36.3, kubemark's hollow kubelet with the kubelet's HTTPS server, authentication and
 * authorization; see upstream/kubelet/) running any number of nodes in one process in the lab's
 * namespace, registered with the lab's control plane.
 *
 * Each node's serving certificate is issued by the cluster CA; the kubelets trust the cluster CA
 * for client certificates and send TokenReviews and SubjectAccessReviews to the API server with the
 * lab's admin credential (which also registers the Nodes and creates their pods).
 */
export class HollowKubelets {
  /**
   * Writes the program's configuration (`<lab dir>/<label>/config.json`) and certificates, starts
   * the program in the lab's namespace and resolves once it printed `ready`: every Node registered
   * and Ready, every HTTPS server answering, every pod running in the fake runtime.
   */
  public static async start(plane: ControlPlane, nodes: HollowNodeSpec[], options: HollowKubeletsOptions = {}): Promise<HollowKubelets> {
    if (nodes.length === 0) {
      throw new Error('HollowKubelets.start: give at least one node');
    }
    const loopback = nodes.find((n) => /^127\./.test(n.internalIp ?? n.address) || (n.internalIp ?? n.address) === '::1');
    if (loopback) {
      throw new Error(`HollowKubelets.start: node ${loopback.name} would have the loopback InternalIP ${loopback.internalIp ?? loopback.address}, `
        + 'which the kubelet refuses; give it an internalIp (or address) such as 192.168.50.1');
    }
    const lab = plane.lab;
    const label = options.label ?? 'kubelet';
    const dir = path.join(lab.dir, label);
    fs.mkdirSync(dir, { recursive: true });
    const present = addressesOf(lab);
    const missing = [...new Set(nodes.flatMap((n) => [n.address, n.internalIp ?? n.address]))].filter((a) => !present.has(a));
    for (const address of missing) {
      const prefix = address.includes(':') ? 128 : 32;
      const result = lab.run('ip', ['addr', 'add', `${address}/${prefix}`, 'dev', 'lo'], 5_000);
      if (result.status !== 0) {
        throw new Error(`adding ${address} to the lab's loopback failed: ${result.stderr}`);
      }
    }

    const running: HollowNode[] = nodes.map((n) => {
      const internalIp = n.internalIp ?? n.address;
      const serving = plane.ca.issue({
        name: `kubelet-${n.name}`,
        commonName: `system:node:${n.name}`,
        organizations: ['system:nodes'],
        dnsNames: [n.name],
        ipAddresses: [...new Set([n.address, internalIp])],
        usages: ['serverAuth'],
      });
      return {
        name: n.name,
        address: n.address,
        port: n.port ?? DEFAULT_PORT,
        internalIp,
        labels: { ...(n.labels ?? {}) },
        pods: n.pods ?? 10,
        containersPerPod: n.containersPerPod ?? 1,
        serving,
      };
    });

    const kubeconfig = path.join(dir, 'kubelet.kubeconfig');
    fs.writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'lab', cluster: { 'server': plane.url, 'certificate-authority': plane.ca.certFile } }],
      users: [{ name: 'kubelet', user: { 'client-certificate': plane.adminCertificate.certFile, 'client-key': plane.adminCertificate.keyFile } }],
      contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'kubelet' } }],
      ['current-context']: 'lab',
    }, null, 2));
    const configFile = path.join(dir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify({
      kubeconfig,
      clientCAFile: plane.ca.certFile,
      podNamespace: options.podNamespace ?? 'default',
      nodes: running.map((n) => ({
        name: n.name,
        address: n.address,
        port: n.port,
        tlsCertFile: n.serving.certFile,
        tlsPrivateKeyFile: n.serving.keyFile,
        internalIP: n.internalIp,
        labels: n.labels,
        pods: n.pods,
        containersPerPod: n.containersPerPod,
        rootDir: path.join(dir, n.name),
      })),
    }, null, 2));

    const deadlineMs = options.deadlineMs ?? 120_000;
    const started = Date.now();
    const proc = await lab.start(label, upstreamProgram('kubelet'), [
      `--config=${configFile}`,
      `--ready-timeout=${Math.round(deadlineMs / 1000)}s`,
    ], printed('ready'));
    return new HollowKubelets(lab, plane.ca.cert, label, configFile, running, proc, Date.now() - started);
  }

  private readonly sockets = new Map<string, string>();

  private constructor(
    private readonly lab: NetworkNamespace,
    /** The cluster CA, which signed the kubelets' serving certificates. */
    private readonly ca: string,
    /** The process's label in the lab. */
    public readonly label: string,
    /** The program's configuration file. */
    public readonly configFile: string,
    /** The nodes, in the order given. */
    public readonly nodes: HollowNode[],
    /** The program's process (`ip netns exec ... kubelet --config ...`). */
    public readonly process: ChildProcess,
    /** How long `start` took until `ready`. */
    public readonly startupMs: number,
  ) {}

  /** The node of that name; throws for an unknown one. */
  public node(name: string): HollowNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) {
      throw new Error(`no hollow node ${name}; the nodes are ${this.nodes.map((n) => n.name).join(', ')}`);
    }
    return node;
  }

  /**
   * An HTTPS GET to a node's kubelet from the test process (through a socket into the lab's
   * namespace), with the given credentials; `gzip` sends `Accept-Encoding: gzip`. The kubelet's
   * serving certificate is verified against the cluster CA and the node's address.
   */
  public async get(
    nodeName: string,
    urlPath: string,
    credentials: KubeletCredentials = {},
    options: KubeletRequestOptions = {},
  ): Promise<KubeletResponse> {
    const node = this.node(nodeName);
    const key = `${node.address}:${node.port}`;
    let socketPath = this.sockets.get(key);
    if (socketPath === undefined) {
      socketPath = await this.lab.socketTo(node.address, node.port);
      this.sockets.set(key, socketPath);
    }
    const headers: { [name: string]: string } = {};
    if (credentials.token !== undefined) {
      headers.Authorization = `Bearer ${credentials.token}`;
    }
    if (options.gzip) {
      headers['Accept-Encoding'] = 'gzip';
    }
    return new Promise((resolve, reject) => {
      const req = https.request({
        socketPath,
        host: node.address,
        servername: net.isIP(node.address) ? '' : node.address,
        method: 'GET',
        path: urlPath,
        headers,
        ca: this.ca,
        ...(credentials.cert !== undefined ? { cert: credentials.cert, key: credentials.key } : {}),
        agent: false,
        timeout: 30_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, text });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} on ${nodeName} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Stops the program (SIGTERM; the lab's stop waits for it and its log). */
  public async stop(): Promise<void> {
    await this.lab.stop(this.process);
  }
}
