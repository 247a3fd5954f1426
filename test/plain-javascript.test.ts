import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import {
  CoreDnsDeployment, Corefile, DnsStrategy, EdgeNodeScrape, KubeletScrape, NodeExporterScrape, NodeSelection, PrometheusNodeRbac,
  RavenCoreDns, RavenGatewayPorts, RavenPrometheus, RavenProxyDns, ServiceAccountTokenSecret,
} from '../src';
import { testChart } from './support/synth';
import { EXAMPLE_CLOUD_GATEWAY } from '../src/example/cloud-gateway';

/**
 * What a user of plain JavaScript, or of values read from a file, can pass: anything. Each mistake
 * gets the library's own error, naming the prop, what was given and what to pass, and where.
 */

/** `new RavenPrometheus(chart 'cluster-b', 'raven', props)` with props no compiler checked. */
function stack(props: any): void {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  new RavenPrometheus(new Chart(app, 'cluster-b', { namespace: 'monitoring' }), 'raven', props);
}

const WHERE = "(in chart 'cluster-b', at cluster-b/raven)";

describe('a prop that takes one of the library\'s classes, given something else, is refused with what to pass', () => {
  test.each([
    ['dns', 'editClusterCoreDns', "a DnsStrategy (DnsStrategy.editClusterCoreDns(...), DnsStrategy.dedicatedProxyDns(...) or DnsStrategy.none()), got 'editClusterCoreDns'"],
    ['nodes', 'edge', "a NodeSelection (NodeSelection.all(), NodeSelection.edgeOnly() or NodeSelection.withLabels(...)), got 'edge'"],
    ['addressing', 'nodeName', "a NodeAddressing (NodeAddressing.nodeName() or NodeAddressing.proxyQuery()), got 'nodeName'"],
    ['nodeExporterDiscovery', { role: 'Pod' }, 'a TargetDiscovery (TargetDiscovery.nodes(), TargetDiscovery.pods(...) or TargetDiscovery.nodeExporterPods()), got {"role":"Pod"}'],
    ['kubeletTls', 'insecureSkipVerify', "a ScrapeTls (ScrapeTls.insecureSkipVerify(), ScrapeTls.ravenProxy() or ScrapeTls.verify(...)), got 'insecureSkipVerify'"],
    ['output', 'fragment', "a ScrapeOutput (ScrapeOutput.scrapeConfigResources() or ScrapeOutput.prometheusConfigFragment()), got 'fragment'"],
    ['addressing', NodeSelection.edgeOnly(), 'a NodeAddressing (NodeAddressing.nodeName() or NodeAddressing.proxyQuery()), got a NodeSelection'],
  ])('GIVEN %s: %j THEN the message names it', (prop, value, expected) => {
    expect(() => stack({ release: 'kps', [prop]: value })).toThrow(`RavenPrometheus: '${prop}' must be ${expected}. ${WHERE}`);
  });

  test('GIVEN kubelet endpoints as strings THEN the first one is named with the endpoints to pass', () => {
    expect(() => stack({ release: 'kps', kubeletEndpoints: ['metrics'] })).toThrow(
      "RavenPrometheus: 'kubeletEndpoints[0]' must be a KubeletEndpoint (KubeletEndpoint.METRICS, KubeletEndpoint.CADVISOR, "
      + `KubeletEndpoint.PROBES, KubeletEndpoint.RESOURCE or KubeletEndpoint.custom(...)), got 'metrics'. ${WHERE}`);
  });

  test('GIVEN an extra scrape\'s scheme, discovery and nodes as strings THEN each is named with its index', () => {
    expect(() => stack({ release: 'kps', extraScrapes: [{ name: 'dcgm', port: 9400, scheme: 'https' }] }))
      .toThrow(`RavenPrometheus: 'extraScrapes[0].scheme' must be one of ScrapeScheme.HTTP ('HTTP'), ScrapeScheme.HTTPS ('HTTPS'), got 'https'. ${WHERE}`);
    expect(() => stack({ release: 'kps', extraScrapes: [{ name: 'dcgm', port: 9400, nodes: 'gpu' }] }))
      .toThrow(/^RavenPrometheus: 'extraScrapes\[0\].nodes' must be a NodeSelection \(.*\), got 'gpu'\./);
  });

  test('GIVEN a duration as a string THEN it asks for a cdk8s Duration', () => {
    expect(() => stack({ release: 'kps', scrapeInterval: '30s' }))
      .toThrow(`RavenPrometheus: 'scrapeInterval' must be a cdk8s Duration such as Duration.seconds(30), got '30s'. ${WHERE}`);
  });

  test('GIVEN a flag as the string \'false\' (which is truthy) THEN it is refused rather than taken as true', () => {
    expect(() => stack({ release: 'kps', rbac: 'false' })).toThrow(`RavenPrometheus: 'rbac' must be true or false, got 'false'. ${WHERE}`);
  });

  test('GIVEN null props or a string for a list THEN each is named', () => {
    expect(() => stack(null)).toThrow(`RavenPrometheus: 'props' must be the props object ({ release: ... }), got null. ${WHERE}`);
    expect(() => stack({ release: 'kps', extraScrapes: 'dcgm' })).toThrow(/'extraScrapes' must be a list of extra scrapes \(\{ name, port, \.\.\. \}\), got 'dcgm'\./);
  });

  test('GIVEN RavenCoreDns a deployment as a string THEN it names the factories', () => {
    expect(() => new RavenCoreDns(testChart(null), 'coredns', { corefile: Corefile.kubeadmDefault().toString(), deployment: 'kubeadm' as any })).toThrow(
      "RavenCoreDns: 'deployment' must be a CoreDnsDeployment (CoreDnsDeployment.fromManifest(...), CoreDnsDeployment.fromFile(...), "
      + "CoreDnsDeployment.kubeadm() or CoreDnsDeployment.none()), got 'kubeadm'. (in chart 'test', at test/coredns)");
  });

  test('GIVEN the CoreDNS edit a reload interval in milliseconds as a number THEN it asks for a Duration, through the stack too', () => {
    expect(() => stack({ release: 'kps', dns: DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString(), reloadInterval: 300 as any }) }))
      .toThrow(`RavenCoreDns: 'reloadInterval' must be a cdk8s Duration such as Duration.seconds(30), got 300. ${WHERE}`);
  });

  test('GIVEN an instance made by another copy of the library THEN the message says so', () => {
    // A class of the same name, as the other copy's DnsStrategy is.
    const otherCopy = class { public readonly kind = 'none'; };
    Object.defineProperty(otherCopy, 'name', { value: 'DnsStrategy' });
    expect(() => stack({ release: 'kps', dns: new otherCopy() })).toThrow(
      /'dns' must be a DnsStrategy \(.*\) of this copy of cdk8s-raven-prometheus, got a DnsStrategy\. It was made by another copy of the library loaded in the same app; make the app load one \(npm ls cdk8s-raven-prometheus\)\./);
  });

  test('GIVEN the right classes THEN nothing is refused', () => {
    expect(() => stack({ release: 'kps', dns: DnsStrategy.none(), nodes: NodeSelection.all(), scrapeInterval: Duration.seconds(30), rbac: false })).not.toThrow();
  });
});

