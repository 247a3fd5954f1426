import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { ControlPlane } from './support/control-plane';
import { objectPath } from './support/kube-client';
import { NetworkNamespace } from './support/netns';
import {
  CoreDnsDeployment,
  Corefile,
  DnsStrategy,
  NodeAddressing,
  NodeSelection,
  RavenPrometheus,
  RavenPrometheusProps,
  ScrapeOutput,
  TargetDiscovery,
} from '../../src';
import { EXAMPLE_CLOUD_GATEWAY } from '../../src/example/cloud-gateway';
import { buildExamplePlatform } from '../../src/example/platform';

/**
 * Everything the library synthesizes, judged by a real kube-apiserver (with etcd, both from their
 * pinned modules): every object server-side applied with strict field validation (the CRDs'
 * schemas and CEL rules, the built-in types' validation, as the API server runs them), again
 * without a change, RBAC decided by the real authorizer, and the token Secret accepted.
 */

const FIELD_MANAGER = 'cdk8s-raven-prometheus';
const lab = new NetworkNamespace(`raven-cp-${process.pid}`);
let plane: ControlPlane;

/**
 * What the cluster owns before the stack: kube-system/coredns as kubeadm created it (the exported
 * fixture without the fields the server writes), and the cloud Gateway. The library writes only its
 * own fields onto them, so they must exist.
 */
function clusterOwned(): any[] {
  const exported = YAML.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'coredns-deployment.exported.yaml'), 'utf8'));
  const { name, namespace, labels } = exported.metadata;
  const gateway = JSON.parse(JSON.stringify(EXAMPLE_CLOUD_GATEWAY));
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace }, data: { Corefile: Corefile.kubeadmDefault().toString() } },
    { apiVersion: exported.apiVersion, kind: exported.kind, metadata: { name, namespace, labels }, spec: exported.spec },
    { apiVersion: gateway.apiVersion, kind: gateway.kind, metadata: { name: gateway.metadata.name }, spec: gateway.spec },
  ];
}

/** The fields of the cluster's own objects that the library takes over: the first apply conflicts on them alone, and is forced. */
const TAKEN_OVER: { [object: string]: string[] } = {
  'ConfigMap coredns': ['.data.Corefile'],
  'Gateway gw-cloud': ['.spec.proxyConfig.proxyHTTPPort', '.spec.proxyConfig.proxyHTTPSPort'],
};

/** The stacks judged here: the example platform and one stack per notable choice. */
function stacks(): { name: string; manifests: any[] }[] {
  const out: { name: string; manifests: any[] }[] = [];
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  out.push({ name: 'example', manifests: buildExamplePlatform(app).toJson() });
  const variants: [string, RavenPrometheusProps][] = [
    ['dns-free', { release: 'kps', addressing: NodeAddressing.proxyQuery() }],
    ['node-discovery-all-nodes', { release: 'kps', nodeExporterDiscovery: TargetDiscovery.nodes(), nodes: NodeSelection.all() }],
    ['dedicated-dns', { release: 'kps', dns: DnsStrategy.dedicatedProxyDns({ clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1' }) }],
    ['edited-coredns-gateway', {
      release: 'kps',
      dns: DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString(), deployment: CoreDnsDeployment.kubeadm() }),
      gateway: EXAMPLE_CLOUD_GATEWAY,
    }],
    ['fragment-configmap', { serviceAccountName: 'prometheus-server', output: ScrapeOutput.prometheusConfigFragment() }],
    ['fragment-secret', { serviceAccountName: 'prometheus-server', output: ScrapeOutput.prometheusConfigFragment({ asSecret: true }) }],
  ];
  for (const [name, props] of variants) {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), name, { namespace: `stack-${name}` });
    new RavenPrometheus(chart, 'raven', props);
    out.push({ name, manifests: chart.toJson() });
  }
  return out;
}

/** What the cluster has before the stack: its namespaces and the ServiceAccounts the stack names. */
async function prerequisites(manifests: any[]): Promise<void> {
  const namespaces = new Set(manifests.map((m) => m.metadata.namespace).filter((n) => n !== undefined && n !== 'kube-system'));
  for (const ns of namespaces) {
    await plane.admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'raven-lab');
  }
  const accounts = manifests.flatMap((m) => (m.kind === 'ClusterRoleBinding' || m.kind === 'RoleBinding' ? m.subjects ?? [] : []))
    .filter((s: any) => s.kind === 'ServiceAccount');
  for (const sa of accounts) {
    await plane.admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name, namespace: sa.namespace } }, 'raven-lab');
  }
}

