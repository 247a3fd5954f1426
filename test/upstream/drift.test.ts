import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Yaml } from 'cdk8s';
import * as YAML from 'yaml';
import { ControlPlane } from './support/control-plane';
import { KubeClient } from './support/kube-client';
import { NetworkNamespace } from './support/netns';
import { CoreDnsDeployment, Corefile, DnsStrategy, RavenPrometheus } from '../../src';
import { EXAMPLE_CLOUD_GATEWAY } from '../../src/example/cloud-gateway';

/**
 * `cdk8s-raven-prometheus drift` against a real kube-apiserver (with etcd, from their pinned
 * modules): the command runs as a user runs it, as a process inside the lab's network namespace
 * (the only place the API server is reachable), with a kubeconfig of its own: the admin's client
 * certificate, a ServiceAccount token (as a file next to the CA), or an exec credential plugin.
 * The cluster's CoreDNS and Gateway are written by their own managers (kubeadm, raven-agent,
 * someone with kubectl) and the stack is applied server-side as the README says.
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const MANAGER = 'cdk8s-raven-prometheus';
const DEPLOYMENT_PATH = '/apis/apps/v1/namespaces/kube-system/deployments/coredns';
const CONFIGMAP_PATH = '/api/v1/namespaces/kube-system/configmaps/coredns';
const GATEWAY_PATH = '/apis/raven.openyurt.io/v1beta1/gateways/gw-cloud';
const lab = new NetworkNamespace(`raven-drift-${process.pid}`);
let plane: ControlPlane;
let api: KubeClient;
/** The stack synthesized from the exports taken before anything was applied. */
let manifestFile: string;
let adminKubeconfig: string;

async function as(manager: string, method: string, urlPath: string, body?: unknown, contentType?: string): Promise<any> {
  return api.must(method, `${urlPath}?fieldManager=${manager}`, body, contentType);
}

async function update(manager: string, urlPath: string, change: (obj: any) => void): Promise<any> {
  const obj = await api.must('GET', urlPath);
  change(obj);
  return as(manager, 'PUT', urlPath, obj);
}

/** Exports the three objects as a user does (kubectl get ... -o yaml) and synthesizes the stack into a file. */
async function exportAndSynth(file: string): Promise<any[]> {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'edge-monitoring', { namespace: 'monitoring' });
  new RavenPrometheus(chart, 'raven', {
    release: 'kps',
    dns: DnsStrategy.editClusterCoreDns({
      corefile: (await api.must('GET', CONFIGMAP_PATH)).data.Corefile,
      deployment: CoreDnsDeployment.fromManifest(await api.must('GET', DEPLOYMENT_PATH)),
    }),
    gateway: await api.must('GET', GATEWAY_PATH),
  });
  const manifests = chart.toJson();
  fs.writeFileSync(file, Yaml.stringify(...manifests));
  return manifests;
}

function writeKubeconfig(name: string, user: any, cluster: any = { 'certificate-authority-data': Buffer.from(plane.ca.cert).toString('base64') }): string {
  const file = path.join(lab.dir, name, 'kubeconfig');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, YAML.stringify({
    'apiVersion': 'v1',
    'kind': 'Config',
    'current-context': 'lab',
    'clusters': [{ name: 'lab', cluster: { server: plane.url, ...cluster } }],
    'users': [{ name: 'user', user }],
    'contexts': [{ name: 'lab', context: { cluster: 'lab', user: 'user' } }],
  }));
  return file;
}

/** Runs `cdk8s-raven-prometheus drift` in the lab's namespace, as a user would from their shell. */
function drift(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = lab.run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', 'drift', ...args], 60_000, REPO_ROOT);
  fs.appendFileSync(path.join(lab.dir, 'drift.log'), `$ drift ${args.join(' ')}\n${result.stdout}${result.stderr}exit ${result.status}\n`);
  return result;
}

