import * as YAML from 'yaml';
import { PrometheusConfig, RavenPrometheus, ScrapeOutput } from '../../src';
import { exampleStackManifests, filledSecrets, promtoolCheckConfig, toolchainPrometheusVersion } from '../support/prometheus-tools';
import { synth, testChart } from '../support/synth';

/**
 * promtool 3.x, built from the pinned Prometheus module with Kubernetes discovery, checks every
 * rendered configuration as it is: kubernetes_sd_configs included, nothing swapped.
 */
describe('promtool accepts every ScrapeConfig of the example stack', () => {
  const manifests = exampleStackManifests();
  const scrapes = manifests.filter((m) => m.kind === 'ScrapeConfig');
  const version = toolchainPrometheusVersion();

  function prometheusYml(scrapeConfigs: any[]): string {
    return YAML.stringify({ global: { scrape_interval: '30s' }, scrape_configs: scrapeConfigs });
  }

  test('the example stack has ScrapeConfigs with Kubernetes discovery to check', () => {
    expect(scrapes.length).toBeGreaterThanOrEqual(4);
    expect(scrapes.every((s) => s.spec.kubernetesSDConfigs?.length > 0)).toBe(true);
  });

  test('operator style, with the token inlined', () => {
    const rendered = scrapes.map((s) => PrometheusConfig.renderScrapeConfig(s, {
      secrets: filledSecrets(manifests, s.metadata.namespace, 'eyJhbGciOi.token'),
      prometheusVersion: version,
    }));
    expect(rendered.every((r) => r.kubernetes_sd_configs?.length > 0)).toBe(true);
    const { ok, output } = promtoolCheckConfig(prometheusYml(rendered));
    expect({ ok, output }).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('plain style, with the ServiceAccount files (syntax only: the files exist only in a pod)', () => {
    const rendered = scrapes.map((s) => PrometheusConfig.renderPlainScrapeConfig(s, { prometheusVersion: version }));
    const { ok, output } = promtoolCheckConfig(prometheusYml(rendered), true);
    expect({ ok, output }).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('operator-style and plain-style jobs of the same stack can run side by side', () => {
    const operator = scrapes.map((s) => PrometheusConfig.renderScrapeConfig(s, { secrets: filledSecrets(manifests, s.metadata.namespace, 't') }));
    const plain = scrapes.map((s) => PrometheusConfig.renderPlainScrapeConfig(s));
    const { ok, output } = promtoolCheckConfig(prometheusYml([...operator, ...plain]), true);
    expect({ ok, output }).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('promtool itself refuses a broken configuration, so the checks above can fail', () => {
    const broken = YAML.stringify({ scrape_configs: [{ job_name: 'x', relabel_configs: [{ action: 'replace' }] }] });
    const { ok, output } = promtoolCheckConfig(broken, true);
    expect(ok).toBe(false);
    expect(output).toMatch(/relabel configuration for replace action requires 'target_label' value/);
  });

  test('promtool knows Kubernetes discovery: a misspelled role is refused by it', () => {
    const wrong = YAML.stringify({ scrape_configs: [{ job_name: 'x', kubernetes_sd_configs: [{ role: 'nodes' }] }] });
    const { ok, output } = promtoolCheckConfig(wrong, true);
    expect(ok).toBe(false);
    expect(output).toMatch(/unknown Kubernetes SD role "nodes"/);
  });
});

describe('promtool accepts the prometheus.yml fragment for Prometheus without the operator', () => {
  test('kubernetes_sd_configs and the ServiceAccount token file as written (syntax only)', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { output: ScrapeOutput.prometheusConfigFragment({ prometheusVersion: toolchainPrometheusVersion() }) });
    const configMap = synth(chart).find((m) => m.kind === 'ConfigMap');
    const jobs = YAML.parse(configMap.data['raven-scrape-configs.yaml']);
    expect(jobs.every((j: any) => j.kubernetes_sd_configs?.length > 0)).toBe(true);
    const { ok, output } = promtoolCheckConfig(YAML.stringify({ scrape_configs: jobs }), true);
    expect({ ok, output }).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });
});