beforeAll(async () => {
  NetworkNamespace.checkPrerequisites();
  lab.create(['127.0.0.2', '127.0.0.3'], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.53\n' });
  plane = await ControlPlane.start(lab, { apiServer: '127.0.0.2', etcd: '127.0.0.3' });
  for (const m of clusterOwned()) {
    await plane.admin.create(m);
  }
}, 120_000);

afterAll(() => lab.destroy(process.env.RAVEN_LAB_KEEP_LOGS === '1'), 30_000);

describe('the control plane', () => {
  test('is ready, with the pinned CRDs established, in well under a minute', async () => {
    process.stdout.write(`control plane start-up: ${plane.startupMs} ms\n`);
    expect(plane.startupMs).toBeLessThan(60_000);
    const groups = await plane.admin.must('GET', '/apis');
    const names = groups.groups.map((g: any) => g.name);
    expect(names).toEqual(expect.arrayContaining(['monitoring.coreos.com', 'raven.openyurt.io']));
  });

  test('refuses an unknown field under strict validation, so the applies below can fail', async () => {
    await plane.admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'strictness' } }, 'raven-lab');
    const wrong = {
      apiVersion: 'monitoring.coreos.com/v1alpha1',
      kind: 'ScrapeConfig',
      metadata: { name: 'wrong', namespace: 'strictness' },
      spec: { kubernetesSDConfigs: [{ role: 'Node' }], scrapeIntervall: '30s' },
    };
    const answer = await plane.admin.apply(wrong, FIELD_MANAGER);
    // For a custom resource, server-side apply reports an undeclared field while building the typed patch.
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.body.message).toMatch(/\.spec\.scrapeIntervall: field not declared in schema/);
  });

  test('runs the ScrapeConfig CRD\'s CEL rule: two authentication methods are refused', async () => {
    const both = {
      apiVersion: 'monitoring.coreos.com/v1alpha1',
      kind: 'ScrapeConfig',
      metadata: { name: 'two-auths', namespace: 'strictness' },
      spec: {
        kubernetesSDConfigs: [{ role: 'Node' }],
        authorization: { credentials: { name: 't', key: 'token' } },
        basicAuth: { username: { name: 'u', key: 'user' } },
      },
    };
    const answer = await plane.admin.apply(both, FIELD_MANAGER);
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.body)).toMatch(/at most one of basicAuth, authorization, or oauth2/);
  });
});

describe.each(stacks())('the $name stack', ({ manifests }) => {
  const versions = new Map<string, string>();

  beforeAll(() => prerequisites(manifests), 30_000);

  test('every object is server-side applied with strict field validation, without an error or a warning', async () => {
    expect(manifests.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const m of manifests) {
      // The fields of the cluster's that the library takes over (the edited Corefile, the Gateway's
      // port lists): the first apply conflicts on them alone, and is forced (kubectl apply
      // --server-side --force-conflicts).
      const first = await plane.admin.apply(m, FIELD_MANAGER, { dryRun: true });
      if (first.status === 409) {
        const causes = (first.body.details?.causes ?? []).map((c: any) => c.field).sort();
        if (JSON.stringify(causes) !== JSON.stringify(TAKEN_OVER[`${m.kind} ${m.metadata.name}`])) {
          problems.push(`${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}: conflicts on ${causes.join(', ')}`);
        }
      }
      const answer = await plane.admin.apply(m, FIELD_MANAGER, { force: first.status === 409 });
      if (answer.status >= 300 || answer.warnings.length > 0) {
        problems.push(`${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}: HTTP ${answer.status} ${answer.body?.message ?? ''} ${answer.warnings.join('; ')}`);
      } else {
        versions.set(objectPath(m), answer.body.metadata.resourceVersion);
      }
    }
    expect(problems).toEqual([]);
  });

  test('applying it again changes nothing: every resourceVersion stays', async () => {
    const changed: string[] = [];
    for (const m of manifests) {
      const answer = await plane.admin.apply(m, FIELD_MANAGER);
      if (answer.status >= 300 || answer.body.metadata.resourceVersion !== versions.get(objectPath(m))) {
        changed.push(`${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`);
      }
    }
    expect(versions.size).toBe(manifests.length);
    expect(changed).toEqual([]);
  });
});

