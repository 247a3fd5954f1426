/**
 * Raven's side of a lab: what the raven-agent chart and raven-agent put into a cluster for the L7
 * proxy, and the proxy itself (`raven-proxy`, the toolchain's test helper following raven v0.4.4's
 * `pkg/proxyengine/proxyserver`).
 *
 * - the chart's RBAC (raven `charts/raven-agent/templates/rbac.yaml` at v0.4.4): ClusterRole
 *   `raven-agent-role` for the agent's ServiceAccount, and ClusterRole `raven-proxy-user`
 *   (nodes/stats, nodes/metrics, nodes/log, nodes/spec, nodes/proxy) bound to the user
 *   `tunnel-proxy-client`, the proxy's client identity toward kubelets;
 * - the proxy's two certificates, issued by the cluster CA as raven-agent has them signed
 *   (`proxyserver.go` Start): the serving certificate (CN `system:node:tunnel-proxy-server`,
 *   O `system:nodes`, SANs the gateway node's name and IP, 127.0.0.1, the
 *   `x-raven-proxy-internal-svc` Service's names and ClusterIP; never an edge node's name) and the
 *   client certificate (CN `tunnel-proxy-client`, O `openyurt:yurttunnel`);
 * - the cloud Gateway with its members in `status.nodes` (what raven's controller writes), which
 *   decides the forward mode (`manageheader.go` getProxyMode);
 * - the proxy process, on the proxy Service's ClusterIP with one listener per proxied port.
 */
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane } from './control-plane';
import { NetworkNamespace, printed } from './netns';
import { IssuedCertificate } from './pki';
import { upstreamProgram } from '../../support/upstream';

/** The proxy Service raven's controller creates, and its names in the cluster DNS. */
export const RAVEN_PROXY_SERVICE = 'x-raven-proxy-internal-svc';
export const RAVEN_PROXY_SERVICE_NAMES = [
  RAVEN_PROXY_SERVICE,
  `${RAVEN_PROXY_SERVICE}.kube-system`,
  `${RAVEN_PROXY_SERVICE}.kube-system.svc`,
  `${RAVEN_PROXY_SERVICE}.kube-system.svc.cluster.local`,
];
/** The user the proxy's client certificate names (raven `pkg/utils/constants.go` RavenProxyUserCSRCN). */
export const TUNNEL_PROXY_CLIENT = 'tunnel-proxy-client';
/** The raven-agent chart's ClusterRole for that user. */
export const RAVEN_PROXY_USER_ROLE = 'raven-proxy-user';
const RAVEN_PROXY_USER_BINDING = 'raven-proxy-user-binding';
/** raven-agent's ServiceAccount (the chart's), whose identity the proxy reads Nodes and Gateways with. */
const RAVEN_AGENT_USER = 'system:serviceaccount:kube-system:raven-agent-account';

/** One request the proxy handled (raven-proxy's control endpoint). */
export interface RavenRoute {
  readonly node: string;
  /** Where the node name came from: `nodeName` (query), `host` (Host header) or `header` (raven's own headers). */
  readonly from: 'nodeName' | 'host' | 'header';
  readonly path: string;
  readonly status: number;
  /** `Local` or `Remote`; absent when refused before the mode was known. */
  readonly mode?: string;
  /** The request line and Host the proxy wrote to the node. */
  readonly upstream?: string;
  /** Whether the node was dialled over TLS. */
  readonly tls: boolean;
  readonly responseBytes: number;
}

export interface RavenProxyOptions {
  /** The proxy Service's ClusterIP: the proxy listens there. */
  readonly clusterIp: string;
  /** The gateway node (a cloud node): its name and IP go into the serving certificate. */
  readonly gatewayNode: { readonly name: string; readonly ip: string };
  /** The cloud Gateway's name, and its member nodes (`status.nodes`). */
  readonly gatewayName: string;
  readonly gatewayMembers: string[];
  /** Ports proxied as HTTP and as HTTPS (the Gateway's proxyHTTPPort / proxyHTTPSPort). */
  readonly httpPorts: number[];
  readonly httpsPorts: number[];
  /** A node InternalIP to the lab address where that node's network is reached. */
  readonly tunnel: { [internalIp: string]: string };
  /** Where the control endpoint listens (`host:port`). */
  readonly control: string;
}

