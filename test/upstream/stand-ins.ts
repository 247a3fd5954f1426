/**
 * The lab's stand-ins for the cluster, run as one process inside the lab's network namespace:
 *
 * - a Kubernetes API serving `/api/v1/nodes` and `/api/v1/pods` (list and watch, equality label
 *   selectors, `metadata.name`/`spec.nodeName` field selectors), for a Prometheus built with
 *   Kubernetes discovery;
 * - `/sd/<role>`: the same objects as HTTP service discovery target groups carrying exactly the
 *   labels Prometheus' Kubernetes discovery gives them, for a Prometheus built without it
 *   (Debian removes Kubernetes discovery from its package);
 * - a kubelet on the Raven proxy address: HTTPS, `Authorization: Bearer <token>` required,
 *   `/metrics`, `/metrics/cadvisor`, `/metrics/probes`;
 * - a DNS server answering NXDOMAIN to every question: the cluster DNS before the tunnel-nodes
 *   hosts file is wired in;
 * - the Raven L7 proxy for plain HTTP, on the Raven proxy address: it takes the destination node
 *   from the `nodeName` query parameter (raven v0.4.4 and later) or else from the Host header,
 *   answers 400 for an IP-literal host without `nodeName` and 502 for an unknown node, and
 *   forwards everything else to that node's exporter over its "tunnel" address, streaming the
 *   answer back. `/lab/raven-proxy/routes` on the stand-in API lists what it routed.
 *
 * Usage: `node -r ts-node/register/transpile-only stand-ins.ts <config.json>`. Prints `ready`
 * once every server listens.
 */
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';

export interface StandInsConfig {
  readonly api: { readonly host: string; readonly port: number };
  readonly kubelet: { readonly host: string; readonly port: number; readonly certFile: string; readonly keyFile: string; readonly token: string };
  readonly dns: { readonly host: string; readonly port: number };
  /** The Raven L7 proxy: node name to the `host:port` its tunnel reaches the exporter at. */
  readonly proxy: { readonly host: string; readonly port: number; readonly tunnels: { readonly [node: string]: string } };
  readonly nodes: any[];
  readonly pods: any[];
}

const LIST_RESOURCE_VERSION = '100';

type Requirement = { key: string; op: '=' | '!=' | 'exists' | 'notexists'; value?: string };

/** Parses the equality-based subset of Kubernetes label selectors. */
export function parseSelector(selector: string): Requirement[] {
  const requirements: Requirement[] = [];
  for (const raw of selector.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    let m: RegExpExecArray | null;
    if ((m = /^([^=!\s]+)\s*!=\s*(.*)$/.exec(raw))) {
      requirements.push({ key: m[1], op: '!=', value: m[2] });
    } else if ((m = /^([^=!\s]+)\s*==?\s*(.*)$/.exec(raw))) {
      requirements.push({ key: m[1], op: '=', value: m[2] });
    } else if ((m = /^!\s*([^=!\s]+)$/.exec(raw))) {
      requirements.push({ key: m[1], op: 'notexists' });
    } else if ((m = /^([^=!\s()]+)$/.exec(raw))) {
      requirements.push({ key: m[1], op: 'exists' });
    } else {
      throw new Error(`unsupported selector requirement '${raw}' (the stand-in knows =, ==, !=, key and !key)`);
    }
  }
  return requirements;
}

/** Whether a map of labels (or fields) satisfies every requirement. */
export function matches(values: { [key: string]: string }, requirements: Requirement[]): boolean {
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(values, r.key);
    switch (r.op) {
      case '=': return has && values[r.key] === r.value;
      case '!=': return !has || values[r.key] !== r.value;
      case 'exists': return has;
      case 'notexists': return !has;
    }
    return false;
  });
}

function fieldsOf(kind: 'node' | 'pod', obj: any): { [key: string]: string } {
  const fields: { [key: string]: string } = { 'metadata.name': obj.metadata.name };
  if (kind === 'pod') {
    fields['metadata.namespace'] = obj.metadata.namespace;
    fields['spec.nodeName'] = obj.spec?.nodeName ?? '';
    fields['status.phase'] = obj.status?.phase ?? '';
  }
  return fields;
}

function select(kind: 'node' | 'pod', objects: any[], label: string, field: string, namespace?: string): any[] {
  const labelReqs = parseSelector(label);
  const fieldReqs = parseSelector(field);
  return objects.filter((o) => (namespace === undefined || o.metadata.namespace === namespace)
    && matches(o.metadata.labels ?? {}, labelReqs)
    && matches(fieldsOf(kind, o), fieldReqs));
}

