import * as fs from 'fs';
import * as path from 'path';
import { KubePrometheusStack, RavenPrometheus } from '../src';
import { findManifest, synth, testChart } from './support/synth';

/** Rows of the fixture produced by the chart's own helper template (provenance in the file). */
function chartNames(): Array<{ release: string; nameOverride?: string; fullnameOverride?: string; serviceAccount: string }> {
  const file = path.join(__dirname, 'fixtures', 'kube-prometheus-stack', 'prometheus-service-account-names.tsv');
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((line) => {
    const [release, nameOverride, fullnameOverride, serviceAccount] = line.split('\t');
    return { release, nameOverride: nameOverride || undefined, fullnameOverride: fullnameOverride || undefined, serviceAccount };
  });
}

describe('KubePrometheusStack.prometheusServiceAccountName()', () => {
  const rows = chartNames();

  test('GIVEN the chart\'s own template output WHEN the fixture is read THEN it covers every release length Helm allows', () => {
    const lengths = new Set(rows.filter((r) => !r.nameOverride && !r.fullnameOverride).map((r) => r.release.length));
    for (let n = 1; n <= 53; n++) expect(lengths).toContain(n);
  });

  test.each(rows.map((r) => [r.release, r.nameOverride ?? '', r.fullnameOverride ?? '', r.serviceAccount]))(
    'GIVEN release %p, nameOverride %p, fullnameOverride %p THEN the ServiceAccount is %p, as the chart names it',
    (release, nameOverride, fullnameOverride, serviceAccount) => {
      expect(KubePrometheusStack.prometheusServiceAccountName({
        release, nameOverride: nameOverride || undefined, fullnameOverride: fullnameOverride || undefined,
      })).toBe(serviceAccount);
    });

  test('GIVEN a release name longer than Helm allows THEN it is refused with Helm\'s limit', () => {
    expect(() => KubePrometheusStack.prometheusServiceAccountName({ release: 'a'.repeat(54) }))
      .toThrow(/KubePrometheusStack: 'release' must be a Helm release name \(at most 53 characters/);
  });

  test('GIVEN a release name with capitals THEN it is refused', () => {
    expect(() => KubePrometheusStack.fullname({ release: 'KPS' })).toThrow(/'release' must be a Helm release name/);
  });

  test('GIVEN an override whose truncation yields no valid name THEN it is refused with the name it would give', () => {
    expect(() => KubePrometheusStack.prometheusServiceAccountName({ release: 'kps', fullnameOverride: 'My_Stack' }))
      .toThrow(/KubePrometheusStack: 'fullnameOverride' must be a name that, cut to 26 characters .* is an RFC 1123 subdomain \(it gives 'My_Stack'\)/);
  });
});

describe('RavenPrometheus names Prometheus\' ServiceAccount (the RBAC subject, and the token Secret\'s when a token is sent) as kube-prometheus-stack does', () => {
  /** The ServiceAccount the RBAC is bound to and, with sendServiceAccountTokenToNodes, the token Secret is for: always one name. */
  function tokenServiceAccount(props: any): string {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { sendServiceAccountTokenToNodes: true, ...props });
    const manifests = synth(chart);
    const fromSecret = findManifest(manifests, 'Secret', 'prometheus-sa-token').metadata.annotations['kubernetes.io/service-account.name'];
    const binding = manifests.find((m) => m.kind === 'ClusterRoleBinding');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: fromSecret, namespace: 'monitoring' }]);
    return fromSecret;
  }

  test('GIVEN the defaults, which send no token THEN the RBAC is bound to the chart\'s ServiceAccount and no Secret is written', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { release: 'kps' });
    const manifests = synth(chart);
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    expect(manifests.find((m) => m.kind === 'ClusterRoleBinding').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'kps-kube-prometheus-stack-prometheus', namespace: 'monitoring' }]);
  });

  test.each([
    ['kube-prometheus-stack', 'kube-prometheus-stack-prometheus'],
    ['kps', 'kps-kube-prometheus-stack-prometheus'],
    ['foundation-core', 'foundation-core-kube-prome-prometheus'],
    ['monitoring', 'monitoring-kube-prometheus-prometheus'],
  ])('GIVEN release %p THEN the token Secret is for ServiceAccount %p', (release, serviceAccount) => {
    expect(tokenServiceAccount({ release })).toBe(serviceAccount);
  });

  test('GIVEN nameOverride THEN the name replaces the chart name', () => {
    expect(tokenServiceAccount({ release: 'kps', nameOverride: 'prom' })).toBe('kps-prom-prometheus');
  });

  test('GIVEN fullnameOverride THEN it names the ServiceAccount, truncated as the chart truncates it', () => {
    expect(tokenServiceAccount({ release: 'kps', fullnameOverride: 'my-override-that-is-longer-than-26' })).toBe('my-override-that-is-longer-prometheus');
  });

  test('GIVEN serviceAccountName THEN it wins over the derived name', () => {
    expect(tokenServiceAccount({ release: 'kps', serviceAccountName: 'custom-prometheus' })).toBe('custom-prometheus');
  });

  test('GIVEN the construct THEN the ServiceAccount it used is readable', () => {
    const raven = new RavenPrometheus(testChart('monitoring'), 'raven', { release: 'kps' });
    expect(raven.serviceAccountName).toBe('kps-kube-prometheus-stack-prometheus');
  });

  test('GIVEN serviceAccountName next to nameOverride THEN the ambiguity is refused', () => {
    expect(() => tokenServiceAccount({ release: 'kps', nameOverride: 'prom', serviceAccountName: 'x' }))
      .toThrow(/RavenPrometheus: 'nameOverride' must be unset when serviceAccountName is set/);
  });

  test('GIVEN nameOverride without a release THEN it is refused', () => {
    expect(() => tokenServiceAccount({ nameOverride: 'prom' }))
      .toThrow(/RavenPrometheus: 'release' must be set when nameOverride or fullnameOverride is set/);
  });
});
