import * as path from 'path';
import { Yaml } from 'cdk8s';
import { CoreDnsDeployment, Corefile, DnsStrategy, RavenCoreDns, RavenPrometheus, RavenProxyDns } from '../src';
import { expectValidManifests } from './support/schemas';
import { findManifest, synth, testChart } from './support/synth';

const KUBEADM_EXPORT = path.join(__dirname, 'fixtures', 'coredns-deployment.exported.yaml');

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
      metadata: { name: 'coredns', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        template: {
          metadata: { annotations: { [RavenCoreDns.CHECKSUM_ANNOTATION]: checksum } },
          spec: {
            containers: [{ name: 'coredns', volumeMounts: [{ name: 'edge-hosts', mountPath: '/etc/edge', readOnly: true }] }],
            volumes: [{ name: 'edge-hosts', configMap: { name: 'edge-tunnel-nodes', optional: true, items: [{ key: 'tunnel-nodes', path: 'tunnel-nodes' }] } }],
          },
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