describe('RBAC, decided by the real authorizer for the ServiceAccount the example stack binds', () => {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const manifests = buildExamplePlatform(app).toJson();
  const binding = manifests.find((m) => m.kind === 'ClusterRoleBinding');
  const sa = binding.subjects.find((s: any) => s.kind === 'ServiceAccount');
  const user = `system:serviceaccount:${sa.namespace}:${sa.name}`;
  const groups = ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'];

  beforeAll(async () => {
    await prerequisites(manifests);
    for (const m of manifests.filter((o) => o.kind.startsWith('ClusterRole'))) {
      const answer = await plane.admin.apply(m, FIELD_MANAGER);
      expect(answer.status).toBeLessThan(300);
    }
  }, 30_000);

  const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
  const RESOURCES: [string, string, string?][] = [
    ['', 'nodes'], ['', 'nodes', 'metrics'], ['', 'nodes', 'proxy'], ['', 'nodes', 'stats'], ['', 'pods'], ['', 'pods', 'log'],
    ['', 'secrets'], ['', 'configmaps'], ['', 'services'], ['', 'endpoints'], ['', 'namespaces'], ['', 'serviceaccounts', 'token'],
    ['discovery.k8s.io', 'endpointslices'], ['monitoring.coreos.com', 'scrapeconfigs'], ['raven.openyurt.io', 'gateways'],
  ];

  test('allows exactly what Kubernetes discovery needs, and nothing more: no nodes/metrics, since Raven\'s own certificate is what the kubelet authorizes', async () => {
    const allowed: string[] = [];
    for (const [group, resource, subresource] of RESOURCES) {
      for (const verb of VERBS) {
        for (const namespace of resource === 'nodes' || resource === 'namespaces' ? [undefined] : [undefined, sa.namespace, 'kube-system']) {
          if (await plane.admin.can(user, groups, { group, resource, subresource, verb, namespace })) {
            allowed.push(`${verb} ${group ? `${group}/` : ''}${resource}${subresource ? `/${subresource}` : ''}${namespace ? ` in ${namespace}` : ''}`);
          }
        }
      }
    }
    const everywhere = (verb: string, what: string) => [`${verb} ${what}`, `${verb} ${what} in ${sa.namespace}`, `${verb} ${what} in kube-system`];
    expect(allowed.sort()).toEqual([
      'get nodes', 'list nodes', 'watch nodes',
      ...everywhere('get', 'pods'), ...everywhere('list', 'pods'), ...everywhere('watch', 'pods'),
    ].sort());
  }, 120_000);

  test('a ServiceAccount the library did not bind may not read node metrics', async () => {
    expect(await plane.admin.can(`system:serviceaccount:${sa.namespace}:someone-else`, groups, { resource: 'nodes', subresource: 'metrics', verb: 'get' })).toBe(false);
  });
});

describe('tokens (sendServiceAccountTokenToNodes)', () => {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'with-token', { namespace: 'monitor' });
  new RavenPrometheus(chart, 'raven', { release: 'foundation-core', sendServiceAccountTokenToNodes: true });
  const manifests = chart.toJson();
  const secret = manifests.find((m) => m.kind === 'Secret' && m.type === 'kubernetes.io/service-account-token');

  test('the example stack writes no token Secret', () => {
    const example = buildExamplePlatform(new App({ outdir: '/nonexistent-cdk8s-outdir' })).toJson();
    expect(example.filter((m) => m.kind === 'Secret')).toEqual([]);
    expect(secret).toBeDefined();
  });

  test('the token Secret the library writes is accepted as a ServiceAccount token Secret of the bound ServiceAccount', async () => {
    await prerequisites(manifests);
    const answer = await plane.admin.apply(secret, FIELD_MANAGER);
    expect(answer.status).toBeLessThan(300);
    expect(answer.body.type).toBe('kubernetes.io/service-account-token');
    expect(answer.body.metadata.annotations['kubernetes.io/service-account.name']).toBe(
      manifests.find((m) => m.kind === 'ClusterRoleBinding').subjects[0].name);
  });

  test('a token from the TokenRequest API authenticates as that ServiceAccount (what the lab uses, no controller fills the Secret here)', async () => {
    const name = secret.metadata.annotations['kubernetes.io/service-account.name'];
    const token = await plane.admin.serviceAccountToken(secret.metadata.namespace, name);
    const review = await plane.admin.must('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token },
    });
    expect(review.status.authenticated).toBe(true);
    expect(review.status.user.username).toBe(`system:serviceaccount:${secret.metadata.namespace}:${name}`);
  });
});

