import { CoreDnsDeployment, Corefile, RavenCoreDns, RavenProxyDns } from '../../src';
import { BoundedCache } from '../../src/private/bounded-cache';
import { testChart } from '../support/synth';

describe('BoundedCache', () => {
  test('computes once per key while the key is cached', () => {
    const cache = new BoundedCache<number>(2);
    let calls = 0;
    const compute = () => ++calls;
    expect(cache.get('a', compute)).toBe(1);
    expect(cache.get('a', compute)).toBe(1);
    expect(calls).toBe(1);
  });

  test('keeps at most its capacity and evicts the least recently used key', () => {
    const cache = new BoundedCache<string>(2);
    const computed: string[] = [];
    const get = (key: string) => cache.get(key, () => {
      computed.push(key);
      return key.toUpperCase();
    });
    get('a');
    get('b');
    get('a'); // a is now the most recently used
    get('c'); // evicts b
    expect(cache.size).toBe(2);
    get('a');
    get('b');
    expect(computed).toEqual(['a', 'b', 'c', 'b']);
  });

  test('does not cache a failure', () => {
    const cache = new BoundedCache<number>(4);
    let calls = 0;
    const failing = () => {
      calls++;
      throw new Error('bad input');
    };
    expect(() => cache.get('x', failing)).toThrow('bad input');
    expect(() => cache.get('x', failing)).toThrow('bad input');
    expect(calls).toBe(2);
    expect(cache.size).toBe(0);
  });
});

describe('shared Corefile edits', () => {
  const K3S_STYLE = [
    '.:53 {',
    '    errors',
    '    import /etc/coredns/custom/*.override',
    '    forward . /etc/resolv.conf',
    '}',
    '',
  ].join('\n');

  test('constructs built from the same Corefile get the same text and arrays of their own', () => {
    const chart = testChart();
    const a = new RavenCoreDns(chart, 'A', { corefile: K3S_STYLE, name: 'coredns-a', deployment: CoreDnsDeployment.none() });
    const b = new RavenCoreDns(chart, 'B', { corefile: K3S_STYLE, name: 'coredns-b', deployment: CoreDnsDeployment.none() });
    expect(a.corefile.toString()).toBe(b.corefile.toString());
    expect(a.warnings).toHaveLength(1);
    a.warnings.pop();
    a.editedBlocks.pop();
    expect(b.warnings).toHaveLength(1);
    expect(b.editedBlocks).toEqual(['.:53']);
    const c = new RavenCoreDns(chart, 'C', { corefile: K3S_STYLE, name: 'coredns-c', deployment: CoreDnsDeployment.none() });
    expect(c.warnings).toHaveLength(1);
    expect(c.editedBlocks).toEqual(['.:53']);
  });

  test('a different option is a different edit', () => {
    const chart = testChart();
    const a = new RavenCoreDns(chart, 'A', { corefile: K3S_STYLE, name: 'coredns-a', deployment: CoreDnsDeployment.none() });
    const b = new RavenCoreDns(chart, 'B', { corefile: K3S_STYLE, name: 'coredns-b', deployment: CoreDnsDeployment.none(), tunnelNodesMountPath: '/etc/raven' });
    expect(a.corefile.toString()).toContain('hosts /etc/edge/tunnel-nodes');
    expect(b.corefile.toString()).toContain('hosts /etc/raven/tunnel-nodes');
  });

  test('a refused Corefile is refused every time', () => {
    const withHosts = '.:53 {\n    hosts /etc/coredns/NodeHosts\n    forward . /etc/resolv.conf\n}\n';
    const chart = testChart();
    expect(() => new RavenCoreDns(chart, 'A', { corefile: withHosts })).toThrow(/hosts/);
    expect(() => new RavenCoreDns(chart, 'B', { corefile: withHosts })).toThrow(/hosts/);
  });

  test('raven-proxy-dns shares the edit too, and refuses a malformed Corefile every time', () => {
    const chart = testChart();
    const a = new RavenProxyDns(chart, 'A', { image: 'registry.k8s.io/coredns/coredns:v1.12.1', clusterIp: '10.96.0.53', name: 'proxy-dns-a', corefile: K3S_STYLE });
    const b = new RavenProxyDns(chart, 'B', { image: 'registry.k8s.io/coredns/coredns:v1.12.1', clusterIp: '10.96.0.54', name: 'proxy-dns-b', corefile: K3S_STYLE });
    expect(a.corefile.toString()).toContain('hosts /etc/edge/tunnel-nodes');
    expect(b.corefile.toString()).toBe(a.corefile.toString());
    const malformed = '.:53 {\n    errors\n';
    expect(() => new RavenProxyDns(chart, 'C', { image: 'registry.k8s.io/coredns/coredns:v1.12.1', clusterIp: '10.96.0.55', corefile: malformed })).toThrow(/never closed/);
    expect(() => new RavenProxyDns(chart, 'D', { image: 'registry.k8s.io/coredns/coredns:v1.12.1', clusterIp: '10.96.0.56', corefile: malformed })).toThrow(/never closed/);
  });

  test('kubeadm\'s default Corefile is per cluster domain', () => {
    expect(Corefile.kubeadmDefault().toString()).toContain('kubernetes cluster.local in-addr.arpa');
    expect(Corefile.kubeadmDefault({ clusterDomain: 'edge.example' }).toString()).toContain('kubernetes edge.example in-addr.arpa');
    expect(Corefile.kubeadmDefault().toString()).toContain('kubernetes cluster.local in-addr.arpa');
  });
});
