import { Duration } from 'cdk8s';
import { RavenProxyDns } from '../src';
import { expectValidManifests } from './support/schemas';
import { findManifest, synth, testChart } from './support/synth';

describe('RavenProxyDns', () => {
  const build = (props: any = {}, namespace: string | null = null) => {
    const chart = testChart(namespace);
    new RavenProxyDns(chart, 'proxy-dns', { clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1', ...props });
    return synth(chart);
  };

  test('defaults synthesize OpenYurt\'s dedicated DNS with a fixed ClusterIP', () => {
    const manifests = build();
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ServiceAccount/raven-proxy-dns',
      'ClusterRole/system:raven-proxy-dns',
      'ClusterRoleBinding/system:raven-proxy-dns',
      'ConfigMap/raven-proxy-dns',
      'Deployment/raven-proxy-dns',
      'Service/raven-proxy-dns',
    ]);
    expect(findManifest(manifests, 'Service', 'raven-proxy-dns').spec.clusterIP).toBe('10.96.0.53');
  });

  test('its Corefile is kubeadm\'s with the tunnel-nodes hosts plugin before kubernetes', () => {
    const corefile: string = findManifest(build(), 'ConfigMap', 'raven-proxy-dns').data.Corefile;
    expect(corefile.indexOf('hosts /etc/edge/tunnel-nodes {')).toBeGreaterThan(0);
    expect(corefile.indexOf('hosts /etc/edge/tunnel-nodes {')).toBeLessThan(corefile.indexOf('kubernetes cluster.local'));
    expect(corefile).toMatch(/hosts \/etc\/edge\/tunnel-nodes \{\n\s+no_reverse\n\s+reload 300ms\n\s+fallthrough\n/);
  });

  test('GIVEN reverse lookups THEN the hosts block is OpenYurt\'s raven-proxy-dns block, without no_reverse', () => {
    const corefile: string = findManifest(build({ reverseLookups: true }), 'ConfigMap', 'raven-proxy-dns').data.Corefile;
    expect(corefile).toContain('    hosts /etc/edge/tunnel-nodes {\n       reload 300ms\n       fallthrough\n    }\n');
  });

  test('GIVEN a reload interval of 0 THEN it is refused with what CoreDNS would do', () => {
    expect(() => build({ reloadInterval: Duration.millis(0) }))
      .toThrow(/^RavenProxyDns: 'reloadInterval' must be a positive duration such as Duration.millis\(300\) \(the default\), got '0ms'\. With 0 CoreDNS reads the tunnel-nodes file once/);
  });

  test('the pods run on cloud nodes and mount the tunnel-nodes ConfigMap', () => {
    const pod = findManifest(build(), 'Deployment', 'raven-proxy-dns').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'openyurt.io/is-edge-worker': 'false' });
    expect(pod.volumes).toContainEqual({ name: 'edge-hosts', configMap: { name: 'edge-tunnel-nodes', optional: true, items: [{ key: 'tunnel-nodes', path: 'tunnel-nodes' }] } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'edge-hosts', mountPath: '/etc/edge', readOnly: true });
  });

  test('cluster-scoped objects carry no namespace even in a namespaced chart', () => {
    const manifests = build({}, 'monitoring');
    for (const kind of ['ClusterRole', 'ClusterRoleBinding']) {
      expect(manifests.find((m) => m.kind === kind).metadata.namespace).toBeUndefined();
    }
    expect(findManifest(manifests, 'Deployment', 'raven-proxy-dns').metadata.namespace).toBe('kube-system');
  });

  test('the RBAC grants only what the kubernetes plugin reads', () => {
    expect(findManifest(build(), 'ClusterRole', 'system:raven-proxy-dns').rules).toEqual([
      { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ]);
  });

  test('a custom cluster domain reaches the Corefile', () => {
    expect(findManifest(build({ clusterDomain: 'edge.local' }), 'ConfigMap', 'raven-proxy-dns').data.Corefile).toContain('kubernetes edge.local in-addr.arpa ip6.arpa');
  });

  test('rejects a ClusterIP that is not an IP address', () => {
    expect(() => build({ clusterIp: 'raven-proxy-dns.kube-system.svc' })).toThrow(/RavenProxyDns: 'clusterIp' must be an IPv4 or IPv6 address/);
  });

  test('rejects a cluster domain next to a Corefile', () => {
    expect(() => build({ corefile: '.:53 {\n    whoami\n}\n', clusterDomain: 'x.local' })).toThrow(/'clusterDomain' must be unset when corefile is given/);
  });

  test('GIVEN a ttl above what the hosts plugin takes THEN it is refused with the plugin\'s range', () => {
    expect(() => build({ ttl: Duration.seconds(65536) }))
      .toThrow(/RavenProxyDns: 'ttl' must be a whole number of seconds between 1s and 65535s \(the hosts plugin's ttl\), got '65536000ms'/);
  });

  test('GIVEN the largest ttl the hosts plugin takes THEN it is written', () => {
    expect(findManifest(build({ ttl: Duration.seconds(65535) }), 'ConfigMap', 'raven-proxy-dns').data.Corefile).toContain('ttl 65535\n');
  });

  test('rejects zero replicas', () => {
    expect(() => build({ replicas: 0 })).toThrow(/RavenProxyDns: 'replicas' must be a whole number of at least 1, got 0/);
  });
});