async function applyStack(manifests: any[]): Promise<void> {
  for (const m of manifests.filter((o) => ['ConfigMap', 'Deployment', 'Gateway'].includes(o.kind) && o.metadata.namespace !== 'monitoring')) {
    let answer = await api.apply(m, MANAGER);
    // As the README says: after drift reported nothing of anyone else's, force the conflicts of the first apply.
    if (answer.status === 409) answer = await api.apply(m, MANAGER, { force: true });
    if (answer.status >= 300) throw new Error(`apply ${m.kind}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

beforeAll(async () => {
  NetworkNamespace.checkPrerequisites();
  lab.create(['127.0.0.2', '127.0.0.3'], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.53\n' });
  plane = await ControlPlane.start(lab, { apiServer: '127.0.0.2', etcd: '127.0.0.3' });
  api = plane.admin;
  const exported = YAML.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'coredns-deployment.exported.yaml'), 'utf8'));
  await as('kubeadm', 'POST', '/api/v1/namespaces/kube-system/configmaps', {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: Corefile.kubeadmDefault().toString() },
  });
  await as('kubeadm', 'POST', '/apis/apps/v1/namespaces/kube-system/deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system', labels: exported.metadata.labels }, spec: exported.spec,
  });
  await as('kubectl-create', 'POST', '/apis/raven.openyurt.io/v1beta1/gateways', {
    apiVersion: EXAMPLE_CLOUD_GATEWAY.apiVersion, kind: 'Gateway', metadata: { name: 'gw-cloud' }, spec: JSON.parse(JSON.stringify(EXAMPLE_CLOUD_GATEWAY.spec)),
  });
  manifestFile = path.join(lab.dir, 'dist', 'edge-monitoring.k8s.yaml');
  fs.mkdirSync(path.dirname(manifestFile), { recursive: true });
  await exportAndSynth(manifestFile);
  adminKubeconfig = writeKubeconfig('admin', {
    'client-certificate-data': Buffer.from(plane.adminCertificate.cert).toString('base64'),
    'client-key-data': Buffer.from(plane.adminCertificate.key).toString('base64'),
  });
}, 120_000);

afterAll(() => lab.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1'), 30_000);

describe('cdk8s-raven-prometheus drift, with the admin\'s client certificate', () => {
  test('before the first apply: exit 0, the library\'s changes listed, and the Corefile conflict named with its owner', () => {
    const result = drift('-f', manifestFile, '--kubeconfig', adminKubeconfig);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`Checked against ${plane.url} (context 'lab'), applying as field manager '${MANAGER}':`);
    expect(result.stdout).toContain('ConfigMap kube-system/coredns: will-change');
    expect(result.stdout).toContain('the first apply conflicts on .data.Corefile, which \'kubeadm\' owns: nothing of theirs changed since the export, so apply it once with --force-conflicts.');
    expect(result.stdout).toContain('Deployment kube-system/coredns: will-change');
    expect(result.stdout).toContain('image registry.k8s.io/coredns/coredns:v1.11.3 and 2 replicas stay the cluster\'s');
    expect(result.stdout).toContain('Gateway gw-cloud: will-change');
    expect(result.stdout).toContain('the first apply conflicts on .spec.proxyConfig.proxyHTTPPort, which \'kubectl-create\' owns');
    expect(result.status).toBe(0);
  });

  test('after the stack is applied: everything in sync, exit 0', async () => {
    await applyStack(Yaml.load(manifestFile));
    const result = drift('-f', path.dirname(manifestFile), '--kubeconfig', adminKubeconfig);
    expect(result.stdout).toContain('ConfigMap kube-system/coredns: in-sync');
    expect(result.stdout).toContain('Deployment kube-system/coredns: in-sync');
    expect(result.stdout).toContain('Gateway gw-cloud: in-sync');
    expect(result.stdout).toContain('Nothing to apply');
    expect(result.status).toBe(0);
  });

  test('after kubeadm upgrades CoreDNS and raven-agent updates the endpoints: still nothing to revert, exit 0', async () => {
    await update('kubeadm', DEPLOYMENT_PATH, (d) => { d.spec.template.spec.containers[0].image = 'registry.k8s.io/coredns/coredns:v1.12.2'; });
    await update('raven-agent', GATEWAY_PATH, (gw) => { gw.spec.endpoints[1].publicIP = '198.51.100.7'; });
    const result = drift('-f', manifestFile, '--kubeconfig', adminKubeconfig);
    expect(result.stdout).toContain('image registry.k8s.io/coredns/coredns:v1.12.2 and 2 replicas stay the cluster\'s');
    expect(result.status).toBe(0);
  });

  test('after someone edits the Corefile: drift, exit 1, with the line applying the stale edit would revert; and it would', async () => {
    await update('kubectl-edit', CONFIGMAP_PATH, (cm) => { cm.data.Corefile = cm.data.Corefile.replace('    errors\n', '    errors\n    log\n'); });
    const result = drift('-f', manifestFile, '--kubeconfig', adminKubeconfig);
    expect(result.stdout).toContain('ConfigMap kube-system/coredns: drift');
    expect(result.stdout).toContain('    -     log');
    expect(result.stdout).toContain('Applying now would revert changes made in the cluster since the export, or fail');
    expect(result.status).toBe(1);
    // What the report prevents: the stale edit, forced as the first apply needs, drops the line.
    const stale = (Yaml.load(manifestFile) as any[]).find((m) => m.kind === 'ConfigMap');
    const forced = await api.apply(stale, MANAGER, { dryRun: true, force: true });
    expect(forced.body.data.Corefile).not.toContain('    log\n');
  });

  test('after exporting again and synthesizing: the new stack keeps the edit, the Corefile is in sync', async () => {
    const fresh = path.join(lab.dir, 'dist-2', 'edge-monitoring.k8s.yaml');
    fs.mkdirSync(path.dirname(fresh), { recursive: true });
    await exportAndSynth(fresh);
    const before = drift('-f', fresh, '--kubeconfig', adminKubeconfig);
    expect(before.stdout).toContain('ConfigMap kube-system/coredns: in-sync');
    expect(before.status).toBe(0);
  });

  test('after a port is added to the Gateway by hand: drift, exit 1, naming the port', async () => {
    await update('kubectl-edit', GATEWAY_PATH, (gw) => { gw.spec.proxyConfig.proxyHTTPPort += ',8080'; });
    const result = drift('-f', manifestFile, '--kubeconfig', adminKubeconfig);
    expect(result.stdout).toContain('Gateway gw-cloud: drift');
    expect(result.stdout).toContain('applying would stop proxying 8080, added since the export');
    expect(result.status).toBe(1);
  });
});

describe('cdk8s-raven-prometheus drift with other credentials', () => {
  const READER = 'drift-reader';

  beforeAll(async () => {
    await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } }, 'raven-lab');
    for (const name of [READER, 'nobody']) {
      await api.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'ops' } }, 'raven-lab');
    }
    // The least a reader of drift needs: get on the three kinds.
    await api.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: READER },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
        { apiGroups: ['raven.openyurt.io'], resources: ['gateways'], verbs: ['get'] },
      ],
    }, 'raven-lab');
    await api.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: READER },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: READER },
      subjects: [{ kind: 'ServiceAccount', name: READER, namespace: 'ops' }],
    }, 'raven-lab');
  });

  test('a ServiceAccount token in a tokenFile, the CA as a file next to the kubeconfig: it reads with get alone', async () => {
    const file = writeKubeconfig('token', { tokenFile: 'token' }, { 'certificate-authority': 'ca.crt' });
    fs.writeFileSync(path.join(path.dirname(file), 'token'), await api.serviceAccountToken('ops', READER));
    fs.writeFileSync(path.join(path.dirname(file), 'ca.crt'), plane.ca.cert);
    const result = drift('-f', manifestFile, '--kubeconfig', file);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Gateway gw-cloud: drift');
  });

  test('an exec credential plugin, as EKS, GKE and AKS kubeconfigs use', async () => {
    const token = await api.serviceAccountToken('ops', READER);
    const plugin = path.join(lab.dir, 'exec-plugin.js');
    fs.writeFileSync(plugin, `console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(token)} } }));`);
    const file = writeKubeconfig('exec', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin] } });
    const result = drift('-f', manifestFile, '--kubeconfig', file);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Checked against');
  });

  test('a user without get on them: exit 2, with the permissions it needs', async () => {
    const file = writeKubeconfig('nobody', { token: await api.serviceAccountToken('ops', 'nobody') });
    const result = drift('-f', manifestFile, '--kubeconfig', file);
    expect(result.stderr).toContain('answered HTTP 403');
    expect(result.stderr).toContain('configmaps "coredns" is forbidden: User "system:serviceaccount:ops:nobody" cannot get resource "configmaps"');
    expect(result.stderr).toContain('needs get on configmaps and deployments in the CoreDNS namespace and on gateways.raven.openyurt.io');
    expect(result.status).toBe(2);
  });

  test('a kubeconfig whose CA did not sign the API server\'s certificate: exit 2, the TLS error named', () => {
    // The admin's own certificate is no CA of the serving certificate.
    const other = writeKubeconfig('other-ca', { token: 'x' }, { 'certificate-authority-data': Buffer.from(plane.adminCertificate.cert).toString('base64') });
    const result = drift('-f', manifestFile, '--kubeconfig', other);
    expect(result.stderr).toContain(`cannot reach the API server ${plane.url} (context 'lab')`);
    expect(result.stderr).toMatch(/certificate/);
    expect(result.status).toBe(2);
  });
});