/** A running proxy and what it was given. */
export class RavenProxy {
  /**
   * Writes the chart's RBAC, the cloud Gateway and the proxy's certificates, and starts the proxy.
   * With `bindProxyUser: false` the `raven-proxy-user` binding is left out (a cluster where the
   * chart's binding is missing).
   */
  public static async start(lab: NetworkNamespace, plane: ControlPlane, options: RavenProxyOptions,
    bindProxyUser: boolean = true): Promise<RavenProxy> {
    const admin = plane.admin;
    const dir = path.join(lab.dir, 'raven-proxy');
    fs.mkdirSync(dir, { recursive: true });
    await applyAll(plane, [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'raven-agent-role' },
        rules: [
          { apiGroups: ['raven.openyurt.io'], resources: ['gateways'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
          { apiGroups: [''], resources: ['configmaps', 'services', 'nodes', 'pods'], verbs: ['get', 'list', 'update', 'watch'] },
          { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create', 'get', 'list', 'watch'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'raven-agent-role-binding' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'raven-agent-role' },
        subjects: [{ kind: 'ServiceAccount', name: 'raven-agent-account', namespace: 'kube-system' }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: RAVEN_PROXY_USER_ROLE, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
        rules: [{
          apiGroups: [''],
          resources: ['nodes/stats', 'nodes/metrics', 'nodes/log', 'nodes/spec', 'nodes/proxy'],
          verbs: ['create', 'get', 'list', 'watch', 'delete', 'update', 'patch'],
        }],
      },
    ]);
    if (bindProxyUser) {
      await bindRavenProxyUser(plane);
    }
    const gateway = await admin.apply({
      apiVersion: 'raven.openyurt.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: options.gatewayName },
      spec: {
        exposeType: 'PublicIP',
        proxyConfig: { Replicas: 1, proxyHTTPPort: options.httpPorts.join(','), proxyHTTPSPort: options.httpsPorts.join(',') },
        tunnelConfig: { Replicas: 1 },
        endpoints: [{ nodeName: options.gatewayNode.name, type: 'proxy', port: 10262, underNAT: false, publicIP: options.gatewayNode.ip }],
      },
    }, 'raven-lab');
    if (gateway.status >= 300) {
      throw new Error(`creating Gateway ${options.gatewayName} failed: ${JSON.stringify(gateway.body)}`);
    }
    await admin.must('PATCH', `/apis/raven.openyurt.io/v1beta1/gateways/${options.gatewayName}/status`, {
      status: {
        nodes: options.gatewayMembers.map((name) => ({ nodeName: name, privateIP: name === options.gatewayNode.name ? options.gatewayNode.ip : '', subnets: [] })),
        activeEndpoints: [{ nodeName: options.gatewayNode.name, type: 'proxy', port: 10262, underNAT: false, publicIP: options.gatewayNode.ip }],
      },
    }, 'application/merge-patch+json');

    const serving = plane.ca.issue({
      name: 'raven-proxy-server',
      commonName: 'system:node:tunnel-proxy-server',
      organizations: ['system:nodes'],
      dnsNames: [options.gatewayNode.name, ...RAVEN_PROXY_SERVICE_NAMES],
      ipAddresses: [options.gatewayNode.ip, '127.0.0.1', options.clusterIp],
      usages: ['serverAuth'],
    });
    const client = plane.ca.issue({
      name: 'raven-proxy-user', commonName: TUNNEL_PROXY_CLIENT, organizations: ['openyurt:yurttunnel'], usages: ['clientAuth'],
    });
    const agent = plane.ca.issue({ name: 'raven-agent', commonName: RAVEN_AGENT_USER, usages: ['clientAuth'] });
    const config = {
      apiServer: { url: plane.url, caFile: plane.ca.certFile, certFile: agent.certFile, keyFile: agent.keyFile },
      gatewayName: options.gatewayName,
      rootCaFile: plane.ca.certFile,
      serverCertFile: serving.certFile,
      serverKeyFile: serving.keyFile,
      clientCertFile: client.certFile,
      clientKeyFile: client.keyFile,
      https: options.httpsPorts.map((p) => `${options.clusterIp}:${p}`),
      http: options.httpPorts.map((p) => `${options.clusterIp}:${p}`),
      tunnel: options.tunnel,
      control: options.control,
    };
    const configFile = path.join(dir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify(config, undefined, 2));
    const proxy = new RavenProxy(lab, options, serving, client, configFile);
    await proxy.resume();
    return proxy;
  }

  private process: ChildProcess | undefined;

  private constructor(
    private readonly lab: NetworkNamespace,
    public readonly options: RavenProxyOptions,
    /** The proxy's serving certificate. */
    public readonly serving: IssuedCertificate,
    /** The proxy's client certificate (tunnel-proxy-client). */
    public readonly client: IssuedCertificate,
    private readonly configFile: string,
  ) {}

  /** True while the proxy process runs. */
  public get running(): boolean {
    return this.process !== undefined;
  }

  /**
   * Stops the proxy process (raven-agent's proxy gone: its pod crashed or the gateway node is
   * down); the cluster objects and certificates stay. Its routes are lost with it.
   */
  public async stop(): Promise<void> {
    if (this.process) {
      await this.lab.stop(this.process);
      this.process = undefined;
    }
  }

  /** Starts the proxy process again with the same configuration and certificates (a no-op while it runs). */
  public async resume(): Promise<void> {
    if (!this.process) {
      this.process = await this.lab.start('raven-proxy', upstreamProgram('raven-proxy'), ['--config', this.configFile], printed('ready'));
    }
  }

  /** Every request the proxy handled so far, in order. */
  public routes(): RavenRoute[] {
    const answer = this.lab.fetch(`http://${this.options.control}/lab/raven-proxy/routes`);
    if (answer.status !== 200 || answer.body === undefined) {
      throw new Error(`cannot read the proxy's routes: ${answer.status ?? answer.error}`);
    }
    return JSON.parse(answer.body) ?? [];
  }
}

/** The raven-agent chart's binding of `raven-proxy-user` to the proxy's client identity. */
export async function bindRavenProxyUser(plane: ControlPlane): Promise<void> {
  await applyAll(plane, [{
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: RAVEN_PROXY_USER_BINDING },
    subjects: [{ kind: 'User', name: TUNNEL_PROXY_CLIENT, apiGroup: 'rbac.authorization.k8s.io' }],
    roleRef: { kind: 'ClusterRole', name: RAVEN_PROXY_USER_ROLE, apiGroup: 'rbac.authorization.k8s.io' },
  }]);
}

/** Removes that binding (a cluster whose raven-agent chart did not create it). */
export async function unbindRavenProxyUser(plane: ControlPlane): Promise<void> {
  await plane.admin.must('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${RAVEN_PROXY_USER_BINDING}`);
}

async function applyAll(plane: ControlPlane, objects: any[]): Promise<void> {
  for (const object of objects) {
    const applied = await plane.admin.apply(object, 'raven-lab');
    if (applied.status >= 300) {
      throw new Error(`applying ${object.kind} ${object.metadata.name} failed: ${JSON.stringify(applied.body)}`);
    }
  }
}

/** What an HTTPS request from inside the lab saw. */
export interface HttpsAnswer {
  readonly status?: number;
  readonly headers?: { [name: string]: string | string[] | undefined };
  /** The body's length as it arrived (a gzip body is not decoded). */
  readonly bodyBytes?: number;
  readonly body?: string;
  /** The ALPN protocol the server chose, `false` for none. */
  readonly alpn?: string | false;
  /** The server certificate's subjectAltName and subject CN. */
  readonly subjectAltName?: string;
  readonly subjectCn?: string;
  readonly error?: string;
}

export interface HttpsRequest {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** The name the certificate is verified against (SNI). */
  readonly servername: string;
  /** The CA to verify with; the request fails on any certificate it did not sign. */
  readonly caFile: string;
  /** A client certificate to present. */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly headers?: { [name: string]: string };
  /** ALPN protocols offered (default h2 and http/1.1, as Go's clients offer them). */
  readonly alpn?: string[];
}

/** An HTTPS GET from inside the namespace, verifying the server certificate. */
export function httpsGet(lab: NetworkNamespace, request: HttpsRequest, timeoutMs: number = 10_000): HttpsAnswer {
  const script = `
const https = require('https'); const fs = require('fs');
const r = JSON.parse(process.argv[1]);
const req = https.request({
  host: r.host, port: r.port, path: r.path, method: 'GET', servername: r.servername,
  ca: fs.readFileSync(r.caFile), cert: r.certFile ? fs.readFileSync(r.certFile) : undefined,
  key: r.keyFile ? fs.readFileSync(r.keyFile) : undefined, headers: r.headers || {},
  ALPNProtocols: r.alpn || ['h2', 'http/1.1'], rejectUnauthorized: true, agent: false,
}, (res) => {
  const peer = res.socket.getPeerCertificate();
  const alpn = res.socket.alpnProtocol;
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('end', () => {
    const body = Buffer.concat(chunks);
    process.stdout.write(JSON.stringify({ status: res.statusCode, headers: res.headers, bodyBytes: body.length,
      body: res.headers['content-encoding'] ? undefined : body.toString('utf8').slice(0, 512 * 1024),
      alpn, subjectAltName: peer.subjectaltname, subjectCn: peer.subject && peer.subject.CN }));
  });
});
req.setTimeout(Number(process.argv[2]), () => req.destroy(new Error('timed out')));
req.on('error', (e) => process.stdout.write(JSON.stringify({ error: (e.code ? e.code + ': ' : '') + e.message })));
req.end();`;
  const result = lab.run(process.execPath, ['-e', script, JSON.stringify(request), String(timeoutMs)], timeoutMs + 5_000);
  try {
    return JSON.parse(result.stdout);
  } catch {
    return { error: `no answer: ${result.stdout}${result.stderr}` };
  }
}
