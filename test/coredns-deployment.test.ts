import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import * as yaml from 'yaml';
import { CoreDnsDeployment, Corefile, DnsStrategy, RavenCoreDns, RavenPrometheus, RavenProxyDns } from '../src';
import { expectValidManifests } from './support/schemas';
import { findManifest, synth, testChart } from './support/synth';

const KUBEADM_EXPORT = path.join(__dirname, 'fixtures', 'coredns-deployment.exported.yaml');
const exportedDeployment = () => yaml.parse(fs.readFileSync(KUBEADM_EXPORT, 'utf8'));

/** What every object the cluster owns carries for Argo CD and Flux (see applied-fields.ts). */
const GITOPS_ANNOTATIONS = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false,ServerSideApply=true',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'kustomize.toolkit.fluxcd.io/ssa': 'Merge',
};

const TUNNEL_NODES_VOLUME = { name: 'edge-hosts', configMap: { name: 'edge-tunnel-nodes', optional: true, items: [{ key: 'tunnel-nodes', path: 'tunnel-nodes' }] } };
const TUNNEL_NODES_MOUNT = { name: 'edge-hosts', mountPath: '/etc/edge', readOnly: true };

function coreDnsDeployment(deployment?: CoreDnsDeployment, props: any = {}): any {
  const chart = testChart(null);
  new RavenCoreDns(chart, 'coredns', { corefile: Corefile.kubeadmDefault().toString(), deployment, ...props });
  const manifests = synth(chart);
  expectValidManifests(manifests);
  return findManifest(manifests, 'Deployment', 'coredns');
}

/**
 * A strategic merge of a Deployment patch onto a live Deployment, for the fields the patch
 * carries: maps merge, `containers` and `volumes` merge by `name`, `volumeMounts` by `mountPath`
 * (the patch merge keys of k8s.io/api core/v1 types.go). A stand-in for the API server's merge.
 */
function strategicMerge(live: any, patch: any, key?: string): any {
  if (Array.isArray(patch)) {
    const keyOf = key === 'volumeMounts' ? 'mountPath' : 'name';
    const out = [...(live ?? [])];
    for (const item of patch) {
      const i = out.findIndex((o) => o[keyOf] === item[keyOf]);
      if (i >= 0) out[i] = strategicMerge(out[i], item); else out.push(item);
    }
    return out;
  }
  if (patch === null || typeof patch !== 'object') return patch;
  const out = { ...(live ?? {}) };
  for (const [k, v] of Object.entries(patch)) out[k] = strategicMerge(out[k], v, k);
  return out;
}

describe('CoreDnsDeployment.kubeadm(), the default', () => {
  test('GIVEN no image or replicas THEN the Deployment writes neither', () => {
    const d = coreDnsDeployment();
    expect(d.spec.replicas).toBeUndefined();
    for (const c of d.spec.template.spec.containers) expect(c.image).toBeUndefined();
  });

  test('GIVEN the default THEN the Deployment carries only the library\'s fields and kubeadm\'s immutable selector', () => {
    const d = coreDnsDeployment();
    const checksum = d.spec.template.metadata.annotations[RavenCoreDns.CHECKSUM_ANNOTATION];
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(d).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', annotations: GITOPS_ANNOTATIONS },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        template: {
          metadata: { annotations: { [RavenCoreDns.CHECKSUM_ANNOTATION]: checksum } },
          spec: { containers: [{ name: 'coredns', volumeMounts: [TUNNEL_NODES_MOUNT] }], volumes: [TUNNEL_NODES_VOLUME] },
        },
      },
    });
  });

  test('GIVEN a cluster that upgraded CoreDNS and scaled it WHEN the patch is merged THEN its image and replicas stay and the mount is added', () => {
    const live = Yaml.load(KUBEADM_EXPORT)[0];
    live.spec.replicas = 3;
    live.spec.template.spec.containers[0].image = 'registry.k8s.io/coredns/coredns:v1.12.1';
    const merged = strategicMerge(live, coreDnsDeployment());
    expect(merged.spec.replicas).toBe(3);
    expect(merged.spec.template.spec.containers).toHaveLength(1);
    expect(merged.spec.template.spec.containers[0].image).toBe('registry.k8s.io/coredns/coredns:v1.12.1');
    expect(merged.spec.template.spec.containers[0].volumeMounts).toEqual([
      { name: 'config-volume', mountPath: '/etc/coredns', readOnly: true },
      { name: 'edge-hosts', mountPath: '/etc/edge', readOnly: true },
    ]);
    expect(merged.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['config-volume', 'edge-hosts']);
  });

  test('GIVEN an image and replicas THEN exactly those are written', () => {
    const d = coreDnsDeployment(CoreDnsDeployment.kubeadm({ image: 'registry.example.com/coredns/coredns:v1.12.1', replicas: 3 }));
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.example.com/coredns/coredns:v1.12.1');
  });

  test('GIVEN a Corefile ConfigMap other than kubeadm\'s THEN it is refused', () => {
    expect(() => coreDnsDeployment(CoreDnsDeployment.kubeadm(), { name: 'rke2-coredns-rke2-coredns' }))
      .toThrow(/RavenCoreDns: 'name' must be 'coredns' with CoreDnsDeployment.kubeadm\(\).*export the cluster's Deployment/);
  });
});