function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** `__meta_kubernetes_<role>_name`, labels, labelpresent, annotations, annotationpresent. */
function objectMetaLabels(role: string, meta: any): { [key: string]: string } {
  const out: { [key: string]: string } = { [`__meta_kubernetes_${role}_name`]: meta.name };
  for (const [k, v] of Object.entries<string>(meta.labels ?? {})) {
    out[`__meta_kubernetes_${role}_label_${sanitize(k)}`] = v;
    out[`__meta_kubernetes_${role}_labelpresent_${sanitize(k)}`] = 'true';
  }
  for (const [k, v] of Object.entries<string>(meta.annotations ?? {})) {
    out[`__meta_kubernetes_${role}_annotation_${sanitize(k)}`] = v;
    out[`__meta_kubernetes_${role}_annotationpresent_${sanitize(k)}`] = 'true';
  }
  return out;
}

const NODE_ADDRESS_PREFERENCE = ['InternalIP', 'InternalDNS', 'ExternalIP', 'ExternalDNS', 'LegacyHostIP', 'Hostname'];

/** The target groups Prometheus' Kubernetes discovery builds for role node. */
export function nodeTargetGroups(nodes: any[]): any[] {
  return nodes.map((node) => {
    const addresses: any[] = node.status?.addresses ?? [];
    const labels: { [key: string]: string } = {
      ...objectMetaLabels('node', node.metadata),
      __meta_kubernetes_node_provider_id: node.spec?.providerID ?? '',
      instance: node.metadata.name,
    };
    for (const type of new Set(addresses.map((a) => a.type))) {
      labels[`__meta_kubernetes_node_address_${type}`] = addresses.find((a) => a.type === type).address;
    }
    const preferred = NODE_ADDRESS_PREFERENCE.map((t) => addresses.find((a) => a.type === t)).find((a) => a !== undefined);
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
    return { targets: [`${preferred.address}:${port}`], labels };
  });
}

/** The target groups Prometheus' Kubernetes discovery builds for role pod (one target per container port). */
export function podTargetGroups(pods: any[], nodes: any[], attachNode: boolean): any[] {
  const groups: any[] = [];
  for (const pod of pods) {
    const ready = (pod.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status;
    const controller = (pod.metadata.ownerReferences ?? []).find((r: any) => r.controller);
    const common: { [key: string]: string } = {
      ...objectMetaLabels('pod', pod.metadata),
      __meta_kubernetes_namespace: pod.metadata.namespace,
      __meta_kubernetes_pod_ip: pod.status?.podIP ?? '',
      __meta_kubernetes_pod_ready: ready === 'True' ? 'true' : ready === 'False' ? 'false' : 'unknown',
      __meta_kubernetes_pod_phase: pod.status?.phase ?? '',
      __meta_kubernetes_pod_node_name: pod.spec?.nodeName ?? '',
      __meta_kubernetes_pod_host_ip: pod.status?.hostIP ?? '',
      __meta_kubernetes_pod_uid: pod.metadata.uid ?? '',
    };
    if (controller) {
      common.__meta_kubernetes_pod_controller_kind = controller.kind;
      common.__meta_kubernetes_pod_controller_name = controller.name;
    }
    if (attachNode) {
      const node = nodes.find((n) => n.metadata.name === pod.spec?.nodeName);
      if (node) {
        Object.assign(common, objectMetaLabels('node', node.metadata));
      }
    }
    for (const container of pod.spec?.containers ?? []) {
      const containerLabels = {
        __meta_kubernetes_pod_container_name: container.name,
        __meta_kubernetes_pod_container_image: container.image ?? '',
        __meta_kubernetes_pod_container_init: 'false',
      };
      const ports: any[] = container.ports ?? [];
      if (ports.length === 0) {
        groups.push({ targets: [pod.status.podIP], labels: { ...common, ...containerLabels } });
      }
      for (const port of ports) {
        groups.push({
          targets: [`${pod.status.podIP}:${port.containerPort}`],
          labels: {
            ...common,
            ...containerLabels,
            __meta_kubernetes_pod_container_port_name: port.name ?? '',
            __meta_kubernetes_pod_container_port_number: String(port.containerPort),
            __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP',
          },
        });
      }
    }
  }
  return groups;
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
    const tunnel = config.proxy.tunnels[dest.node];
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

function serveApi(config: StandInsConfig, routes: ProxyRoute[] = []): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const q = url.searchParams;
    try {
      // Kubernetes API: /api/v1/nodes, /api/v1/pods, /api/v1/namespaces/<ns>/pods
      const m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/(nodes|pods)$/.exec(url.pathname);
      if (m) {
        const kind = m[2] === 'nodes' ? 'node' : 'pod';
        const objects = select(kind, kind === 'node' ? config.nodes : config.pods,
          q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '', m[1]);
        if (q.get('watch') === 'true' || q.get('watch') === '1') {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
          // A watch from the list's resourceVersion has nothing new to report: the objects never change.
          const rv = q.get('resourceVersion');
          if (!rv || rv === '0') {
            for (const o of objects) {
              res.write(JSON.stringify({ type: 'ADDED', object: o }) + '\n');
            }
          }
          const timeout = Math.min(Number(q.get('timeoutSeconds') ?? '300'), 300) * 1000;
          const timer = setTimeout(() => res.end(), timeout);
          req.on('close', () => clearTimeout(timer));
          return;
        }
        sendJson(res, 200, {
          kind: kind === 'node' ? 'NodeList' : 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: LIST_RESOURCE_VERSION },
          items: objects,
        });
        return;
      }
      // HTTP service discovery in the shape of Kubernetes discovery.
      const sd = /^\/sd\/(node|pod)$/.exec(url.pathname);
      if (sd) {
        const namespaces = (q.get('namespaces') ?? '').split(',').filter((n) => n !== '');
        if (sd[1] === 'node') {
          sendJson(res, 200, nodeTargetGroups(select('node', config.nodes, q.get('label') ?? '', q.get('field') ?? '')));
        } else {
          const pods = select('pod', config.pods, q.get('label') ?? '', q.get('field') ?? '')
            .filter((p) => namespaces.length === 0 || namespaces.includes(p.metadata.namespace));
          sendJson(res, 200, podTargetGroups(pods, config.nodes, q.get('attachNode') === 'true'));
        }
        return;
      }
      if (url.pathname === '/lab/raven-proxy/routes') {
        sendJson(res, 200, routes);
        return;
      }
      sendStatus(res, 404, 'NotFound', `the stand-in API does not serve ${url.pathname}`);
    } catch (e) {
      sendStatus(res, 400, 'BadRequest', (e as Error).message);
    }
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

function serveKubelet(config: StandInsConfig): https.Server {
  const { certFile, keyFile, token } = config.kubelet;
  return https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://stand-in').pathname;
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Unauthorized');
      return;
    }
    const body = KUBELET_METRICS[path];
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(body);
  });
}

