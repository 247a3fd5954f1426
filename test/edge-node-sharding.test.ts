import { EdgeNodeScrape, NodeAddressing, TargetDiscovery } from '../src';
import { synth, testChart } from './support/synth';

/**
 * A sharded Prometheus (prometheus-operator's spec.shards) hashes `__tmp_hash`, which defaults to
 * `__address__`; DNS-free targets all share one address, and by node name each port of a node has
 * its own, so the library sets it to the node name: the nodes spread, and every job of a node lands
 * on the same shard.
 * The spread itself is measured with the operator's and Prometheus's own code in the upstream suite
 * (test/upstream/operator-sharding.test.ts).
 */
function relabelings(props: Partial<ConstructorParameters<typeof EdgeNodeScrape>[2]>): any[] {
  const chart = testChart();
  new EdgeNodeScrape(chart, 's', { port: 9100, ...props });
  return synth(chart)[0].spec.relabelings;
}

describe('the shard hash is the node name', () => {
  test('GIVEN DNS-free addressing with node discovery WHEN written THEN __tmp_hash is the node name, before the address becomes the proxy Service', () => {
    const r = relabelings({ addressing: NodeAddressing.proxyQuery() });
    const hash = r.findIndex((x) => x.targetLabel === '__tmp_hash');
    expect(r[hash]).toEqual({ action: 'replace', replacement: '${1}', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: '__tmp_hash' });
    expect(hash).toBeLessThan(r.findIndex((x) => x.targetLabel === '__address__'));
  });

  test('GIVEN DNS-free addressing with pod discovery WHEN written THEN __tmp_hash is the pod\'s node name', () => {
    const r = relabelings({ addressing: NodeAddressing.proxyQuery(), discovery: TargetDiscovery.pods({ podLabels: { app: 'x' } }) });
    expect(r.filter((x) => x.targetLabel === '__tmp_hash')).toEqual([
      { action: 'replace', replacement: '${1}', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: '__tmp_hash' },
    ]);
  });

  test('GIVEN addressing by node name WHEN written THEN __tmp_hash is the node name too, not the per-port address', () => {
    expect(relabelings({ addressing: NodeAddressing.nodeName() }).filter((x) => x.targetLabel === '__tmp_hash')).toEqual([
      { action: 'replace', replacement: '${1}', sourceLabels: ['__meta_kubernetes_node_name'], targetLabel: '__tmp_hash' },
    ]);
  });

  test('GIVEN addressing by node name with pod discovery WHEN written THEN __tmp_hash is the pod\'s node name', () => {
    const r = relabelings({ addressing: NodeAddressing.nodeName(), discovery: TargetDiscovery.pods({ podLabels: { app: 'x' } }) });
    expect(r.filter((x) => x.targetLabel === '__tmp_hash')).toEqual([
      { action: 'replace', replacement: '${1}', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: '__tmp_hash' },
    ]);
  });

  test.each([['DNS-free', NodeAddressing.proxyQuery()], ['by node name', NodeAddressing.nodeName()]])(
    'GIVEN addressing %s WHEN written THEN the library writes no hashmod of its own, so the operator still appends its sharding', (_what, addressing) => {
      expect(relabelings({ addressing }).filter((x) => x.action === 'hashmod')).toEqual([]);
    });
});