describe('the single constructs check their props the same way', () => {
  const chart = () => new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'cluster-d', { namespace: 'monitoring' });

  test.each([
    ['NodeExporterScrape nodes', () => new NodeExporterScrape(chart(), 'ne', { nodes: 'edge' as any }),
      /^NodeExporterScrape: 'nodes' must be a NodeSelection \(.*\), got 'edge'\. \(in chart 'cluster-d', at cluster-d\/ne\)$/],
    ['KubeletScrape endpoints', () => new KubeletScrape(chart(), 'kubelet', { endpoints: ['cadvisor' as any] }),
      /^KubeletScrape: 'endpoints\[0\]' must be a KubeletEndpoint \(KubeletEndpoint\.METRICS, .*\), got 'cadvisor'\. \(in chart 'cluster-d', at cluster-d\/kubelet\)$/],
    ['KubeletScrape bearer token', () => new KubeletScrape(chart(), 'kubelet', { bearerToken: 'prometheus-sa-token' as any }),
      /^KubeletScrape: 'bearerToken' must be a BearerToken \(BearerToken\.fromServiceAccount\(\) or BearerToken\.fromSecret\(\.\.\.\)\), got 'prometheus-sa-token'\. \(in chart 'cluster-d', at cluster-d\/kubelet\)$/],
    ['EdgeNodeScrape relabeling action', () => new EdgeNodeScrape(chart(), 'dcgm', { port: 9400, metricRelabelings: [{ action: 'Drop' as any, sourceLabels: ['x'] }] }),
      /^EdgeNodeScrape: 'metricRelabelings\[0\]\.action' must be one of RelabelAction\.REPLACE \('replace'\), .*, got 'Drop'\./],
    ['RavenProxyDns ttl', () => new RavenProxyDns(chart(), 'dns', { clusterIp: '10.96.0.53', image: 'coredns:1', ttl: 30 as any }),
      /^RavenProxyDns: 'ttl' must be a cdk8s Duration such as Duration\.seconds\(30\), got 30\. \(in chart 'cluster-d', at cluster-d\/dns\)$/],
    ['ServiceAccountTokenSecret name', () => new ServiceAccountTokenSecret(chart(), 'token', { secretName: 'Token' }),
      /^ServiceAccountTokenSecret: 'secretName' must be an RFC 1123 subdomain .*\(in chart 'cluster-d', at cluster-d\/token\)$/],
  ])('GIVEN %s of the wrong kind THEN the construct\'s own error, with its chart', (_what, build, message) => {
    expect(build).toThrow(message);
  });

  test('GIVEN two single scrapes of one name in one chart THEN synthesis refuses them, naming both paths', () => {
    const c = chart();
    new NodeExporterScrape(c, 'a', { name: 'node-exporter' });
    new NodeExporterScrape(c, 'b', { name: 'node-exporter' });
    expect(() => Testing.synth(c)).toThrow(/ScrapeConfig monitoring\/node-exporter is written twice into the manifest of chart 'cluster-d': by cluster-d\/a and by cluster-d\/b\./);
  });
});

