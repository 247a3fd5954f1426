import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { ControlPlane } from './support/control-plane';
import { KubeClient, KubeResponse } from './support/kube-client';
import { NetworkNamespace } from './support/netns';
import { CoreDnsDeployment, Corefile, DnsStrategy, RavenCoreDns, RavenPrometheus } from '../../src';
import { EXAMPLE_CLOUD_GATEWAY } from '../../src/example/cloud-gateway';

/**
 * The objects the cluster owns, on a real kube-apiserver (with etcd, from their pinned modules):
 * the library writes onto kube-system/coredns (ConfigMap and Deployment) and the cloud Gateway only
 * its own fields, as server-side apply configurations under its own field manager. Each claim is
 * read back from the API server: the objects, their resourceVersions, and the managedFields
 * entries that say which manager owns which field.
 *
 * The other writers are played as the real ones write: kubeadm creates and upgrades CoreDNS with
 * Update requests (manager `kubeadm`), a DNS autoscaler sets replicas through the scale
 * subresource, and raven-agent updates the Gateway's `spec.endpoints` (public IP, NAT type, public
 * port, WireGuard key) by GET and full Update (openyurtio/raven v0.4.4, pkg/engine/tunnel.go
 * configGatewayPublicIP/configGatewayStunInfo, pkg/networkengine/vpndriver/wireguard configGatewayPublicKey).
 */

const MANAGER = 'cdk8s-raven-prometheus';
const OLD_IMAGE = 'registry.k8s.io/coredns/coredns:v1.12.1';
const NEW_IMAGE = 'registry.k8s.io/coredns/coredns:v1.12.2';
const lab = new NetworkNamespace(`raven-of-${process.pid}`);
let plane: ControlPlane;
let api: KubeClient;

const DEPLOYMENT_PATH = '/apis/apps/v1/namespaces/kube-system/deployments/coredns';
const CONFIGMAP_PATH = '/api/v1/namespaces/kube-system/configmaps/coredns';
const GATEWAY_PATH = '/apis/raven.openyurt.io/v1beta1/gateways/gw-cloud';

/** kube-system/coredns as kubeadm writes it (the exported fixture without what the server writes), running a newer CoreDNS with 3 replicas. */
function kubeadmDeployment(): any {
  const exported = YAML.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'coredns-deployment.exported.yaml'), 'utf8'));
  const d = { apiVersion: exported.apiVersion, kind: exported.kind, metadata: { name: 'coredns', namespace: 'kube-system', labels: exported.metadata.labels }, spec: exported.spec };
  d.spec.replicas = 3;
  d.spec.template.spec.containers[0].image = OLD_IMAGE;
  return d;
}

/** A request as another manager makes it (Update operations carry `fieldManager` in the query). */
async function as(manager: string, method: string, urlPath: string, body?: unknown, contentType?: string): Promise<any> {
  return api.must(method, `${urlPath}${urlPath.includes('?') ? '&' : '?'}fieldManager=${manager}`, body, contentType);
}

/** GET, change, PUT: how kubeadm and raven-agent (controller-runtime's client.Update) write. */
async function update(manager: string, urlPath: string, change: (obj: any) => void): Promise<any> {
  const obj = await api.must('GET', urlPath);
  change(obj);
  return as(manager, 'PUT', urlPath, obj);
}

/** The stack as a user builds it from what they exported with kubectl: the Corefile, the Deployment, the Gateway. */
async function exportedStack(): Promise<any[]> {
  const corefile = (await api.must('GET', CONFIGMAP_PATH)).data.Corefile;
  const deployment = await api.must('GET', DEPLOYMENT_PATH);
  const gateway = await api.must('GET', GATEWAY_PATH);
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'edge-monitoring', { namespace: 'monitoring' });
  new RavenPrometheus(chart, 'raven', {
    release: 'kps',
    dns: DnsStrategy.editClusterCoreDns({ corefile, deployment: CoreDnsDeployment.fromManifest(deployment) }),
    gateway,
  });
  return chart.toJson();
}

