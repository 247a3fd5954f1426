import { Duration } from 'cdk8s';
import { KubeletEndpoint, KubeletScrape, RavenPrometheus, RavenPrometheusProps } from '../../src';
import { EXAMPLE_CLOUD_GATEWAY } from '../../src/example/cloud-gateway';
import { testChart } from '../support/synth';

function stack(props: RavenPrometheusProps): RavenPrometheus {
  return new RavenPrometheus(testChart('monitoring'), 'raven', props);
}

describe('props that contradict each other are refused, naming the one to drop', () => {
  test('GIVEN release and a different release label in scrapeConfigLabels THEN the label is refused', () => {
    expect(() => stack({ release: 'kps', scrapeConfigLabels: { release: 'other' } })).toThrow(
      "RavenPrometheus: 'scrapeConfigLabels.release' must be unset, or equal to release ('kps'), got 'other'. The release prop writes the release label itself",
    );
  });

  test('GIVEN the same release twice THEN it is accepted and written once', () => {
    const raven = stack({ release: 'kps', scrapeConfigLabels: { release: 'kps', team: 'a' }, gateway: EXAMPLE_CLOUD_GATEWAY });
    expect(raven.scrapeConfigs[0].metadata.getLabel('release')).toBe('kps');
  });

  test('GIVEN cadvisorInterval under a scrapeInterval THEN cadvisorInterval is refused (it would be ignored)', () => {
    expect(() => stack({ scrapeInterval: Duration.seconds(30), cadvisorInterval: Duration.seconds(10) }))
      .toThrow(/RavenPrometheus: 'cadvisorInterval' must be unset when scrapeInterval is set, got '10000ms'\. scrapeInterval applies to every endpoint/);
  });

  test('GIVEN the same on KubeletScrape THEN it is refused there too', () => {
    expect(() => new KubeletScrape(testChart(), 'k', { scrapeInterval: Duration.seconds(30), cadvisorInterval: Duration.seconds(10) }))
      .toThrow(/KubeletScrape: 'cadvisorInterval' must be unset when scrapeInterval is set/);
  });
});

describe('the same target scraped under two jobs is refused', () => {
  test('GIVEN an extra scrape on node-exporter\'s port and path THEN the extra scrape\'s port is named', () => {
    expect(() => stack({ extraScrapes: [{ name: 'node', port: 9100 }] })).toThrow(
      "RavenPrometheus: 'extraScrapes[0].port' must be a port and metricsPath no other scrape of the stack scrapes (node-exporter (port 9100, /metrics) already does), got 9100.",
    );
  });

  test('GIVEN an extra scrape on node-exporter\'s port with node-exporter off THEN it is accepted', () => {
    expect(stack({ nodeExporter: false, extraScrapes: [{ name: 'node', port: 9100 }], gateway: EXAMPLE_CLOUD_GATEWAY }).extraScrapes).toHaveLength(1);
  });

  test('GIVEN an extra scrape on a moved node-exporter port THEN the moved port counts', () => {
    expect(() => stack({ nodeExporterPort: 9101, extraScrapes: [{ name: 'node', port: 9101 }] })).toThrow(/node-exporter \(port 9101, \/metrics\) already does/);
  });

  test('GIVEN two extra scrapes of one port and path THEN the second is named', () => {
    expect(() => stack({ extraScrapes: [{ name: 'a', port: 9400 }, { name: 'b', port: 9400 }] }))
      .toThrow(/'extraScrapes\[1\]\.port' must be a port and metricsPath no other scrape of the stack scrapes \(extraScrapes\[0\] \('a'\) already does\)/);
  });

  test('GIVEN an extra HTTPS scrape of a kubelet path THEN it is refused', () => {
    expect(() => stack({ extraScrapes: [{ name: 'k', port: 10250, metricsPath: '/metrics/cadvisor' }] }))
      .toThrow(/the kubelet endpoint \/metrics\/cadvisor \(port 10250\) already does/);
  });

  test('GIVEN a custom kubelet endpoint on a built-in endpoint\'s path THEN the list is refused', () => {
    expect(() => stack({ kubeletEndpoints: [KubeletEndpoint.CADVISOR, KubeletEndpoint.custom('/metrics/cadvisor', 'cadvisor2')] }))
      .toThrow(/'kubeletEndpoints' must be a list without repeated paths \('\/metrics\/cadvisor' is there twice\)/);
    expect(() => new KubeletScrape(testChart(), 'k', { endpoints: [KubeletEndpoint.METRICS, KubeletEndpoint.custom('/metrics', 'own')] }))
      .toThrow(/KubeletScrape: 'endpoints' must be a list without repeated endpoints or paths/);
  });

  test('GIVEN node-exporter on the kubelet\'s port THEN nodeExporterPort is named, not extraScrapes', () => {
    expect(() => stack({ nodeExporterPort: 10250 })).toThrow(/RavenPrometheus: 'nodeExporterPort' must be a port other than the kubelet's \(10250\), got 10250/);
  });
});

describe('a stack that scrapes nothing is refused', () => {
  test('GIVEN node-exporter off and no kubelet endpoint THEN the stack says it would scrape nothing', () => {
    expect(() => stack({ nodeExporter: false, kubeletEndpoints: [] })).toThrow(/'kubeletEndpoints' must be at least one endpoint when nodeExporter is false and there are no extraScrapes, got \[\]\. The stack would scrape nothing/);
  });
});

describe('without a Gateway, the ports to add by hand are a warning', () => {
  test('GIVEN no gateway THEN warnings names the HTTP and HTTPS ports', () => {
    const raven = stack({ extraScrapes: [{ name: 'dcgm', port: 9400 }] });
    expect(raven.warnings).toEqual([expect.stringMatching(/^no gateway was given.*HTTP port\(s\) 9100, 9400 to spec\.proxyConfig\.proxyHTTPPort and HTTPS port\(s\) 10250 to spec\.proxyConfig\.proxyHTTPSPort/)]);
    expect(raven.node.metadata.filter((m) => m.type === 'warning').map((m) => m.data)).toEqual(raven.warnings);
  });

  test('GIVEN no gateway and addGatewayPorts false (the ports declared where the Gateway is managed) THEN no warning and no Gateway', () => {
    const raven = stack({ extraScrapes: [{ name: 'dcgm', port: 9400 }], addGatewayPorts: false });
    expect(raven.warnings).toEqual([]);
    expect(raven.node.metadata.filter((m) => m.type === 'warning')).toEqual([]);
    expect(raven.gateway).toBeUndefined();
  });

  test('GIVEN a gateway THEN there is no such warning', () => {
    expect(stack({ gateway: EXAMPLE_CLOUD_GATEWAY }).warnings).toEqual([]);
  });
});