describe('CoreDnsDeployment.fromManifest() and fromFile(): the export informs, only the library\'s fields are written', () => {
  test('GIVEN an export THEN the export\'s name, namespace and selector carry only the library\'s fields: no image, replicas, labels or other container and volume', () => {
    const d = coreDnsDeployment(CoreDnsDeployment.fromManifest(exportedDeployment()));
    expect(d).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', annotations: GITOPS_ANNOTATIONS },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        template: {
          metadata: { annotations: { [RavenCoreDns.CHECKSUM_ANNOTATION]: expect.stringMatching(/^[0-9a-f]{64}$/) } },
          spec: { containers: [{ name: 'coredns', volumeMounts: [TUNNEL_NODES_MOUNT] }], volumes: [TUNNEL_NODES_VOLUME] },
        },
      },
    });
  });

  test('GIVEN an export that already mounts the tunnel-nodes ConfigMap under names of its own THEN only their keys are written, none twice', () => {
    const exported = exportedDeployment();
    exported.spec.template.spec.volumes.push({ name: 'tunnel-nodes', configMap: { name: 'edge-tunnel-nodes', defaultMode: 420 } });
    exported.spec.template.spec.containers[0].volumeMounts.push({ name: 'tunnel-nodes', mountPath: '/etc/edge', readOnly: false });
    const pod = coreDnsDeployment(CoreDnsDeployment.fromManifest(exported)).spec.template.spec;
    expect(pod.volumes).toEqual([{ name: 'tunnel-nodes', configMap: { name: 'edge-tunnel-nodes' } }]);
    expect(pod.containers).toEqual([{ name: 'coredns', volumeMounts: [{ name: 'tunnel-nodes', mountPath: '/etc/edge' }] }]);
  });

  test('GIVEN an export taken after the library\'s fields were applied (with the server\'s defaults) THEN the same configuration is written as from the first export', () => {
    const first = coreDnsDeployment(CoreDnsDeployment.fromManifest(exportedDeployment()));
    const reexported = exportedDeployment();
    reexported.spec.template.spec.volumes.push({ ...TUNNEL_NODES_VOLUME, configMap: { ...TUNNEL_NODES_VOLUME.configMap, defaultMode: 420 } });
    reexported.spec.template.spec.containers[0].volumeMounts.push(TUNNEL_NODES_MOUNT);
    expect(coreDnsDeployment(CoreDnsDeployment.fromManifest(reexported))).toEqual(first);
  });

  test('GIVEN the export of a Deployment with another selector THEN that selector is written, so that the apply configuration fits only that Deployment', () => {
    const exported = exportedDeployment();
    exported.spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'coredns', 'app.kubernetes.io/instance': 'rke2-coredns' } };
    expect(coreDnsDeployment(CoreDnsDeployment.fromManifest(exported)).spec.selector).toEqual(exported.spec.selector);
  });

  test('GIVEN a kubectl List export in a file THEN its one Deployment is read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-coredns-'));
    try {
      const file = path.join(dir, 'list.yaml');
      fs.writeFileSync(file, yaml.stringify({ apiVersion: 'v1', kind: 'List', items: [exportedDeployment()] }));
      expect(coreDnsDeployment(CoreDnsDeployment.fromFile(file)).spec.template.spec.containers).toEqual([{ name: 'coredns', volumeMounts: [TUNNEL_NODES_MOUNT] }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN a file that does not exist THEN the error says so with the path given and the path it tried', () => {
    expect(() => CoreDnsDeployment.fromFile('nope.yaml')).toThrow(new RegExp(
      `^CoreDnsDeployment.fromFile: cannot read 'nope.yaml' \\(looked for ${path.resolve('nope.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): no such file\\. `
      + 'Export it with: kubectl get deploy coredns -n kube-system -o yaml > nope.yaml$'));
  });

  test('GIVEN a folder THEN it is refused as not a file', () => {
    expect(() => CoreDnsDeployment.fromFile(os.tmpdir())).toThrow(/CoreDnsDeployment.fromFile: '.*' \(.*\) is not a file\./);
  });

  test('GIVEN a file without a Deployment THEN the error lists the kinds it holds', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-coredns-'));
    try {
      const file = path.join(dir, 'cm.yaml');
      fs.writeFileSync(file, yaml.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns' } }));
      expect(() => CoreDnsDeployment.fromFile(file)).toThrow(/must hold exactly one Deployment, got 0 \(kinds: 'ConfigMap'\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN a path to fromManifest() THEN it is refused with what to pass', () => {
    expect(() => CoreDnsDeployment.fromManifest('coredns-deployment.yaml' as any))
      .toThrow(/^CoreDnsDeployment.fromManifest: 'manifest' must be the exported Deployment as an object, got 'coredns-deployment.yaml'\. .*CoreDnsDeployment.fromFile\(\)/);
  });

  test('GIVEN an export without a selector THEN it is refused as not exported whole', () => {
    const exported = exportedDeployment();
    delete exported.spec.selector;
    expect(() => coreDnsDeployment(CoreDnsDeployment.fromManifest(exported)))
      .toThrow(/RavenCoreDns: 'deployment.spec.selector' must be the Deployment's label selector, got undefined\. Check that .* was exported whole/);
  });
});

describe('RavenProxyDns needs the image it runs', () => {
  test('GIVEN no image THEN it is refused with how to find the cluster CoreDNS\'s', () => {
    expect(() => new RavenProxyDns(testChart(null), 'dns', { clusterIp: '10.96.0.53' } as any))
      .toThrow(/RavenProxyDns: 'image' must be a CoreDNS image.*kubectl -n kube-system get deployment coredns/);
  });

  test('GIVEN the dedicated DNS strategy without an image THEN RavenPrometheus refuses it too', () => {
    expect(() => new RavenPrometheus(testChart('monitoring'), 'raven', { dns: DnsStrategy.dedicatedProxyDns({ clusterIp: '10.96.0.53' } as any) }))
      .toThrow(/RavenProxyDns: 'image' must be a CoreDNS image/);
  });

  test('GIVEN an image THEN the Deployment runs it', () => {
    const chart = testChart(null);
    new RavenProxyDns(chart, 'dns', { clusterIp: '10.96.0.53', image: 'registry.example.com/coredns/coredns:v1.12.1' });
    const d = findManifest(synth(chart), 'Deployment', 'raven-proxy-dns');
    expect(d.spec.template.spec.containers[0].image).toBe('registry.example.com/coredns/coredns:v1.12.1');
  });
});