const find = (manifests: any[], kind: string) => manifests.find((m) => m.kind === kind && ['coredns', 'gw-cloud'].includes(m.metadata.name));

/**
 * The fields a manager owns, as paths: `spec.template.spec.volumes[name=edge-hosts].configMap.name`
 * (read from its managedFields entry, FieldsV1: `f:` a field, `k:` a list item by key, `v:` a set value).
 */
function ownedFields(obj: any, manager: string): string[] {
  const entries = (obj.metadata.managedFields ?? []).filter((e: any) => e.manager === manager && (e.subresource ?? '') === '');
  const out: string[] = [];
  const walk = (node: any, prefix: string) => {
    const keys = Object.keys(node).filter((k) => k !== '.');
    if (keys.length === 0) {
      out.push(prefix);
      return;
    }
    for (const key of keys) {
      let part: string;
      if (key.startsWith('f:')) part = `${prefix === '' ? '' : `${prefix}.`}${key.slice(2)}`;
      else if (key.startsWith('k:')) part = `${prefix}[${Object.entries(JSON.parse(key.slice(2))).map(([k, v]) => `${k}=${v}`).join(',')}]`;
      else part = `${prefix}[=${key.slice(2)}]`;
      walk(node[key], part);
    }
  };
  for (const e of entries) walk(e.fieldsV1, '');
  return out.sort();
}