describe('inputs the API server would refuse are refused by the library first, at synth time', () => {
  /** Each case: props (built lazily: factories check their input too) and the chart namespace. */
  const CASES: [string, string, () => RavenPrometheusProps][] = [
    ['a release name longer than Helm allows', 'ns1', () => ({ release: 'r'.repeat(54) })],
    ['a release name with a space', 'ns1', () => ({ release: 'my release' })],
    ['an upper-case namespace', 'Monitoring', () => ({ release: 'kps' })],
    ['a namespace of 64 characters', 'n'.repeat(64), () => ({ release: 'kps' })],
    ['an upper-case ServiceAccount name', 'ns1', () => ({ release: 'kps', serviceAccountName: 'Prom' })],
    ['an upper-case token Secret name', 'ns1', () => ({ release: 'kps', sendServiceAccountTokenToNodes: true, tokenSecretName: 'Tok' })],
    ['a label key with a space', 'ns1', () => ({ serviceAccountName: 'p', scrapeConfigLabels: { 'bad key': 'v' } })],
    ['a label value of 64 characters', 'ns1', () => ({ serviceAccountName: 'p', scrapeConfigLabels: { team: 'x'.repeat(64) } })],
    ['a node label key with a space', 'ns1', () => ({ release: 'kps', nodes: NodeSelection.withLabels({ 'a b': 'x' }) })],
    ['an extra scrape named in upper case', 'ns1', () => ({ release: 'kps', extraScrapes: [{ name: 'Dcgm', port: 9400, jobLabel: 'dcgm' }] })],
    ['an extra scrape name of 254 characters', 'ns1', () => ({ release: 'kps', extraScrapes: [{ name: 'e'.repeat(254), port: 9400, jobLabel: 'dcgm' }] })],
    ['a pod namespace that is no namespace name', 'ns1', () => ({ release: 'kps', nodeExporterDiscovery: TargetDiscovery.pods({ podLabels: { app: 'x' }, namespaces: ['Bad_NS'] }) })],
    ['an image reference with spaces', 'ns1', () => ({ release: 'kps', dns: DnsStrategy.dedicatedProxyDns({ clusterIp: '10.96.0.53', image: 'not an image' }) })],
  ];

  test.each(CASES)('%s', (_what, namespace, props) => {
    expect(() => {
      const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'wrong', { namespace });
      new RavenPrometheus(chart, 'raven', props());
      chart.toJson();
    }).toThrow(/must be/);
  });

  function dedicatedDnsService(clusterIp: string): any {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'dns', { namespace: 'stack-dns' });
    new RavenPrometheus(chart, 'raven', { release: 'kps', dns: DnsStrategy.dedicatedProxyDns({ clusterIp, image: 'registry.k8s.io/coredns/coredns:v1.12.1' }) });
    return chart.toJson().find((m) => m.kind === 'Service');
  }

  test('a dedicated DNS ClusterIP outside the cluster\'s Service CIDR, which the library cannot know, is refused by the API server with the range', async () => {
    await plane.admin.request('DELETE', objectPath(dedicatedDnsService('10.96.0.53')));
    const answer = await plane.admin.apply(dedicatedDnsService('192.168.1.1'), FIELD_MANAGER, { dryRun: true });
    expect(answer.status).toBe(422);
    expect(answer.body.message).toContain('the provided IP (192.168.1.1) is not in the valid range');
  });

  test('changing the dedicated DNS ClusterIP of an applied stack is refused by the API server: the Service must be deleted first', async () => {
    expect((await plane.admin.apply(dedicatedDnsService('10.96.0.53'), FIELD_MANAGER)).status).toBeLessThan(300);
    const answer = await plane.admin.apply(dedicatedDnsService('10.96.0.54'), FIELD_MANAGER, { dryRun: true });
    expect(answer.status).toBe(422);
    expect(answer.body.message).toContain('may not change once set');
  });
});
