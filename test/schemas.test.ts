import { App, Chart } from 'cdk8s';
import { RavenPrometheus } from '../src';
import { crdSchemaErrors, expectValidManifests, loadCrd, manifestErrors, SCRAPECONFIG_AUTH_RULE, scrapeConfigCelErrors } from './support/schemas';
import { buildExamplePlatform } from '../src/example/platform';

function exampleManifests(): any[] {
  const app = new App({ outdir: '/nonexistent' });
  buildExamplePlatform(app);
  return app.charts.flatMap((c) => c.toJson());
}

/** A stack that sends Prometheus' token (sendServiceAccountTokenToNodes): the only one with a token Secret and authorization. */
function tokenStackManifests(): any[] {
  const app = new App({ outdir: '/nonexistent' });
  new RavenPrometheus(new Chart(app, 'cluster', { namespace: 'monitoring' }), 'raven', { release: 'kps', sendServiceAccountTokenToNodes: true });
  return app.charts.flatMap((c) => c.toJson());
}

describe('schema truth', () => {
  test('every manifest of the example stack validates against the upstream CRDs and Kubernetes schemas', () => {
    const manifests = exampleManifests();
    expect(manifests.length).toBeGreaterThan(0);
    expectValidManifests(manifests);
  });

  test('the mirrored CEL rule is the one the ScrapeConfig CRD carries', () => {
    const crd = loadCrd('scrapeconfigs-crd');
    const rules = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'];
    expect(rules.map((r: any) => r.rule)).toEqual([SCRAPECONFIG_AUTH_RULE]);
  });

  test('the CEL rule refuses two authentication methods', () => {
    const scrape = tokenStackManifests().find((m) => m.kind === 'ScrapeConfig' && m.spec.authorization);
    expect(scrapeConfigCelErrors(scrape)).toEqual([]);
    const both = { ...scrape, spec: { ...scrape.spec, basicAuth: { username: { name: 's', key: 'u' } } } };
    expect(scrapeConfigCelErrors(both)).toEqual(['at most one of basicAuth, authorization, or oauth2 can be configured, got basicAuth, authorization']);
  });

  test('the CEL rule accepts one authentication method added to a default ScrapeConfig, which has none', () => {
    const scrape = exampleManifests().find((m) => m.kind === 'ScrapeConfig' && m.metadata.name === 'kubelet-raven-metrics');
    expect(scrape.spec.authorization).toBeUndefined();
    expect(scrapeConfigCelErrors(scrape)).toEqual([]);
    expect(scrapeConfigCelErrors({ ...scrape, spec: { ...scrape.spec, basicAuth: { username: { name: 's', key: 'u' } } } })).toEqual([]);
  });

  test('the CRD schema catches a misspelled enum value', () => {
    const scrape = exampleManifests().find((m) => m.kind === 'ScrapeConfig');
    const wrong = { ...scrape, spec: { ...scrape.spec, kubernetesSDConfigs: [{ role: 'node' }] } };
    expect(crdSchemaErrors(wrong).join('\n')).toMatch(/kubernetesSDConfigs\/0\/role must be equal to one of the allowed values/);
  });

  test('the CRD schema catches a wrongly typed field', () => {
    const scrape = exampleManifests().find((m) => m.kind === 'ScrapeConfig');
    const wrong = { ...scrape, spec: { ...scrape.spec, scrapeInterval: '30 seconds' } };
    expect(crdSchemaErrors(wrong).join('\n')).toMatch(/scrapeInterval must match pattern/);
  });

  test('the Kubernetes schema catches a malformed Secret', () => {
    const secret = tokenStackManifests().find((m) => m.kind === 'Secret');
    expect(manifestErrors(secret)).toEqual([]);
    expect(manifestErrors({ ...secret, type: 7 }).join('\n')).toMatch(/type must be string/);
  });
});
