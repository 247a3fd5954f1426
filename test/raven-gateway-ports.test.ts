import { RavenGatewayPorts } from '../src';
import { expectValidManifests } from './support/schemas';
import { synth, testChart } from './support/synth';
import { EXAMPLE_CLOUD_GATEWAY } from '../src/example/cloud-gateway';

const gateway = (patch: (g: any) => void = () => undefined) => {
  const g = JSON.parse(JSON.stringify(EXAMPLE_CLOUD_GATEWAY));
  patch(g);
  return g;
};

function build(props: any, namespace: string | null = 'monitor'): any {
  const chart = testChart(namespace);
  new RavenGatewayPorts(chart, 'gw', props);
  const manifests = synth(chart);
  expect(manifests).toHaveLength(1);
  return manifests[0];
}

describe('RavenGatewayPorts', () => {
  test('adds the scrape ports next to the ports already proxied', () => {
    const gw = build({ gateway: gateway(), httpPorts: [9100], httpsPorts: [10250] });
    expect(gw).toMatchSnapshot();
    expectValidManifests([gw]);
    expect(gw.spec.proxyConfig).toEqual({ Replicas: 1, proxyHTTPPort: '10255,9100', proxyHTTPSPort: '9445,10250' });
  });

  test('keeps every field of the exported Gateway and strips what the server wrote', () => {
    const gw = build({ gateway: gateway(), httpPorts: [9100] });
    expect(gw.status).toBeUndefined();
    expect(gw.metadata).toEqual({ name: 'gw-cloud' });
    expect(gw.spec.endpoints).toEqual(EXAMPLE_CLOUD_GATEWAY.spec.endpoints);
    expect(gw.spec.nodeSelector).toEqual(EXAMPLE_CLOUD_GATEWAY.spec.nodeSelector);
    expect(gw.spec.tunnelConfig).toEqual({ Replicas: 1 });
  });

  test('leaves the exported Gateway it was given as it was', () => {
    const exported = gateway((g) => { g.metadata.namespace = 'kube-system'; });
    const before = JSON.stringify(exported);
    const gw = build({ gateway: exported, httpPorts: [9100], httpsPorts: [10250] });
    expect(gw.spec.proxyConfig.proxyHTTPPort).toBe('10255,9100');
    expect(JSON.stringify(exported)).toBe(before);
  });

  test('writes no port twice', () => {
    const gw = build({ gateway: gateway((g) => { g.spec.proxyConfig.proxyHTTPPort = '9100, 10255'; }), httpPorts: [9100, 9100, 9400] });
    expect(gw.spec.proxyConfig.proxyHTTPPort).toBe('9100,10255,9400');
  });

  test('carries no namespace, even in a namespaced chart', () => {
    expect(build({ gateway: gateway(), httpPorts: [9100] }, 'monitor').metadata.namespace).toBeUndefined();
  });

  test('a Gateway without proxy ports gets them', () => {
    const gw = build({ gateway: gateway((g) => { g.spec.proxyConfig = { Replicas: 2 }; }), httpPorts: [9100], httpsPorts: [10250] });
    expect(gw.spec.proxyConfig).toEqual({ Replicas: 2, proxyHTTPPort: '9100', proxyHTTPSPort: '10250' });
  });

  describe('refuses', () => {
    test('a Gateway that is not a cloud gateway', () => {
      expect(() => build({ gateway: gateway((g) => { delete g.spec.exposeType; }), httpPorts: [9100] }))
        .toThrow(/RavenGatewayPorts: 'gateway.spec.exposeType' must be one of PublicIP, LoadBalancer \(a cloud gateway\), got 'unset'/);
    });

    test('a v1alpha1 Gateway', () => {
      expect(() => build({ gateway: gateway((g) => { g.apiVersion = 'raven.openyurt.io/v1alpha1'; }) }))
        .toThrow(/'gateway' must be a raven.openyurt.io\/v1beta1 Gateway, got 'raven.openyurt.io\/v1alpha1\/Gateway'/);
    });

    test('a Gateway without L7 proxy configuration', () => {
      expect(() => build({ gateway: gateway((g) => { delete g.spec.proxyConfig; }), httpPorts: [9100] }))
        .toThrow(/has no L7 proxy configured; enable it/);
    });

    test('a port another exposed Gateway declares', () => {
      const other = gateway((g) => { g.metadata.name = 'gw-cloud-2'; g.spec.proxyConfig.proxyHTTPPort = '9100'; });
      expect(() => build({ gateway: gateway(), httpPorts: [9100], otherGateways: [other] }))
        .toThrow(/'gateway' must be a port no other exposed Gateway declares \(Gateway 'gw-cloud-2' declares it\), got 'port 9100'/);
    });

    test('but not a port an unexposed edge Gateway declares', () => {
      const edge = gateway((g) => { g.metadata.name = 'gw-edge'; delete g.spec.exposeType; g.spec.proxyConfig.proxyHTTPPort = '9100'; });
      expect(build({ gateway: gateway(), httpPorts: [9100], otherGateways: [edge] }).spec.proxyConfig.proxyHTTPPort).toBe('10255,9100');
    });

    test('a port asked for as HTTP that the Gateway proxies as HTTPS', () => {
      expect(() => build({ gateway: gateway(), httpPorts: [9445] })).toThrow(/'httpPorts' must be a port Gateway 'gw-cloud' does not already proxy as HTTPS, got 9445/);
    });

    test('a port in both lists', () => {
      expect(() => build({ gateway: gateway(), httpPorts: [9100], httpsPorts: [9100] })).toThrow(/'httpPorts' must be a port not also in httpsPorts, got 9100/);
    });

    test('a malformed port list in the export', () => {
      expect(() => build({ gateway: gateway((g) => { g.spec.proxyConfig.proxyHTTPPort = '10255;9100'; }) }))
        .toThrow(/'gateway.spec.proxyConfig.proxyHTTPPort' must be a comma-separated list of ports/);
    });

    test('an exported field the Gateway type would drop', () => {
      expect(() => build({ gateway: gateway((g) => { g.spec.futureField = { x: 1 }; }), httpPorts: [9100] }))
        .toThrow(/'gateway' must be fields the raven.openyurt.io\/v1beta1 Gateway schema knows, got '\/spec\/futureField'/);
    });
  });
});
