import { Duration } from 'cdk8s';
import { BearerToken, EdgeNodeScrape, ScrapeScheme, ScrapeTls } from '../src';
import { expectValidManifests } from './support/schemas';
import { synth, testChart } from './support/synth';

describe('EdgeNodeScrape', () => {
  test('scrapes any port of every node by node name', () => {
    const chart = testChart();
    new EdgeNodeScrape(chart, 'dcgm-exporter', { port: 9400 });
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
    expect(manifests[0].metadata.name).toBe('dcgm-exporter');
    expect(manifests[0].spec.relabelings[1].replacement).toBe('${1}:9400');
  });

  test('HTTPS defaults to skipping verification, since the Raven proxy certificate does not name nodes', () => {
    const chart = testChart();
    new EdgeNodeScrape(chart, 's', { port: 8443, scheme: ScrapeScheme.HTTPS });
    expect(synth(chart)[0].spec).toMatchObject({ scheme: 'HTTPS', tlsConfig: { insecureSkipVerify: true } });
  });

  test('HTTP writes neither scheme nor TLS settings', () => {
    const chart = testChart();
    new EdgeNodeScrape(chart, 's', { port: 8080 });
    const spec = synth(chart)[0].spec;
    expect(spec.scheme).toBeUndefined();
    expect(spec.tlsConfig).toBeUndefined();
  });

  test('node labels can be left out', () => {
    const chart = testChart();
    new EdgeNodeScrape(chart, 's', { port: 8080, keepNodeLabels: false });
    expect(synth(chart)[0].spec.relabelings.map((r: any) => r.action)).toEqual(['replace']);
  });

  test('honor flags and bearer token are passed through', () => {
    const chart = testChart();
    new EdgeNodeScrape(chart, 's', { port: 8080, honorLabels: true, honorTimestamps: false, bearerToken: BearerToken.fromSecret('t') });
    const spec = synth(chart)[0].spec;
    expect(spec).toMatchObject({ honorLabels: true, honorTimestamps: false, authorization: { credentials: { name: 't', key: 'token' } } });
    expectValidManifests(synth(chart));
  });

  test('durations are written the way Prometheus writes them', () => {
    const chart = testChart();
    new EdgeNodeScrape(chart, 's', { port: 8080, scrapeInterval: Duration.hours(25), scrapeTimeout: Duration.minutes(2) });
    expect(synth(chart)[0].spec).toMatchObject({ scrapeInterval: '1d1h', scrapeTimeout: '2m' });
  });

  test('rejects TLS settings on an HTTP scrape', () => {
    expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, tls: ScrapeTls.insecureSkipVerify() }))
      .toThrow(/EdgeNodeScrape: 'tls' must be unset when scheme is HTTP/);
  });

  test('rejects a target label that would overwrite instance', () => {
    expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, targetLabels: { instance: 'x' } }))
      .toThrow(/'targetLabels' must be a label other than instance and __address__, got 'instance'/);
  });

  test('rejects a target label name Prometheus cannot use', () => {
    expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, targetLabels: { 'metrics-path': 'x' } }))
      .toThrow(/'targetLabels' must be a Prometheus label name/);
  });

  test('rejects a metrics path with a query', () => {
    expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, metricsPath: '/metrics?x=1' }))
      .toThrow(/'metricsPath' must be an absolute HTTP path/);
  });

  test('rejects a sub-millisecond interval', () => {
    expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, scrapeInterval: Duration.millis(0) }))
      .toThrow(/'scrapeInterval' must be a positive whole number of milliseconds, got '0ms'/);
  });

  test('rejects a namespace that is not an RFC 1123 label', () => {
    expect(() => new EdgeNodeScrape(testChart(), 's', { port: 8080, namespace: 'Monitoring' }))
      .toThrow(/EdgeNodeScrape: 'namespace' must be an RFC 1123 label/);
  });
});
