import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as yaml from 'yaml';
import { CoreDnsDeployment, Corefile, DnsStrategy, DriftReport, RavenPrometheus } from '../src';
import { lineDiff } from '../src/drift';
import { EXAMPLE_CLOUD_GATEWAY } from '../src/example/cloud-gateway';
import { runCli } from '../src/private/cli';

const EXPORTED_DEPLOYMENT = path.join(__dirname, 'fixtures', 'coredns-deployment.exported.yaml');
const KUBEADM_COREFILE = Corefile.kubeadmDefault().toString();
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** The stack a user synthesizes from the three exports. */
function stackManifests(deployment: CoreDnsDeployment = CoreDnsDeployment.fromManifest(yaml.parse(fs.readFileSync(EXPORTED_DEPLOYMENT, 'utf8')))): any[] {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'edge-monitoring', { namespace: 'monitoring' });
  new RavenPrometheus(chart, 'raven', {
    release: 'kps',
    dns: DnsStrategy.editClusterCoreDns({ corefile: KUBEADM_COREFILE, deployment }),
    gateway: EXAMPLE_CLOUD_GATEWAY,
  });
  return chart.toJson();
}

/** The cluster as it was exported: kubeadm's ConfigMap (kubeadm owns the Corefile), Deployment and the Gateway. */
function exportedCluster(): { configMap: any; deployment: any; gateway: any } {
  return {
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'coredns',
        namespace: 'kube-system',
        managedFields: [{ manager: 'kubeadm', operation: 'Update', fieldsV1: { 'f:data': { '.': {}, 'f:Corefile': {} } } }],
      },
      data: { Corefile: KUBEADM_COREFILE },
    },
    deployment: yaml.parse(fs.readFileSync(EXPORTED_DEPLOYMENT, 'utf8')),
    gateway: clone(EXAMPLE_CLOUD_GATEWAY),
  };
}

/** The cluster after the stack was applied (what the API server's merge gives for these fields). */
function appliedCluster(manifests: any[]): { configMap: any; deployment: any; gateway: any } {
  const live = exportedCluster();
  const [cm, d, gw] = DriftReport.clusterOwnedObjects(manifests);
  live.configMap.data.Corefile = cm.data.Corefile;
  const pod = live.deployment.spec.template.spec;
  pod.volumes.push({ ...d.spec.template.spec.volumes[0], configMap: { ...d.spec.template.spec.volumes[0].configMap, defaultMode: 420 } });
  pod.containers[0].volumeMounts.push(d.spec.template.spec.containers[0].volumeMounts[0]);
  const template = live.deployment.spec.template.metadata;
  template.annotations = { ...template.annotations, ...d.spec.template.metadata.annotations };
  live.gateway.spec.proxyConfig = { ...live.gateway.spec.proxyConfig, ...gw.spec.proxyConfig };
  return live;
}

function compare(live: { configMap?: any; deployment?: any; gateway?: any }, manifests: any[] = stackManifests()): DriftReport {
  const found = [live.configMap, live.deployment, live.gateway].filter((o) => o !== undefined);
  return DriftReport.compare(DriftReport.clusterOwnedObjects(manifests), found);
}

const statuses = (report: DriftReport) => report.findings.map((f) => `${f.kind}:${f.status}`);
const details = (report: DriftReport, kind: string) => report.findings.find((f) => f.kind === kind)!.details.join('\n');

