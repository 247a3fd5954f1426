import { Testing } from 'cdk8s';
import { PrometheusNodeRbac } from '../src';
import { expectValidManifests } from './support/schemas';
import { findManifest, synth, testChart } from './support/synth';

describe('PrometheusNodeRbac', () => {
  test('grants exactly get/list/watch on nodes to the Prometheus ServiceAccount, no nodes/metrics: through Raven the kubelet authorizes the proxy\'s certificate', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { serviceAccountName: 'kps-kube-prometheus-prometheus' });
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
    expect(findManifest(manifests, 'ClusterRole', 'raven-prometheus-node-scraper:monitoring:kps-kube-prometheus-prometheus').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(findManifest(manifests, 'ClusterRoleBinding', 'raven-prometheus-node-scraper:monitoring:kps-kube-prometheus-prometheus').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'kps-kube-prometheus-prometheus', namespace: 'monitoring' }]);
  });

  test('adds pods only for pod discovery', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { podDiscovery: true });
    expect(findManifest(synth(chart), 'ClusterRole', 'raven-prometheus-node-scraper:monitoring:prometheus').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('GIVEN nodeMetrics THEN get on nodes/metrics is added, for a token that reaches the kubelet', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { nodeMetrics: true });
    expect(findManifest(synth(chart), 'ClusterRole', 'raven-prometheus-node-scraper:monitoring:prometheus').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
    ]);
  });

  test('GIVEN nodeMetrics and pod discovery THEN nodes, nodes/metrics and pods are granted', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { nodeMetrics: true, podDiscovery: true });
    expect(findManifest(synth(chart), 'ClusterRole', 'raven-prometheus-node-scraper:monitoring:prometheus').rules.map((r: any) => r.resources[0]))
      .toEqual(['nodes', 'nodes/metrics', 'pods']);
  });

  test('GIVEN nodeMetrics false THEN it is the default: no nodes/metrics', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { nodeMetrics: false });
    expect(JSON.stringify(findManifest(synth(chart), 'ClusterRole', 'raven-prometheus-node-scraper:monitoring:prometheus'))).not.toContain('nodes/metrics');
  });

  test('GIVEN nodeMetrics as the string \'true\' from plain JavaScript THEN it is refused', () => {
    expect(() => new PrometheusNodeRbac(testChart(), 'rbac', { nodeMetrics: 'true' as any }))
      .toThrow("PrometheusNodeRbac: 'nodeMetrics' must be true or false, got 'true'.");
  });

  test('grants no proxy, secrets or wildcards', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { podDiscovery: true, nodeMetrics: true });
    const text = JSON.stringify(findManifest(synth(chart), 'ClusterRole', 'raven-prometheus-node-scraper:monitoring:prometheus'));
    expect(text).not.toMatch(/nodes\/proxy|secrets|\*/);
  });

  test('cluster-scoped objects carry no namespace', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac');
    for (const m of synth(chart)) expect(m.metadata.namespace).toBeUndefined();
  });

  test('GIVEN two Prometheus of one cluster (two namespaces, two releases) THEN each gets its own ClusterRole and binding, none takes the other\'s access', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'team-a', { serviceAccountNamespace: 'team-a', serviceAccountName: 'a-kube-prometheus-stack-prometheus' });
    new PrometheusNodeRbac(chart, 'team-b', { serviceAccountNamespace: 'team-b', serviceAccountName: 'b-kube-prometheus-stack-prometheus' });
    const bindings = synth(chart).filter((m) => m.kind === 'ClusterRoleBinding');
    expect(bindings.map((b) => [b.metadata.name, b.roleRef.name, b.subjects])).toEqual([
      ['raven-prometheus-node-scraper:team-a:a-kube-prometheus-stack-prometheus', 'raven-prometheus-node-scraper:team-a:a-kube-prometheus-stack-prometheus',
        [{ kind: 'ServiceAccount', name: 'a-kube-prometheus-stack-prometheus', namespace: 'team-a' }]],
      ['raven-prometheus-node-scraper:team-b:b-kube-prometheus-stack-prometheus', 'raven-prometheus-node-scraper:team-b:b-kube-prometheus-stack-prometheus',
        [{ kind: 'ServiceAccount', name: 'b-kube-prometheus-stack-prometheus', namespace: 'team-b' }]],
    ]);
  });

  test('GIVEN a name THEN both objects take it', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { name: 'prometheus-node-metrics' });
    expect(synth(chart).map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(['ClusterRole/prometheus-node-metrics', 'ClusterRoleBinding/prometheus-node-metrics']);
  });

  test('GIVEN the RBAC of one Prometheus twice in one chart THEN synthesis refuses it, naming both paths', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'one');
    new PrometheusNodeRbac(chart, 'two');
    expect(() => Testing.synth(chart)).toThrow(
      /ClusterRole raven-prometheus-node-scraper:monitoring:prometheus is written twice into the manifest of chart 'test': by test\/one\/ClusterRole and by test\/two\/ClusterRole\. .*write it once per Prometheus/);
  });

  test('rejects an invalid ServiceAccount name', () => {
    expect(() => new PrometheusNodeRbac(testChart(), 'rbac', { serviceAccountName: 'Prometheus' }))
      .toThrow(/PrometheusNodeRbac: 'serviceAccountName' must be an RFC 1123 subdomain/);
  });
});
