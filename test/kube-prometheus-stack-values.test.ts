import * as fs from 'fs';
import * as path from 'path';
import { HelmProps } from 'cdk8s';
import * as YAML from 'yaml';
import { DnsStrategy, KubePrometheusStackValues, NodeSelection, RavenPrometheus } from '../src';
import { crdSchemaErrors, manifestErrors } from './support/schemas';
import { testChart } from './support/synth';

/** The chart's value names (provenance in the file). */
const CHART_VALUE_NAMES = new Set(fs.readFileSync(path.join(__dirname, 'fixtures', 'kube-prometheus-stack', 'value-names.txt'), 'utf8')
  .split('\n').filter((l) => l !== '' && !l.startsWith('#')));

/** The sections whose keys the fixture lists, and the paths of the keys the values set in them. */
function valuePaths(values: any): string[] {
  const sections = ['kubelet.serviceMonitor', 'prometheus.prometheusSpec', 'prometheus-node-exporter.prometheus.monitor'];
  const out: string[] = [];
  const walk = (node: any, at: string[]) => {
    const here = at.join('.');
    if (sections.includes(here)) {
      for (const key of Object.keys(node)) out.push(`${here}.${key}`);
      return;
    }
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      out.push(here);
      return;
    }
    for (const [key, value] of Object.entries(node)) walk(value, [...at, key]);
  };
  walk(values, []);
  return out;
}

/** A ServiceMonitor of the pinned CRD with the values' relabelings and attachMetadata. */
function serviceMonitor(endpoints: any[], attachMetadata: any): any {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'm', namespace: 'monitoring' },
    spec: { attachMetadata, selector: {}, endpoints },
  };
}

const METRICS_PATH = { action: 'replace', sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' };
const DROP_EDGE = { action: 'drop', sourceLabels: ['__meta_kubernetes_node_label_openyurt_io_is_edge_worker'], regex: 'true' };

describe('KubePrometheusStackValues', () => {
  test('GIVEN the defaults THEN every kubelet endpoint of the stock ServiceMonitor drops edge nodes and keeps its metrics_path label', () => {
    const kubelet = new KubePrometheusStackValues().values.kubelet.serviceMonitor;
    expect(kubelet.attachMetadata).toEqual({ node: true });
    for (const key of ['relabelings', 'cAdvisorRelabelings', 'probesRelabelings', 'resourceRelabelings']) {
      expect([key, kubelet[key]]).toEqual([key, [DROP_EDGE, METRICS_PATH]]);
    }
  });

  test('GIVEN the defaults THEN the stock node-exporter ServiceMonitor drops edge nodes', () => {
    const monitor = new KubePrometheusStackValues().values['prometheus-node-exporter'].prometheus.monitor;
    expect(monitor).toEqual({ attachMetadata: { node: true }, relabelings: [DROP_EDGE] });
  });

  test('GIVEN the defaults THEN Prometheus\' DNS is left alone', () => {
    expect(new KubePrometheusStackValues().values.prometheus).toBeUndefined();
  });

  test('GIVEN any options THEN every value set is one the chart has', () => {
    const values = new KubePrometheusStackValues({ proxyDnsClusterIp: '10.96.0.53', prometheusNamespace: 'monitoring' }).values;
    const paths = valuePaths(values);
    expect(paths.length).toBeGreaterThan(8);
    expect(paths.filter((p) => !CHART_VALUE_NAMES.has(p))).toEqual([]);
  });

  test('GIVEN the relabelings THEN they are valid in the ServiceMonitor CRD, with attachMetadata', () => {
    const values = new KubePrometheusStackValues().values;
    const kubelet = values.kubelet.serviceMonitor;
    const endpoints = ['relabelings', 'cAdvisorRelabelings', 'probesRelabelings', 'resourceRelabelings'].map((k) => ({ port: 'https-metrics', relabelings: kubelet[k] }));
    expect(crdSchemaErrors(serviceMonitor(endpoints, kubelet.attachMetadata))).toEqual([]);
    const ne = values['prometheus-node-exporter'].prometheus.monitor;
    expect(crdSchemaErrors(serviceMonitor([{ port: 'http-metrics', relabelings: ne.relabelings }], ne.attachMetadata))).toEqual([]);
  });

  test('GIVEN nodes selected by several labels THEN the stock monitors drop exactly the nodes carrying all of them', () => {
    const v = new KubePrometheusStackValues({ nodes: NodeSelection.withLabels({ 'apps.openyurt.io/nodepool': 'gpu.pool', 'openyurt.io/is-edge-worker': 'true' }) });
    expect(v.nodeDropRelabelings).toEqual([{
      action: 'drop',
      sourceLabels: ['__meta_kubernetes_node_label_apps_openyurt_io_nodepool', '__meta_kubernetes_node_label_openyurt_io_is_edge_worker'],
      regex: 'gpu\\.pool;true',
    }]);
  });

  test('GIVEN every node scraped through Raven THEN the stock kubelet and node-exporter ServiceMonitors are turned off', () => {
    const values = new KubePrometheusStackValues({ nodes: NodeSelection.all() }).values;
    expect(values.kubelet).toEqual({ serviceMonitor: { enabled: false } });
    expect(values['prometheus-node-exporter']).toEqual({ prometheus: { monitor: { enabled: false } } });
  });

  test('GIVEN the dedicated DNS THEN Prometheus resolves through it only, with the cluster\'s search path', () => {
    const values = new KubePrometheusStackValues({ proxyDnsClusterIp: '10.96.0.53', prometheusNamespace: 'monitoring', clusterDomain: 'edge.local' }).values;
    expect(values.prometheus).toEqual({
      prometheusSpec: {
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['10.96.0.53'],
          searches: ['monitoring.svc.edge.local', 'svc.edge.local', 'edge.local'],
          options: [{ name: 'ndots', value: '5' }],
        },
      },
    });
    // The operator copies both fields into the Prometheus pods' spec unchanged.
    const withPod = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'p' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'c' }], ...values.prometheus.prometheusSpec } } },
    };
    expect(manifestErrors(withPod)).toEqual([]);
    expect(manifestErrors({ ...withPod, spec: { ...withPod.spec, template: { spec: { containers: [{ name: 'c' }], dnsConfig: { nameservers: 'x' } } } } }))
      .not.toEqual([]);
  });

  test('GIVEN the values THEN the YAML file holds the same values', () => {
    const v = new KubePrometheusStackValues({ proxyDnsClusterIp: '10.96.0.53', prometheusNamespace: 'monitoring' });
    expect(YAML.parse(v.toYaml())).toEqual(v.values);
  });

  test('GIVEN the values THEN they are plain JSON, as cdk8s\' Helm construct takes them', () => {
    const v = new KubePrometheusStackValues();
    const props: HelmProps = { chart: 'prometheus-community/kube-prometheus-stack', version: '88.5.3', releaseName: 'kps', values: v.values };
    expect(JSON.parse(JSON.stringify(props.values))).toEqual(v.values);
  });

  test('GIVEN the values THEN each read hands out a copy', () => {
    const v = new KubePrometheusStackValues();
    v.values.kubelet.serviceMonitor.relabelings.pop();
    v.nodeDropRelabelings.pop();
    expect(v.values.kubelet.serviceMonitor.relabelings).toHaveLength(2);
    expect(v.nodeDropRelabelings).toHaveLength(1);
  });

  test('GIVEN a dedicated DNS without Prometheus\' namespace THEN it is refused', () => {
    expect(() => new KubePrometheusStackValues({ proxyDnsClusterIp: '10.96.0.53' }))
      .toThrow(/KubePrometheusStackValues: 'prometheusNamespace' must be set with proxyDnsClusterIp/);
  });

  test('GIVEN a nameserver that is not an IP THEN it is refused', () => {
    expect(() => new KubePrometheusStackValues({ proxyDnsClusterIp: 'raven-proxy-dns.kube-system', prometheusNamespace: 'monitoring' }))
      .toThrow(/KubePrometheusStackValues: 'proxyDnsClusterIp' must be an IPv4 or IPv6 address/);
  });
});