describe('every error names the chart it comes from', () => {
  test('GIVEN three cluster charts and a bad release in one THEN the error names that chart and the construct', () => {
    const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
    const build = (cluster: string, release: string) =>
      new RavenPrometheus(new Chart(app, cluster, { namespace: 'monitoring' }), 'raven', { release });
    build('cluster-a', 'kps');
    expect(() => build('cluster-b', 'KPS')).toThrow(/^RavenPrometheus: 'release' must be .*, got 'KPS'\..* \(in chart 'cluster-b', at cluster-b\/raven\)$/);
  });

  test.each([
    ['RavenGatewayPorts', (chart: Chart) => new RavenGatewayPorts(chart, 'gw', { gateway: {} })],
    ['PrometheusNodeRbac', (chart: Chart) => new PrometheusNodeRbac(chart, 'rbac', { serviceAccountName: 'Prometheus' })],
    ['RavenCoreDns', (chart: Chart) => new RavenCoreDns(chart, 'dns', { corefile: '' })],
  ])('GIVEN %s in a chart THEN its error ends with the chart and path', (_name, build) => {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'cluster-c', { namespace: 'monitoring' });
    expect(() => build(chart)).toThrow(/ \(in chart 'cluster-c', at cluster-c\/\w+\)$/);
  });

  test('GIVEN an error with its chart already named THEN it is not named twice', () => {
    const chart = testChart('monitoring');
    try {
      new RavenPrometheus(chart, 'raven', { release: 'kps', dns: DnsStrategy.editClusterCoreDns({ corefile: ' ' }) });
      throw new Error('not refused');
    } catch (e) {
      expect((e as Error).message.match(/in chart/g)).toHaveLength(1);
      expect((e as Error).stack).toContain((e as Error).message);
    }
  });

  test('GIVEN an error WHEN Node prints its stack (an uncaught error in cdk8s synth) THEN the chart is named once there too', () => {
    try {
      new RavenPrometheus(testChart('monitoring'), 'raven', { release: 'KPS' });
      throw new Error('not refused');
    } catch (e) {
      const header = (e as Error).stack!.split('\n    at ')[0];
      expect(header).toBe(`Error: ${(e as Error).message}`);
      expect(header.match(/in chart/g)).toHaveLength(1);
    }
  });
});

describe('a missing file says so, with the path it tried', () => {
  test('GIVEN CoreDnsDeployment.fromFile(\'nope.yaml\') THEN the message has the path given and the absolute one', () => {
    expect(() => CoreDnsDeployment.fromFile('nope.yaml')).toThrow(`CoreDnsDeployment.fromFile: cannot read 'nope.yaml' (looked for ${path.resolve('nope.yaml')}): no such file.`);
  });
});

describe('warnings reach the user at synth, once, as well as on the construct', () => {
  const aks = fs.readFileSync(path.join(__dirname, 'corefile', 'distributions', 'aks.Corefile'), 'utf8');

  test('GIVEN a Corefile with unchecked imports THEN the stack lists them, the construct tree holds them, and app.synth() prints each once', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-warn-'));
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const app = new App({ outdir });
      const raven = new RavenPrometheus(new Chart(app, 'cluster-a', { namespace: 'monitoring' }), 'raven', {
        release: 'kps', dns: DnsStrategy.editClusterCoreDns({ corefile: aks, deployment: CoreDnsDeployment.none() }), gateway: EXAMPLE_CLOUD_GATEWAY,
      });
      expect(raven.warnings).toEqual([expect.stringMatching(/custom\/\*\.override/)]);
      expect(raven.node.metadata.filter((m) => m.type === 'warning').map((m) => m.data)).toEqual(raven.warnings);
      app.synth();
      app.synth();
      expect(written.filter((w) => w.startsWith('Warning: '))).toEqual([`Warning: cluster-a/raven: ${raven.warnings[0]}\n`]);
    } finally {
      spy.mockRestore();
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('GIVEN no warning THEN nothing is printed', () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const chart = testChart('monitoring');
      const raven = new RavenPrometheus(chart, 'raven', {
        release: 'kps', dns: DnsStrategy.editClusterCoreDns({ corefile: Corefile.kubeadmDefault().toString() }), gateway: EXAMPLE_CLOUD_GATEWAY,
      });
      chart.toJson();
      expect(raven.warnings).toEqual([]);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
