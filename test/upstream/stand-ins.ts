/**
 * The lab's stand-ins for what cannot run here, run as one process inside the lab's network
 * namespace. The cluster itself is real (kube-apiserver and etcd, see support/control-plane.ts);
 * these stand in for the pieces that need a node with containers:
 *
 * - a kubelet's HTTPS server for one node (`/metrics`, `/metrics/cadvisor`, `/metrics/probes`)
 *   that authenticates and authorizes every request the way the kubelet does
 *   (k8s.io/kubernetes `pkg/kubelet/server/server.go` InstallAuthFilter, `pkg/kubelet/server/auth.go`
 *   GetRequestAttributes, `cmd/kubelet/app/auth.go` BuildAuthn): a client certificate verified against
 *   the cluster CA first (user = CN, groups = O), else the bearer token through a TokenReview by the
 *   real API server; no identity is 401 `Unauthorized`. Then a SubjectAccessReview by the real API
 *   server for `get` on `nodes/metrics` of its node (every `/metrics/*` path), refused with the
 *   kubelet's own 403 text `Forbidden (user=..., verb=get, resource=nodes, subresource(s)=[metrics])`;
 * - the Raven L7 proxy for plain HTTP, on the Raven proxy address: it takes the destination node
 *   from the `nodeName` query parameter (raven v0.4.4 and later) or else from the Host header,
 *   answers 400 for an IP-literal host without `nodeName` and 502 for an unknown node, and
 *   forwards everything else to that node's exporter over its "tunnel" address, streaming the
 *   answer back, with `nodeName` removed from the query;
 * - a control endpoint (`/lab/raven-proxy/routes`, `/lab/kubelet/requests`) listing what the proxy
 *   routed and which identity the kubelet saw.
 *
 * Usage: `node -r ts-node/register/transpile-only stand-ins.ts <config.json>`. Prints `ready`
 * once every server listens.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as tls from 'tls';

export interface StandInsConfig {
  readonly kubelet: {
    readonly host: string;
    readonly port: number;
    readonly nodeName: string;
    /** The kubelet's serving certificate. */
    readonly certFile: string;
    readonly keyFile: string;
    /** The CA client certificates are verified against (the kubelet's `--client-ca-file`). */
    readonly clientCaFile: string;
    /** The API server the kubelet sends TokenReviews and SubjectAccessReviews to, and its credential. */
    readonly apiServer: {
      readonly host: string;
      readonly port: number;
      readonly caFile: string;
      readonly certFile: string;
      readonly keyFile: string;
    };
  };
  /** The Raven L7 proxy: node name to the `host:port` its tunnel reaches the exporter at. */
  readonly proxy?: { readonly host: string; readonly port: number; readonly tunnels: { readonly [node: string]: string } };
  /** Where `/lab/...` answers. */
  readonly control: { readonly host: string; readonly port: number };
}

