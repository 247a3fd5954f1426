import { PrometheusNodeRbac } from '../src';
import { expectValidManifests } from './support/schemas';
import { findManifest, synth, testChart } from './support/synth';

describe('PrometheusNodeRbac', () => {
  test('grants exactly nodes and nodes/metrics to the Prometheus ServiceAccount', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { serviceAccountName: 'kps-kube-prometheus-prometheus' });
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
    expect(findManifest(manifests, 'ClusterRole', 'raven-prometheus-node-scraper').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
    ]);
    expect(findManifest(manifests, 'ClusterRoleBinding', 'raven-prometheus-node-scraper').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'kps-kube-prometheus-prometheus', namespace: 'monitoring' }]);
  });

  test('adds pods only for pod discovery', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { podDiscovery: true });
    expect(findManifest(synth(chart), 'ClusterRole', 'raven-prometheus-node-scraper').rules)
      .toContainEqual({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] });
  });

  test('grants no proxy, secrets or wildcards', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac', { podDiscovery: true });
    const text = JSON.stringify(findManifest(synth(chart), 'ClusterRole', 'raven-prometheus-node-scraper'));
    expect(text).not.toMatch(/nodes\/proxy|secrets|\*/);
  });

  test('cluster-scoped objects carry no namespace', () => {
    const chart = testChart('monitoring');
    new PrometheusNodeRbac(chart, 'rbac');
    for (const m of synth(chart)) expect(m.metadata.namespace).toBeUndefined();
  });

  test('rejects an invalid ServiceAccount name', () => {
    expect(() => new PrometheusNodeRbac(testChart(), 'rbac', { serviceAccountName: 'Prometheus' }))
      .toThrow(/PrometheusNodeRbac: 'serviceAccountName' must be an RFC 1123 subdomain/);
  });
});