describe('DriftReport', () => {
  test('GIVEN a stack THEN the objects the cluster owns are the edited ConfigMap, the Deployment and the Gateway, nothing of the library\'s own', () => {
    expect(DriftReport.clusterOwnedObjects(stackManifests()).map((m) => `${m.kind}/${m.metadata.name}`))
      .toEqual(['ConfigMap/coredns', 'Deployment/coredns', 'Gateway/gw-cloud']);
  });

  test('GIVEN the cluster as exported THEN applying changes only the library\'s fields, and the Corefile conflict is to force once', () => {
    const report = compare(exportedCluster());
    expect(statuses(report)).toEqual(['ConfigMap:will-change', 'Deployment:will-change', 'Gateway:will-change']);
    expect(report.ok).toBe(true);
    expect(details(report, 'ConfigMap')).toContain('Corefile: the one the stack was computed from; applying adds the tunnel-nodes hosts block (+5 lines).');
    expect(details(report, 'ConfigMap')).toContain('the first apply conflicts on .data.Corefile, which \'kubeadm\' owns: nothing of theirs changed since the export, so apply it once with --force-conflicts.');
    expect(details(report, 'Deployment')).toContain('applying adds volume \'edge-hosts\' (ConfigMap edge-tunnel-nodes) and its mount at /etc/edge in container \'coredns\'.');
    expect(details(report, 'Deployment')).toContain('image registry.k8s.io/coredns/coredns:v1.11.3 and 2 replicas stay the cluster\'s');
    expect(details(report, 'Gateway')).toBe("proxyHTTPPort: applying sets '10255,9100' (live '10255'), adding 9100.\n"
      + "proxyHTTPSPort: applying sets '9445,10250' (live '9445'), adding 10250.");
  });

  test('GIVEN the stack applied THEN everything is in sync and there is nothing to apply', () => {
    const manifests = stackManifests();
    const report = compare(appliedCluster(manifests), manifests);
    expect(statuses(report)).toEqual(['ConfigMap:in-sync', 'Deployment:in-sync', 'Gateway:in-sync']);
    expect(report.toText()).toMatch(/Nothing to apply: the cluster has the library's fields as the stack writes them\.\n$/);
  });

  test('GIVEN a Corefile changed in the cluster since the export THEN it is drift, with the lines applying would revert', () => {
    const live = exportedCluster();
    live.configMap.data.Corefile = KUBEADM_COREFILE.replace('    errors\n', '    errors\n    log\n');
    const report = compare(live);
    expect(report.ok).toBe(false);
    expect(statuses(report)[0]).toBe('ConfigMap:drift');
    const text = details(report, 'ConfigMap');
    expect(text).toMatch(/Corefile: changed in the cluster since the stack was computed \(live sha256 [0-9a-f]{12}…, computed from [0-9a-f]{12}…\)/);
    expect(text).toContain('  -     log');
    expect(text).toContain('  +     hosts /etc/edge/tunnel-nodes {');
    expect(text).toContain("export it again (kubectl -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}' > Corefile) and synthesize.");
    expect(report.toText()).toContain('Applying now would revert changes made in the cluster since the export, or fail');
  });

  test('GIVEN a port added to the Gateway by hand since the export THEN it is drift, naming the port applying would stop proxying', () => {
    const manifests = stackManifests();
    const live = appliedCluster(manifests);
    live.gateway.spec.proxyConfig.proxyHTTPPort = '10255,9100,8080';
    const report = compare(live, manifests);
    expect(statuses(report)[2]).toBe('Gateway:drift');
    expect(details(report, 'Gateway')).toContain("proxyHTTPPort: the live Gateway proxies '10255,9100,8080', the stack writes '10255,9100': applying would stop proxying 8080, added since the export");
  });

  test('GIVEN an upgraded image and a scaled CoreDNS THEN nothing drifts: the stack writes neither', () => {
    const manifests = stackManifests();
    const live = appliedCluster(manifests);
    live.deployment.spec.template.spec.containers[0].image = 'registry.k8s.io/coredns/coredns:v1.12.2';
    live.deployment.spec.replicas = 5;
    const report = compare(live, manifests);
    expect(report.ok).toBe(true);
    expect(details(report, 'Deployment')).toContain('image registry.k8s.io/coredns/coredns:v1.12.2 and 5 replicas stay the cluster\'s');
  });

  test('GIVEN the stack sets an image the cluster has moved on from THEN applying it would revert the upgrade: drift', () => {
    const manifests = stackManifests(CoreDnsDeployment.kubeadm({ image: 'registry.k8s.io/coredns/coredns:v1.11.3' }));
    const live = appliedCluster(manifests);
    live.deployment.spec.template.spec.containers[0].image = 'registry.k8s.io/coredns/coredns:v1.12.2';
    expect(details(compare(live, manifests), 'Deployment')).toContain(
      'the stack sets image registry.k8s.io/coredns/coredns:v1.11.3, the cluster runs registry.k8s.io/coredns/coredns:v1.12.2: applying would replace it');
  });

  test.each([
    ['another selector', (d: any) => { d.spec.selector = { matchLabels: { app: 'dns' } }; }, /selects \{"matchLabels":\{"app":"dns"\}\}, the stack was computed for \{"matchLabels":\{"k8s-app":"kube-dns"\}\}/],
    ['no coredns container', (d: any) => { d.spec.template.spec.containers[0].name = 'dns'; }, /has no container 'coredns' \(it has 'dns'\)/],
    ['another ConfigMap mounted', (d: any) => { d.spec.template.spec.volumes[0].configMap.name = 'coredns-custom'; }, /does not mount ConfigMap 'coredns'/],
    ['an edge-hosts volume of another ConfigMap', (d: any) => { d.spec.template.spec.volumes.push({ name: 'edge-hosts', configMap: { name: 'other' } }); },
      /volume 'edge-hosts' is \{"name":"edge-hosts","configMap":\{"name":"other"\}\}, the stack writes/],
  ])('GIVEN a Deployment with %s THEN it is drift', (_what, change, message) => {
    const live = exportedCluster();
    change(live.deployment);
    const report = compare(live);
    expect(statuses(report)[1]).toBe('Deployment:drift');
    expect(details(report, 'Deployment')).toMatch(message);
  });

  test('GIVEN an object missing in the cluster THEN it is reported missing and not ok', () => {
    const live = exportedCluster();
    const report = compare({ configMap: live.configMap, gateway: live.gateway });
    expect(statuses(report)[1]).toBe('Deployment:missing');
    expect(details(report, 'Deployment')).toContain('not in the cluster: the stack writes only the library\'s fields onto it and cannot create it');
    expect(report.ok).toBe(false);
  });

  test('GIVEN a Deployment once applied client-side THEN kubectl\'s migration is reported, with the command that prevents it', () => {
    const live = exportedCluster();
    live.deployment.metadata.managedFields.push({
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } }, 'f:spec': { 'f:replicas': {} } },
    });
    const report = compare(live);
    expect(statuses(report)[1]).toBe('Deployment:drift');
    expect(details(report, 'Deployment')).toContain("owned by 'kubectl-client-side-apply'): `kubectl apply --server-side` would first hand every field that manager set to your field manager, "
      + 'then delete those the stack does not write. Remove the annotation first: kubectl annotate -n kube-system deployment coredns kubectl.kubernetes.io/last-applied-configuration-');
  });
});