function sendJson(res: http.ServerResponse, status: number, body: any): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendStatus(res: http.ServerResponse, code: number, reason: string, message: string): void {
  sendJson(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

/** One request the stand-in Raven proxy routed (or refused). */
export interface ProxyRoute {
  readonly node: string;
  /** Where the node name came from. */
  readonly from: 'nodeName' | 'host';
  readonly path: string;
  readonly status: number;
}

/** The destination node of a proxy request: `?nodeName=` first, else the Host header's host part. */
export function proxyDestination(hostHeader: string | undefined, url: URL): { node?: string; from: 'nodeName' | 'host'; error?: string } {
  const fromQuery = url.searchParams.get('nodeName');
  if (fromQuery !== null && fromQuery !== '') {
    return { node: fromQuery, from: 'nodeName' };
  }
  const host = (hostHeader ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (host === '') {
    return { from: 'host', error: 'no Host header and no nodeName parameter' };
  }
  if (net.isIP(host) !== 0) {
    return { from: 'host', error: `the host ${host} is an IP address, not a node name` };
  }
  return { node: host, from: 'host' };
}

function serveProxy(config: StandInsConfig, routes: ProxyRoute[]): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://raven-proxy');
    const dest = proxyDestination(req.headers.host, url);
    const refuse = (status: number, message: string): void => {
      routes.push({ node: dest.node ?? '', from: dest.from, path: url.pathname, status });
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${message}\n`);
    };
    if (dest.node === undefined) {
      refuse(400, dest.error ?? 'no destination');
      return;
    }
    const tunnel = config.proxy!.tunnels[dest.node];
    if (tunnel === undefined) {
      refuse(502, `no tunnel to node ${dest.node}`);
      return;
    }
    url.searchParams.delete('nodeName');
    const [host, port] = tunnel.split(':');
    const upstream = http.request({
      host,
      port: Number(port),
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...req.headers, host: tunnel },
      timeout: 5_000,
    }, (answer) => {
      routes.push({ node: dest.node!, from: dest.from, path: url.pathname, status: answer.statusCode ?? 0 });
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('tunnel timeout')));
    upstream.on('error', (e) => {
      if (!res.headersSent) {
        refuse(502, `tunnel to node ${dest.node} failed: ${e.message}`);
      } else {
        res.destroy(e);
      }
    });
    req.pipe(upstream);
  });
}

const KUBELET_METRICS: { [path: string]: string } = {
  '/metrics': [
    '# HELP kubelet_running_pods Number of pods that have a running pod sandbox',
    '# TYPE kubelet_running_pods gauge',
    'kubelet_running_pods 3',
    '# HELP kubelet_node_name The node\'s name. The count is always 1.',
    '# TYPE kubelet_node_name gauge',
    'kubelet_node_name{node="edge-gpu-1"} 1',
  ].join('\n') + '\n',
  '/metrics/cadvisor': [
    '# HELP container_memory_working_set_bytes Current working set of the container in bytes',
    '# TYPE container_memory_working_set_bytes gauge',
    'container_memory_working_set_bytes{container="node-exporter",id="/kubepods/pod1/c1",namespace="monitor",pod="node-exporter-edge-gpu-1"} 1.2e+07',
    '# HELP container_spec_memory_limit_bytes Memory limit for the container.',
    '# TYPE container_spec_memory_limit_bytes gauge',
    'container_spec_memory_limit_bytes{container="node-exporter",id="/kubepods/pod1/c1",namespace="monitor",pod="node-exporter-edge-gpu-1"} 0',
  ].join('\n') + '\n',
  '/metrics/probes': [
    '# HELP prober_probe_total Cumulative number of a liveness, readiness or startup probe for a container by result.',
    '# TYPE prober_probe_total counter',
    'prober_probe_total{container="node-exporter",namespace="monitor",pod="node-exporter-edge-gpu-1",probe_type="Readiness",result="successful"} 42',
  ].join('\n') + '\n',
};

/** What the kubelet stand-in saw of one request. */
export interface KubeletRequest {
  readonly path: string;
  /** How the identity was established: a client certificate, a bearer token, or none. */
  readonly authenticatedBy: 'x509' | 'token' | 'none';
  readonly user: string;
  readonly groups: string[];
  readonly status: number;
}

function callApi(config: StandInsConfig, path: string, body: any): Promise<any> {
  const api = config.kubelet.apiServer;
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: api.host,
      port: api.port,
      method: 'POST',
      path,
      ca: fs.readFileSync(api.caFile),
      cert: fs.readFileSync(api.certFile),
      key: fs.readFileSync(api.keyFile),
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      timeout: 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300) {
          reject(new Error(`POST ${path}: HTTP ${res.statusCode} ${text}`));
        } else {
          resolve(JSON.parse(text));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The kubelet's authentication: x509 first, then the bearer token by TokenReview. */
async function authenticate(config: StandInsConfig, req: http.IncomingMessage): Promise<{ by: 'x509' | 'token'; user: string; groups: string[] } | undefined> {
  const socket = req.socket as tls.TLSSocket;
  if (socket.authorized) {
    const peer = socket.getPeerCertificate();
    const organizations = peer.subject?.O === undefined ? [] : Array.isArray(peer.subject.O) ? peer.subject.O : [peer.subject.O];
    return { by: 'x509', user: String(peer.subject.CN), groups: [...organizations, 'system:authenticated'] };
  }
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    return undefined;
  }
  const review = await callApi(config, '/apis/authentication.k8s.io/v1/tokenreviews', {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: match[1] },
  });
  if (review.status?.authenticated !== true) {
    return undefined;
  }
  return { by: 'token', user: review.status.user.username, groups: review.status.user.groups ?? [] };
}

function serveKubelet(config: StandInsConfig, seen: KubeletRequest[]): https.Server {
  const { certFile, keyFile, clientCaFile, nodeName } = config.kubelet;
  return https.createServer({
    cert: fs.readFileSync(certFile),
    key: fs.readFileSync(keyFile),
    ca: fs.readFileSync(clientCaFile),
    // A client certificate is optional; one the CA did not sign is ignored, as the kubelet does.
    requestCert: true,
    rejectUnauthorized: false,
  }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://stand-in').pathname;
    const answer = (status: number, body: string, by: KubeletRequest['authenticatedBy'], user = '', groups: string[] = []): void => {
      seen.push({ path, authenticatedBy: by, user, groups, status });
      res.writeHead(status, { 'Content-Type': status === 200 ? 'text/plain; version=0.0.4; charset=utf-8' : 'text/plain; charset=utf-8' });
      res.end(body);
    };
    authenticate(config, req).then(async (who) => {
      if (who === undefined) {
        answer(401, 'Unauthorized', 'none');
        return;
      }
      const body = KUBELET_METRICS[path];
      // pkg/kubelet/server/auth.go: /metrics and /metrics/* are nodes/metrics, anything else here nodes/proxy.
      const subresource = path === '/metrics' || path.startsWith('/metrics/') ? 'metrics' : 'proxy';
      const verb = (req.method ?? 'GET') === 'GET' ? 'get' : (req.method ?? '').toLowerCase();
      const review = await callApi(config, '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: who.user, groups: who.groups, resourceAttributes: { verb, resource: 'nodes', subresource, name: nodeName, version: 'v1' } },
      });
      if (review.status?.allowed !== true) {
        answer(403, `Forbidden (user=${who.user}, verb=${verb}, resource=nodes, subresource(s)=[${subresource}])\n`, who.by, who.user, who.groups);
        return;
      }
      if (body === undefined) {
        answer(404, '404 page not found\n', who.by, who.user, who.groups);
        return;
      }
      answer(200, body.replace(/edge-gpu-1/g, nodeName), who.by, who.user, who.groups);
    }).catch((e: Error) => answer(500, `stand-in kubelet: ${e.message}\n`, 'none'));
  });
}

function serveControl(routes: ProxyRoute[], seen: KubeletRequest[]): http.Server {
  return http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    if (path === '/lab/raven-proxy/routes') {
      sendJson(res, 200, routes);
    } else if (path === '/lab/kubelet/requests') {
      sendJson(res, 200, seen);
    } else {
      sendStatus(res, 404, 'NotFound', `the stand-ins do not serve ${path}`);
    }
  });
}

async function main(): Promise<void> {
  const config: StandInsConfig = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const routes: ProxyRoute[] = [];
  const seen: KubeletRequest[] = [];
  const control = serveControl(routes, seen);
  const kubelet = serveKubelet(config, seen);
  const proxy = config.proxy ? serveProxy(config, routes) : undefined;
  await Promise.all([
    new Promise<void>((resolve) => (proxy ? proxy.listen(config.proxy!.port, config.proxy!.host, resolve) : resolve())),
    new Promise<void>((resolve) => control.listen(config.control.port, config.control.host, resolve)),
    new Promise<void>((resolve) => kubelet.listen(config.kubelet.port, config.kubelet.host, resolve)),
  ]);
  process.stdout.write('ready\n');
  const stop = (): void => {
    for (const server of [control, kubelet, ...(proxy ? [proxy] : [])]) {
      server.closeAllConnections();
      server.close();
    }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`stand-ins: ${(e as Error).stack}\n`);
    process.exit(1);
  });
}