function managers(obj: any): string[] {
  return (obj.metadata.managedFields ?? []).map((e: any) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`).sort();
}

function expectOk(response: KubeResponse, what: string): any {
  if (response.status >= 300) throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  expect(response.warnings).toEqual([]);
  return response.body;
}

const conflictFields = (response: KubeResponse) => (response.body?.details?.causes ?? []).map((c: any) => c.field).sort();

beforeAll(async () => {
  NetworkNamespace.checkPrerequisites();
  lab.create(['127.0.0.2', '127.0.0.3'], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.53\n' });
  plane = await ControlPlane.start(lab, { apiServer: '127.0.0.2', etcd: '127.0.0.3' });
  api = plane.admin;
  await as('kubeadm', 'POST', '/api/v1/namespaces/kube-system/configmaps', {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: Corefile.kubeadmDefault().toString() },
  });
  await as('kubeadm', 'POST', '/apis/apps/v1/namespaces/kube-system/deployments', kubeadmDeployment());
  const { metadata, spec } = JSON.parse(JSON.stringify(EXAMPLE_CLOUD_GATEWAY));
  await as('kubectl-create', 'POST', '/apis/raven.openyurt.io/v1beta1/gateways', { apiVersion: EXAMPLE_CLOUD_GATEWAY.apiVersion, kind: 'Gateway', metadata: { name: metadata.name }, spec });
  // raven-agent on the gateway node fills in what it measured.
  await update('raven-agent', GATEWAY_PATH, (gw) => {
    gw.spec.endpoints[1].publicIP = '198.51.100.7';
    gw.spec.endpoints[1].natType = 'FullCone';
    gw.spec.endpoints[1].publicPort = 4501;
    gw.spec.endpoints[1].config = { ...gw.spec.endpoints[1].config, 'public-key': 'cHVibGljLWtleS0x' };
  });
}, 120_000);

afterAll(() => lab.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1'), 30_000);

describe('the CoreDNS Deployment: only the library\'s fields, under its own field manager', () => {
  let stack: any[];
  let applied: any;

  beforeAll(async () => {
    stack = await exportedStack();
  });

  test('applied onto kubeadm\'s Deployment running a newer CoreDNS with 3 replicas, without a conflict, it adds the mount and keeps image and replicas', async () => {
    const before = await api.must('GET', DEPLOYMENT_PATH);
    applied = expectOk(await api.apply(find(stack, 'Deployment'), MANAGER), 'apply');
    process.stdout.write(`coredns Deployment: resourceVersion ${before.metadata.resourceVersion} -> ${applied.metadata.resourceVersion}, generation ${before.metadata.generation} -> ${applied.metadata.generation}\n`);
    expect(applied.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    expect(applied.spec.replicas).toBe(3);
    expect(applied.spec.template.spec.containers.map((c: any) => [c.name, c.image])).toEqual([['coredns', OLD_IMAGE]]);
    expect(applied.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['config-volume', 'edge-hosts']);
    expect(applied.spec.template.spec.containers[0].volumeMounts).toEqual([
      { name: 'config-volume', mountPath: '/etc/coredns', readOnly: true },
      { name: 'edge-hosts', mountPath: '/etc/edge', readOnly: true },
    ]);
    expect(applied.spec.template.metadata.annotations[RavenCoreDns.CHECKSUM_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the managedFields say the library\'s manager owns its fields and the selector, and no image, replicas or other field', () => {
    const owned = ownedFields(applied, MANAGER);
    process.stdout.write(`fields owned by ${MANAGER} on the Deployment:\n  ${owned.join('\n  ')}\n`);
    expect(owned).toEqual([
      'metadata.annotations.argocd.argoproj.io/sync-options',
      'metadata.annotations.kustomize.toolkit.fluxcd.io/prune',
      'metadata.annotations.kustomize.toolkit.fluxcd.io/ssa',
      'spec.selector',
      `spec.template.metadata.annotations.${RavenCoreDns.CHECKSUM_ANNOTATION}`,
      'spec.template.spec.containers[name=coredns].name',
      'spec.template.spec.containers[name=coredns].volumeMounts[mountPath=/etc/edge].mountPath',
      'spec.template.spec.containers[name=coredns].volumeMounts[mountPath=/etc/edge].name',
      'spec.template.spec.containers[name=coredns].volumeMounts[mountPath=/etc/edge].readOnly',
      'spec.template.spec.volumes[name=edge-hosts].configMap.items',
      'spec.template.spec.volumes[name=edge-hosts].configMap.name',
      'spec.template.spec.volumes[name=edge-hosts].configMap.optional',
      'spec.template.spec.volumes[name=edge-hosts].name',
    ].sort());
    expect(ownedFields(applied, 'kubeadm')).toEqual(expect.arrayContaining([
      'spec.replicas', 'spec.template.spec.containers[name=coredns].image', 'spec.selector',
    ]));
    expect(managers(applied)).toEqual([`${MANAGER}/Apply`, 'kubeadm/Update']);
  });

  test('after kubeadm upgrades the image and an autoscaler scales to 5, applying again is a no-op: same resourceVersion, nothing reverted', async () => {
    await update('kubeadm', DEPLOYMENT_PATH, (d) => { d.spec.template.spec.containers[0].image = NEW_IMAGE; });
    await as('cluster-proportional-autoscaler', 'PATCH', `${DEPLOYMENT_PATH}/scale`, { spec: { replicas: 5 } }, 'application/merge-patch+json');
    const upgraded = await api.must('GET', DEPLOYMENT_PATH);
    const again = expectOk(await api.apply(find(await exportedStack(), 'Deployment'), MANAGER), 're-apply');
    process.stdout.write(`after the upgrade: resourceVersion ${upgraded.metadata.resourceVersion}, after applying again: ${again.metadata.resourceVersion}\n`);
    expect(again.metadata.resourceVersion).toBe(upgraded.metadata.resourceVersion);
    expect(again.spec.template.spec.containers[0].image).toBe(NEW_IMAGE);
    expect(again.spec.replicas).toBe(5);
  });

  test('applying the stack computed from the old export, too, reverts nothing: the export informs, it is not written', async () => {
    const before = await api.must('GET', DEPLOYMENT_PATH);
    const stale = expectOk(await api.apply(find(stack, 'Deployment'), MANAGER), 'apply the old stack');
    expect(stale.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(stale.spec.template.spec.containers[0].image).toBe(NEW_IMAGE);
  });

  test('the full copy of the export the library wrote before would have reverted the upgrade: its apply conflicts on image and replicas', async () => {
    const fullCopy = kubeadmDeployment();
    const answer = await api.apply(fullCopy, MANAGER, { dryRun: true });
    expect(answer.status).toBe(409);
    expect(conflictFields(answer)).toEqual(['.spec.replicas', '.spec.template.spec.containers[name="coredns"].image']);
  });

  test('after kubeadm re-renders the Deployment without the mount, applying again restores it and still reverts nothing', async () => {
    await update('kubeadm', DEPLOYMENT_PATH, (d) => {
      const pod = d.spec.template.spec;
      pod.volumes = pod.volumes.filter((v: any) => v.name !== 'edge-hosts');
      pod.containers[0].volumeMounts = pod.containers[0].volumeMounts.filter((m: any) => m.name !== 'edge-hosts');
    });
    const restored = expectOk(await api.apply(find(await exportedStack(), 'Deployment'), MANAGER), 're-apply');
    expect(restored.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['config-volume', 'edge-hosts']);
    expect(restored.spec.template.spec.containers[0].image).toBe(NEW_IMAGE);
    expect(restored.spec.replicas).toBe(5);
  });

  test('rolled back by applying the Deployment\'s identity alone with the same manager: the library\'s fields go, the cluster\'s stay', async () => {
    const identity = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system' } };
    const rolledBack = expectOk(await api.apply(identity, MANAGER), 'rollback');
    expect(rolledBack.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['config-volume']);
    expect(rolledBack.spec.template.spec.containers[0].volumeMounts.map((m: any) => m.name)).toEqual(['config-volume']);
    expect(rolledBack.spec.template.metadata.annotations?.[RavenCoreDns.CHECKSUM_ANNOTATION]).toBeUndefined();
    expect(rolledBack.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune']).toBeUndefined();
    expect(rolledBack.spec.template.spec.containers[0].image).toBe(NEW_IMAGE);
    expect(rolledBack.spec.replicas).toBe(5);
    expect(rolledBack.spec.selector).toEqual({ matchLabels: { 'k8s-app': 'kube-dns' } });
    expect(ownedFields(rolledBack, MANAGER)).toEqual([]);
  });
});

describe('the apply configuration fits only the CoreDNS it was computed for', () => {
  const OTHER_NS = 'other-dns';

  function kubeadmStackFor(namespace: string): any {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'dns', {});
    new RavenCoreDns(chart, 'coredns', { corefile: Corefile.kubeadmDefault().toString(), namespace, deployment: CoreDnsDeployment.kubeadm() });
    return chart.toJson().find((m) => m.kind === 'Deployment');
  }

  beforeAll(async () => {
    for (const name of [OTHER_NS, 'empty-dns']) await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, 'raven-lab');
  });

  test('where no Deployment exists, the API server refuses to create one from it (no image), and nothing is created', async () => {
    const answer = await api.apply(kubeadmStackFor('empty-dns'), MANAGER);
    expect(answer.status).toBe(422);
    expect(answer.body.message).toContain('spec.template.spec.containers[0].image: Required value');
    expect((await api.request('GET', '/apis/apps/v1/namespaces/empty-dns/deployments/coredns')).status).toBe(404);
  });

  test('on a CoreDNS that selects other pods, it conflicts on the selector; forced, the selector is immutable', async () => {
    const other = kubeadmDeployment();
    other.metadata.namespace = OTHER_NS;
    other.spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'coredns' } };
    other.spec.template.metadata.labels = { 'app.kubernetes.io/name': 'coredns' };
    await as('helm', 'POST', `/apis/apps/v1/namespaces/${OTHER_NS}/deployments`, other);
    const conflict = await api.apply(kubeadmStackFor(OTHER_NS), MANAGER);
    expect(conflict.status).toBe(409);
    expect(conflictFields(conflict)).toEqual(['.spec.selector']);
    const forced = await api.apply(kubeadmStackFor(OTHER_NS), MANAGER, { force: true });
    expect(forced.status).toBe(422);
    expect(forced.body.message).toContain('field is immutable');
  });

  test('on a Deployment without the CoreDNS container, the API server refuses the container it would add', async () => {
    await api.request('DELETE', `/apis/apps/v1/namespaces/${OTHER_NS}/deployments/coredns`);
    const renamed = kubeadmDeployment();
    renamed.metadata.namespace = OTHER_NS;
    renamed.spec.template.spec.containers[0].name = 'dns';
    await as('helm', 'POST', `/apis/apps/v1/namespaces/${OTHER_NS}/deployments`, renamed);
    const answer = await api.apply(kubeadmStackFor(OTHER_NS), MANAGER);
    expect(answer.status).toBe(422);
    expect(answer.body.message).toContain('spec.template.spec.containers[1].image: Required value');
  });
});

describe('the Corefile is one field', () => {
  let original: string;
  let stack: any[];

  beforeAll(async () => {
    original = (await api.must('GET', CONFIGMAP_PATH)).data.Corefile;
    stack = await exportedStack();
  });

  test('the first apply conflicts on .data.Corefile alone (kubeadm\'s); forced once, the library owns it, and applying again is a no-op', async () => {
    const cm = find(stack, 'ConfigMap');
    const first = await api.apply(cm, MANAGER);
    expect(first.status).toBe(409);
    expect(conflictFields(first)).toEqual(['.data.Corefile']);
    const forced = expectOk(await api.apply(cm, MANAGER, { force: true }), 'forced apply');
    expect(forced.data.Corefile).toContain('hosts /etc/edge/tunnel-nodes {');
    expect(ownedFields(forced, MANAGER)).toEqual(expect.arrayContaining(['data.Corefile', `metadata.annotations.${RavenCoreDns.BASE_COREFILE_ANNOTATION}`]));
    expect(ownedFields(forced, 'kubeadm')).not.toContain('data.Corefile');
    const again = expectOk(await api.apply(cm, MANAGER), 'apply again');
    expect(again.metadata.resourceVersion).toBe(forced.metadata.resourceVersion);
  });

  test('after that takeover, an empty configuration would delete the Corefile: the library is its only owner', async () => {
    const identity = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' } };
    const answer = expectOk(await api.apply(identity, MANAGER, { dryRun: true }), 'dry run');
    expect(answer.data?.Corefile).toBeUndefined();
  });

  test('rolled back by applying the original Corefile (removeTunnelHosts of the edited one), byte for byte', async () => {
    const edited = find(stack, 'ConfigMap').data.Corefile;
    const back = Corefile.parse(edited).removeTunnelHosts().corefile.toString();
    expect(back).toBe(original);
    const rolledBack = expectOk(await api.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: back } }, MANAGER), 'rollback');
    expect(rolledBack.data.Corefile).toBe(original);
  });
});

describe('the Gateway: only the proxy port fields; raven-agent\'s endpoints stay its own', () => {
  let stack: any[];
  let applied: any;

  beforeAll(async () => {
    stack = await exportedStack();
  });

  test('the first apply conflicts only on the two port fields (the ports already there are another manager\'s); forced once, the endpoints are untouched', async () => {
    const before = await api.must('GET', GATEWAY_PATH);
    const gw = find(stack, 'Gateway');
    const first = await api.apply(gw, MANAGER);
    expect(first.status).toBe(409);
    expect(conflictFields(first)).toEqual(['.spec.proxyConfig.proxyHTTPPort', '.spec.proxyConfig.proxyHTTPSPort']);
    applied = expectOk(await api.apply(gw, MANAGER, { force: true }), 'forced apply');
    process.stdout.write(`Gateway: resourceVersion ${before.metadata.resourceVersion} -> ${applied.metadata.resourceVersion}\n`);
    expect(applied.spec.proxyConfig).toEqual({ Replicas: 1, proxyHTTPPort: '10255,9100', proxyHTTPSPort: '9445,10250' });
    expect(applied.spec.endpoints).toEqual(before.spec.endpoints);
    expect(applied.spec.endpoints[1]).toMatchObject({ publicIP: '198.51.100.7', natType: 'FullCone', publicPort: 4501 });
  });

  test('the managedFields: the library owns the two port fields and its annotations, raven-agent the endpoints it wrote', () => {
    const owned = ownedFields(applied, MANAGER);
    process.stdout.write(`fields owned by ${MANAGER} on the Gateway:\n  ${owned.join('\n  ')}\n`);
    expect(owned).toEqual([
      'metadata.annotations.argocd.argoproj.io/sync-options',
      'metadata.annotations.kustomize.toolkit.fluxcd.io/prune',
      'metadata.annotations.kustomize.toolkit.fluxcd.io/ssa',
      'metadata.annotations.raven-prometheus.cdk8s.io/original-proxy-ports',
      'spec.proxyConfig.proxyHTTPPort',
      'spec.proxyConfig.proxyHTTPSPort',
    ]);
    expect(ownedFields(applied, 'raven-agent')).toEqual(['spec.endpoints']);
  });

  test('raven-agent updates the public IP again; applying the stack again is a no-op and the new IP stays', async () => {
    const moved = await update('raven-agent', GATEWAY_PATH, (gw) => { gw.spec.endpoints[1].publicIP = '198.51.100.8'; });
    const again = expectOk(await api.apply(find(await exportedStack(), 'Gateway'), MANAGER), 'apply again');
    expect(again.metadata.resourceVersion).toBe(moved.metadata.resourceVersion);
    expect(again.spec.endpoints[1].publicIP).toBe('198.51.100.8');
    const fromOldExport = expectOk(await api.apply(find(stack, 'Gateway'), MANAGER), 'apply the stack of the old export');
    expect(fromOldExport.metadata.resourceVersion).toBe(moved.metadata.resourceVersion);
  });

  test('the full copy of the export the library wrote before conflicts on raven-agent\'s endpoints, and forced it would revert the public IP', async () => {
    const exported = JSON.parse(JSON.stringify(EXAMPLE_CLOUD_GATEWAY));
    const fullCopy = { apiVersion: exported.apiVersion, kind: exported.kind, metadata: { name: exported.metadata.name }, spec: exported.spec };
    const answer = await api.apply(fullCopy, MANAGER, { dryRun: true });
    expect(answer.status).toBe(409);
    expect(conflictFields(answer)).toContain('.spec.endpoints');
    const forced = expectOk(await api.apply(fullCopy, MANAGER, { dryRun: true, force: true }), 'forced dry run');
    expect(forced.spec.endpoints[1].publicIP).toBe('203.0.113.10');
  });

  test('a port added by hand since the export makes the next apply conflict instead of dropping it', async () => {
    await update('kubectl-edit', GATEWAY_PATH, (gw) => { gw.spec.proxyConfig.proxyHTTPPort = '10255,9100,8080'; });
    const answer = await api.apply(find(stack, 'Gateway'), MANAGER);
    expect(answer.status).toBe(409);
    expect(conflictFields(answer)).toEqual(['.spec.proxyConfig.proxyHTTPPort']);
  });

  test('rolled back by writing the live ports without the ones the library added (those not in original-proxy-ports): the cluster\'s stay, 8080 too', async () => {
    const live = await api.must('GET', GATEWAY_PATH);
    const original = JSON.parse(live.metadata.annotations['raven-prometheus.cdk8s.io/original-proxy-ports']);
    expect(original).toEqual({ proxyHTTPPort: '10255', proxyHTTPSPort: '9445' });
    // The HTTPS field is the library's alone since the forced apply: an empty configuration would delete it.
    const identity = { apiVersion: 'raven.openyurt.io/v1beta1', kind: 'Gateway', metadata: { name: 'gw-cloud' } };
    const empty = expectOk(await api.apply(identity, MANAGER, { dryRun: true }), 'dry run');
    expect(empty.spec.proxyConfig.proxyHTTPSPort).toBeUndefined();

    const raven = new RavenPrometheus(new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'ports', { namespace: 'monitoring' }), 'raven', { release: 'kps' });
    const without = (field: string, added: number[]) => live.spec.proxyConfig[field].split(',')
      .filter((p: string) => !added.includes(Number(p)) || original[field].split(',').includes(p)).join(',');
    const rollback = { proxyHTTPPort: without('proxyHTTPPort', raven.proxyHttpPorts), proxyHTTPSPort: without('proxyHTTPSPort', raven.proxyHttpsPorts) };
    expect(rollback).toEqual({ proxyHTTPPort: '10255,8080', proxyHTTPSPort: '9445' });
    const patched = await as('kubectl-patch', 'PATCH', GATEWAY_PATH, { spec: { proxyConfig: rollback } }, 'application/merge-patch+json');
    const released = expectOk(await api.apply(identity, MANAGER), 'release');
    expect(released.spec.proxyConfig).toEqual({ Replicas: 1, ...rollback });
    expect(released.spec.endpoints).toEqual(patched.spec.endpoints);
    expect(released.metadata.annotations?.['raven-prometheus.cdk8s.io/original-proxy-ports']).toBeUndefined();
    expect(ownedFields(released, MANAGER)).toEqual([]);
  });
});

describe('two Prometheus in one cluster (two namespaces, two releases) keep their own node access', () => {
  function rbacOf(release: string): any[] {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), release, { namespace: release });
    new RavenPrometheus(chart, 'raven', { release, sendServiceAccountTokenToNodes: true });
    return chart.toJson().filter((m) => m.kind.startsWith('ClusterRole'));
  }
  const canReadNodeMetrics = (namespace: string, name: string) => api.can(`system:serviceaccount:${namespace}:${name}`,
    ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'], { resource: 'nodes', subresource: 'metrics', verb: 'get' });

  test('both stacks applied (with sendServiceAccountTokenToNodes, which grants nodes/metrics), both ServiceAccounts may get nodes/metrics, decided by the real authorizer', async () => {
    for (const m of [...rbacOf('team-a'), ...rbacOf('team-b')]) expectOk(await api.apply(m, MANAGER), `apply ${m.kind}`);
    expect(await canReadNodeMetrics('team-a', 'team-a-kube-prometheus-sta-prometheus')).toBe(true);
    expect(await canReadNodeMetrics('team-b', 'team-b-kube-prometheus-sta-prometheus')).toBe(true);
  });

  test('with one shared name, as before, the second binding took the first Prometheus\' access', async () => {
    const [roleA, bindingA] = rbacOf('team-c');
    const [, bindingB] = rbacOf('team-d');
    const shared = (o: any) => ({ ...o, metadata: { ...o.metadata, name: 'raven-prometheus-node-scraper' }, ...(o.roleRef ? { roleRef: { ...o.roleRef, name: 'raven-prometheus-node-scraper' } } : {}) });
    for (const m of [shared(roleA), shared(bindingA), shared(bindingB)]) expectOk(await api.apply(m, MANAGER, { force: true }), 'apply');
    expect(await canReadNodeMetrics('team-c', 'team-c-kube-prometheus-sta-prometheus')).toBe(false);
    expect(await canReadNodeMetrics('team-d', 'team-d-kube-prometheus-sta-prometheus')).toBe(true);
  });
});