/* eslint-disable no-bitwise -- DNS header flags are bit fields. */
/** An answer to any question: the question echoed, RCODE 3 (NXDOMAIN), no records. */
export function nxdomain(query: Buffer): Buffer | undefined {
  if (query.length < 12) {
    return undefined;
  }
  // Question section: labels up to the zero byte, then QTYPE and QCLASS.
  let i = 12;
  while (i < query.length && query[i] !== 0) {
    i += query[i] + 1;
  }
  const questionEnd = i + 5;
  if (questionEnd > query.length) {
    return undefined;
  }
  const answer = Buffer.alloc(questionEnd);
  query.copy(answer, 0, 0, questionEnd);
  const rd = query[2] & 0x01;
  const opcode = query[2] & 0x78;
  answer[2] = 0x80 | opcode | rd; // QR, same opcode, RD echoed; not authoritative
  answer[3] = 0x80 | 0x03; // RA, RCODE 3 NXDOMAIN
  answer.writeUInt16BE(1, 4); // QDCOUNT
  answer.writeUInt16BE(0, 6); // ANCOUNT
  answer.writeUInt16BE(0, 8); // NSCOUNT
  answer.writeUInt16BE(0, 10); // ARCOUNT
  return answer;
}
/* eslint-enable no-bitwise */

function serveDns(): dgram.Socket {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const answer = nxdomain(msg);
    if (answer) {
      socket.send(answer, rinfo.port, rinfo.address);
    }
  });
  return socket;
}

async function main(): Promise<void> {
  const config: StandInsConfig = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const routes: ProxyRoute[] = [];
  const api = serveApi(config, routes);
  const kubelet = serveKubelet(config);
  const proxy = serveProxy(config, routes);
  const dns = serveDns();
  await Promise.all([
    new Promise<void>((resolve) => proxy.listen(config.proxy.port, config.proxy.host, resolve)),
    new Promise<void>((resolve) => api.listen(config.api.port, config.api.host, resolve)),
    new Promise<void>((resolve) => kubelet.listen(config.kubelet.port, config.kubelet.host, resolve)),
    new Promise<void>((resolve) => dns.bind(config.dns.port, config.dns.host, resolve)),
  ]);
  process.stdout.write('ready\n');
  const stop = (): void => {
    api.closeAllConnections();
    kubelet.closeAllConnections();
    proxy.closeAllConnections();
    api.close();
    kubelet.close();
    proxy.close();
    dns.close();
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
