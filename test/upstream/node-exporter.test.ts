import { EdgeSite } from './support/edge-link';
import { NetworkNamespace, waitFor } from './support/netns';
import { NODE_EXPORTER_APP_VERSION } from './support/stock-monitoring';
import { upstreamProgram } from '../support/upstream';

/**
 * node-exporter as the toolchain builds it (github.com/prometheus/node_exporter, CGO off), with its
 * default collectors, run as root on an edge site's network namespace and scraped from the cloud
 * namespace across the emulated uplink, as Prometheus scrapes an edge node.
 *
 * Needs root and Go.
 */

const NODE = '192.168.211.11';

let cloud: NetworkNamespace;
let site: EdgeSite;
let metrics: string;

beforeAll(async () => {
  NetworkNamespace.checkPrerequisites();
  cloud = new NetworkNamespace('el-ne-cloud');
  cloud.create([], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.1\n' });
  site = await EdgeSite.create(cloud, { name: 'el-ne-site', index: 11, nodeAddresses: [NODE] });
  await site.namespace.start('node-exporter', upstreamProgram('node-exporter'), [`--web.listen-address=${NODE}:9100`], async () => {
    await waitFor('node-exporter to answer', 15_000, () => (cloud.fetch(`http://${NODE}:9100/metrics`).status === 200 ? true : undefined));
  });
  const scraped = cloud.fetch(`http://${NODE}:9100/metrics`);
  expect(scraped.status).toBe(200);
  metrics = scraped.body ?? '';
}, 120_000);

afterAll(async () => {
  await site?.destroy();
  await cloud?.destroy();
});

/** One GET of /metrics from the cloud namespace asking for `encoding`: the bytes of the body as sent (not decoded). */
function scrape(encoding: string): { status: number; bytes: number; encoding?: string } {
  const script = 'require("http").get(process.argv[1], { agent: false, headers: { "Accept-Encoding": process.argv[2] } }, (r) => {'
    + ' let bytes = 0; r.on("data", (d) => { bytes += d.length; });'
    + ' r.on("end", () => console.log(JSON.stringify({ status: r.statusCode, bytes, encoding: r.headers["content-encoding"] }))); });';
  return JSON.parse(cloud.run(process.execPath, ['-e', script, `http://${NODE}:9100/metrics`, encoding], 15_000).stdout);
}

/** The value of a sample, by its exact name and labels. */
function sample(series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('node-exporter built from its Go module', () => {
  test('it is the version kube-prometheus-stack\'s node-exporter chart deploys', () => {
    expect(metrics).toMatch(new RegExp(`^node_exporter_build_info\\{.*version="${NODE_EXPORTER_APP_VERSION.replace(/\./g, '\\.')}".*\\} 1$`, 'm'));
  });

  test.each(['cpu', 'diskstats', 'filesystem', 'loadavg', 'meminfo', 'netdev', 'stat', 'time', 'uname', 'vmstat'])(
    'its default collector %s succeeds in a network namespace, as root, without cgo', (collector) => {
      expect(sample(`node_scrape_collector_success{collector="${collector}"}`)).toBe(1);
    });

  test('the edge namespace\'s own devices are what netdev reports', () => {
    expect(metrics).toMatch(/^node_network_receive_bytes_total\{device="el-ne-site-e"\} \d+/m);
    expect(metrics).not.toMatch(/device="el-ne-site-c"/);
  });

  test.each([
    ['uncompressed', 'identity'],
    ['gzip-compressed, as Prometheus asks for it', 'gzip'],
  ])('a scrape, %s, crosses the uplink as its body and the TCP/IP overhead, counted on the link', async (_, encoding) => {
    const before = await site.counters();
    const got = scrape(encoding);
    const after = await site.counters();
    expect(got.status).toBe(200);
    expect(got.encoding ?? 'identity').toBe(encoding);
    const up = after.uplink.bytesOut - before.uplink.bytesOut;
    const down = after.downlink.bytesOut - before.downlink.bytesOut;
    expect(up).toBeGreaterThan(got.bytes);
    expect(up).toBeLessThan(got.bytes * 1.1 + 8192);
    process.stderr.write(`node-exporter default collectors, ${encoding}: ${got.bytes} bytes of body, ${up} bytes up and ${down} bytes down on the link for one scrape\n`);
  });
});