describe('lineDiff', () => {
  test('GIVEN two texts THEN only the changed lines, removals before additions', () => {
    expect(lineDiff('a\nb\nc\nd', 'a\nx\nc\nd\ne')).toEqual(['- b', '+ x', '+ e']);
    expect(lineDiff('same', 'same')).toEqual([]);
  });
});

/** An API server stand-in on loopback for the command: answers GETs of the given paths (404 otherwise) and records the requests. */
interface ApiStandIn {
  readonly url: string;
  readonly requests: http.IncomingMessage[];
  close(): Promise<void>;
}

async function apiServer(objects: { [path: string]: any }, status: number = 200): Promise<ApiStandIn> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    const body = objects[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body ?? { kind: 'Status', message: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('cdk8s-raven-prometheus drift', () => {
  let dir: string;
  let manifestFile: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-drift-'));
    manifestFile = path.join(dir, 'edge-monitoring.k8s.yaml');
    fs.writeFileSync(manifestFile, stackManifests().map((m) => yaml.stringify(m)).join('---\n'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function kubeconfig(server: string): string {
    const file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(file, yaml.stringify({
      'apiVersion': 'v1',
      'kind': 'Config',
      'current-context': 'lab',
      'clusters': [{ name: 'lab', cluster: { server } }],
      'users': [{ name: 'reader', user: { token: 'secret-token' } }],
      'contexts': [{ name: 'lab', context: { cluster: 'lab', user: 'reader' } }],
    }));
    return file;
  }

  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { fetch: () => { throw new Error('no fetch in drift'); }, out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: {} } };
  }

  function liveObjects(live: { configMap: any; deployment: any; gateway: any }): { [path: string]: any } {
    return {
      '/api/v1/namespaces/kube-system/configmaps/coredns': live.configMap,
      '/apis/apps/v1/namespaces/kube-system/deployments/coredns': live.deployment,
      '/apis/raven.openyurt.io/v1beta1/gateways/gw-cloud': live.gateway,
    };
  }

  test('GIVEN the cluster as exported THEN it reads the three objects with the kubeconfig\'s token and exits 0', async () => {
    const api = await apiServer(liveObjects(exportedCluster()));
    try {
      const ctx = io();
      expect(await runCli(['drift', '-f', manifestFile, '--kubeconfig', kubeconfig(api.url)], ctx.io)).toBe(0);
      expect(api.requests.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
        ['GET', '/api/v1/namespaces/kube-system/configmaps/coredns', 'Bearer secret-token'],
        ['GET', '/apis/apps/v1/namespaces/kube-system/deployments/coredns', 'Bearer secret-token'],
        ['GET', '/apis/raven.openyurt.io/v1beta1/gateways/gw-cloud', 'Bearer secret-token'],
      ]);
      expect(ctx.out.join('')).toContain(`Checked against ${api.url} (context 'lab'), applying as field manager 'cdk8s-raven-prometheus':`);
      expect(ctx.out.join('')).toContain('ConfigMap kube-system/coredns: will-change');
    } finally {
      await api.close();
    }
  });

  test('GIVEN a folder and KUBECONFIG THEN both are used; GIVEN drift THEN it exits 1', async () => {
    const live = exportedCluster();
    live.configMap.data.Corefile += '# changed\n';
    const api = await apiServer(liveObjects(live));
    try {
      const ctx = io();
      const code = await runCli(['drift', '-f', dir], { ...ctx.io, env: { KUBECONFIG: `${path.join(dir, 'absent')}${path.delimiter}${kubeconfig(api.url)}` } });
      expect(ctx.out.join('')).toContain('ConfigMap kube-system/coredns: drift');
      expect(code).toBe(1);
    } finally {
      await api.close();
    }
  });

  test('GIVEN a user the API server forbids THEN it exits 2 saying which permissions the user needs', async () => {
    const api = await apiServer(liveObjects(exportedCluster()), 403);
    try {
      const ctx = io();
      expect(await runCli(['drift', '-f', manifestFile, '--kubeconfig', kubeconfig(api.url)], ctx.io)).toBe(2);
      expect(ctx.err.join('')).toContain('answered HTTP 403');
      expect(ctx.err.join('')).toContain('needs get on configmaps and deployments in the CoreDNS namespace and on gateways.raven.openyurt.io');
    } finally {
      await api.close();
    }
  });

  test('GIVEN an API server that does not answer THEN it exits 2 naming the server and context', async () => {
    const api = await apiServer({});
    await api.close();
    const ctx = io();
    expect(await runCli(['drift', '-f', manifestFile, '--kubeconfig', kubeconfig(api.url)], ctx.io)).toBe(2);
    expect(ctx.err.join('')).toContain(`cannot reach the API server ${api.url} (context 'lab')`);
  });

  test.each([
    [['drift'], '-f <manifest> is required'],
    [['drift', '-f'], 'option -f needs a value'],
    [['drift', '-f', 'dist/nope.k8s.yaml'], `cannot read 'dist/nope.k8s.yaml' (${path.resolve('dist/nope.k8s.yaml')}): no such file or folder`],
    [['drift', '-f', 'x', '--verbose'], "unknown option '--verbose'"],
  ])('GIVEN %j THEN it exits 2 with the reason and the usage', async (argv, reason) => {
    const ctx = io();
    expect(await runCli(argv, ctx.io)).toBe(2);
    expect(ctx.err.join('')).toContain(reason);
    expect(ctx.err.join('')).toContain('Usage: cdk8s-raven-prometheus drift');
  });

  test('GIVEN a kubeconfig that does not exist THEN it exits 2 with its path', async () => {
    const ctx = io();
    expect(await runCli(['drift', '-f', manifestFile, '--kubeconfig', path.join(dir, 'none')], ctx.io)).toBe(2);
    expect(ctx.err.join('')).toContain(`cannot read the kubeconfig '${path.join(dir, 'none')}'`);
  });

  test('GIVEN --help, at the top or after drift THEN both commands\' usage, or drift\'s, and exit 0', async () => {
    const top = io();
    expect(await runCli(['--help'], top.io)).toBe(0);
    expect(top.out.join('')).toContain('Usage: cdk8s-raven-prometheus verify');
    expect(top.out.join('')).toContain('Usage: cdk8s-raven-prometheus drift');
    const drift = io();
    expect(await runCli(['drift', '--help'], drift.io)).toBe(0);
    expect(drift.out.join('')).not.toContain('Usage: cdk8s-raven-prometheus verify');
  });
});
