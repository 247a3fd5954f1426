import { RavenGatewayPorts } from '../src';
import { expectValidManifests, manifestErrors } from './support/schemas';
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

const ORIGINAL_PORTS = 'raven-prometheus.cdk8s.io/original-proxy-ports';

describe('RavenGatewayPorts', () => {
  test('adds the scrape ports next to the ports already proxied', () => {
    const gw = build({ gateway: gateway(), httpPorts: [9100], httpsPorts: [10250] });
    expect(gw).toMatchSnapshot();
    expectValidManifests([gw]);
    expect(gw.spec.proxyConfig).toEqual({ proxyHTTPPort: '10255,9100', proxyHTTPSPort: '9445,10250' });
  });

  test('writes only the two proxy port fields: the endpoints raven-agent updates and every other field stay the cluster\'s', () => {
    const gw = build({ gateway: gateway(), httpPorts: [9100] });
    expect(gw.spec).toEqual({ proxyConfig: { proxyHTTPPort: '10255,9100', proxyHTTPSPort: '9445' } });
    expect(gw.status).toBeUndefined();
    expect(Object.keys(gw.metadata)).toEqual(['annotations', 'name']);
  });

  test('records the port fields the Gateway had before the library, for rolling back', () => {
    const gw = build({ gateway: gateway((g) => { g.spec.proxyConfig.proxyHTTPPort = '10255, 8080'; }), httpPorts: [9100] });
    expect(JSON.parse(gw.metadata.annotations[ORIGINAL_PORTS])).toEqual({ proxyHTTPPort: '10255, 8080', proxyHTTPSPort: '9445' });
  });

  test('GIVEN an export taken after an apply THEN the recorded original ports are kept, and the same configuration is written', () => {
    const first = build({ gateway: gateway(), httpPorts: [9100], httpsPorts: [10250] });
    const reexported = gateway((g) => {
      g.metadata.annotations = { ...first.metadata.annotations };
      g.spec.proxyConfig = { Replicas: 1, ...first.spec.proxyConfig };
    });
    expect(build({ gateway: reexported, httpPorts: [9100], httpsPorts: [10250] })).toEqual(first);
  });

  test('GIVEN an export whose recorded original ports are not the library\'s JSON THEN it is refused', () => {
    expect(() => build({ gateway: gateway((g) => { g.metadata.annotations = { [ORIGINAL_PORTS]: '10255' }; }), httpPorts: [9100] }))
      .toThrow(/'gateway.metadata.annotations\['raven-prometheus.cdk8s.io\/original-proxy-ports'\]' must be the JSON the library writes there/);
  });

  test('tells Argo CD and Flux to merge it server-side, never to prune or delete it, and Argo CD not to validate it alone', () => {
    const gw = build({ gateway: gateway(), httpPorts: [9100] });
    expect(gw.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false,ServerSideApply=true,Validate=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
      'kustomize.toolkit.fluxcd.io/ssa': 'Merge',
      [ORIGINAL_PORTS]: '{"proxyHTTPPort":"10255","proxyHTTPSPort":"9445"}',
    });
  });

  test('is not a Gateway alone (proxyConfig.Replicas stays the cluster\'s), but merged onto the export it is a valid one', () => {
    const gw = build({ gateway: gateway(), httpPorts: [9100], httpsPorts: [10250] });
    const alone = { ...gw, metadata: { name: gw.metadata.name } };
    expect(manifestErrors(alone)).toEqual([expect.stringMatching(/proxyConfig must have required property 'Replicas'/)]);
    const merged = gateway((g) => {
      delete g.status;
      g.spec.proxyConfig = { ...g.spec.proxyConfig, ...gw.spec.proxyConfig };
    });
    expect(manifestErrors(merged)).toEqual([]);
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

  test('a Gateway without proxy ports gets them, and the export\'s absent fields are recorded as empty', () => {
    const gw = build({ gateway: gateway((g) => { g.spec.proxyConfig = { Replicas: 2 }; }), httpPorts: [9100], httpsPorts: [10250] });
    expect(gw.spec.proxyConfig).toEqual({ proxyHTTPPort: '9100', proxyHTTPSPort: '10250' });
    expect(gw.metadata.annotations[ORIGINAL_PORTS]).toBe('{"proxyHTTPPort":"","proxyHTTPSPort":""}');
  });

  test('a port list that stays empty is not written, so the field stays the cluster\'s', () => {
    const gw = build({ gateway: gateway((g) => { g.spec.proxyConfig = { Replicas: 1 }; }), httpPorts: [9100] });
    expect(gw.spec.proxyConfig).toEqual({ proxyHTTPPort: '9100' });
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

    test('a Gateway that is no object, with what to pass', () => {
      expect(() => build({ gateway: 'gw-cloud.yaml', httpPorts: [9100] }))
        .toThrow(/RavenGatewayPorts: 'gateway' must be the exported Gateway as an object \(Yaml.load\('gw-cloud.yaml'\)\[0\]\), got 'gw-cloud.yaml'\. \(in chart 'test', at test\/gw\)$/);
    });

    test('a port list that is no list', () => {
      expect(() => build({ gateway: gateway(), httpPorts: 9100 }))
        .toThrow(/RavenGatewayPorts: 'httpPorts' must be a list of ports such as \[9100\], got 9100\./);
    });
  });
});