describe('RavenPrometheus.kubePrometheusStackValues()', () => {
  test('GIVEN the default stack THEN the values drop edge nodes and leave DNS alone', () => {
    const raven = new RavenPrometheus(testChart('monitoring'), 'raven', { release: 'kps' });
    const values = raven.kubePrometheusStackValues().values;
    expect(values.kubelet.serviceMonitor.relabelings).toEqual([DROP_EDGE, METRICS_PATH]);
    expect(values.prometheus).toBeUndefined();
  });

  test('GIVEN the dedicated DNS THEN Prometheus is pointed at its ClusterIP from its own namespace', () => {
    const raven = new RavenPrometheus(testChart('observability'), 'raven', {
      release: 'kps',
      dns: DnsStrategy.dedicatedProxyDns({ clusterIp: '10.96.0.53', image: 'registry.k8s.io/coredns/coredns:v1.12.1' }),
    });
    expect(raven.kubePrometheusStackValues().values.prometheus.prometheusSpec.dnsConfig).toEqual({
      nameservers: ['10.96.0.53'],
      searches: ['observability.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: [{ name: 'ndots', value: '5' }],
    });
  });

  test('GIVEN a node selection THEN the stock monitors drop those nodes', () => {
    const raven = new RavenPrometheus(testChart('monitoring'), 'raven', { nodes: NodeSelection.withLabels({ 'apps.openyurt.io/nodepool': 'edge-a' }) });
    expect(raven.kubePrometheusStackValues().nodeDropRelabelings[0].sourceLabels).toEqual(['__meta_kubernetes_node_label_apps_openyurt_io_nodepool']);
  });
});

describe('toYaml() writes plain YAML', () => {
  test('GIVEN the four kubelet lists sharing one drop THEN the YAML has no anchor or alias, and reads back as the values', () => {
    const values = new KubePrometheusStackValues({ nodes: NodeSelection.edgeOnly() });
    const text = values.toYaml();
    expect(text).not.toMatch(/[&*][a-z]+\d+/);
    expect(YAML.parse(text)).toEqual(values.values);
  });
});
