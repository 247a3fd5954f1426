import { CoreDns, CoreDnsOptions, startCoreDns, TunnelNodesVolume } from './support/coredns';
import { addresses, CLOUD_NODE, DEFAULT_LISTENER, DnsLab, EDGE_NODE, probePickup, reverseName, UPSTREAMS } from './support/coredns-corpus';
import { DnsMessage, DnsOutcome, summary } from './support/dns';
import { waitFor } from './support/netns';
import { Corefile } from '../../src/corefile';

/**
 * The options of the tunnel-nodes hosts block, measured in real CoreDNS v1.14.7 on kubeadm's
 * Corefile: what reverse lookups of the proxy address return with many nodes (and with
 * `no_reverse`), what `reload 0` does when the file appears after CoreDNS started (the optional
 * ConfigMap volume), what a block without `fallthrough` answers, and how long a removed node stays
 * answered from the `cache` plugin.
 *
 * Needs root; see coredns-corpus.test.ts for how CoreDNS runs here.
 */

const KUBEADM = Corefile.kubeadmDefault().toString();
const NODES = 500;

let lab: DnsLab;
const started = Date.now();
const running: CoreDns[] = [];

beforeAll(async () => {
  lab = await DnsLab.start('dnshosts', 1);
}, 120_000);

afterAll(async () => {
  await lab?.destroy();
  // eslint-disable-next-line no-console
  console.log(`coredns-hosts-block: the file took ${Date.now() - started} ms`);
}, 60_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

async function start(label: string, corefile: string, volume: TunnelNodesVolume, more: Partial<CoreDnsOptions> = {}): Promise<CoreDns> {
  const options: CoreDnsOptions = { label, corefile, tunnelNodes: volume, cluster: lab.cluster, ...more };
  const dns = await startCoreDns(lab.cells[0].ns, options);
  running.push(dns);
  return dns;
}

function ask(name: string, type: string, extra: { transport?: 'udp' | 'tcp'; udpSize?: number } = {}): Promise<DnsOutcome> {
  return lab.cells[0].agent.ask({ name, type, ...DEFAULT_LISTENER, ...extra });
}

function message(outcome: DnsOutcome): DnsMessage {
  if ('error' in outcome) throw new Error(outcome.error);
  return outcome.message;
}

function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `edge-node-${String(i).padStart(3, '0')}`);
}

describe('reverse lookups of the proxy address', () => {
  test(`GIVEN ${NODES} nodes and a block without no_reverse (the recipe's) WHEN the proxy IP is looked up in reverse THEN every node name comes back, truncated over UDP, and never the Service's name`, async () => {
    const volume = lab.volume(lab.cells[0]);
    volume.write(lab.tunnelNodes(...nodeNames(NODES)));
    await start('ptr-recipe', Corefile.parse(KUBEADM).addTunnelHosts({ reverseLookups: true }).corefile.toString(), volume);
    const ptr = reverseName(lab.proxyIp);
    const rows: string[] = [];
    const measured: { [how: string]: DnsMessage } = {};
    for (const [how, extra] of [
      ['UDP, no EDNS0 (512 bytes)', {}],
      ['UDP, EDNS0 1232 bytes', { udpSize: 1232 }],
      ['UDP, EDNS0 4096 bytes', { udpSize: 4096 }],
      ['TCP', { transport: 'tcp' }],
    ] as const) {
      const m = message(await ask(ptr, 'PTR', extra));
      measured[how] = m;
      rows.push(`  ${how}: ${m.answers.length} PTR records, ${m.size} bytes${m.tc ? ', truncated (TC)' : ''}`);
    }
    // eslint-disable-next-line no-console
    console.log(`PTR ${ptr} with ${NODES} nodes in tunnel-nodes, block without no_reverse:\n${rows.join('\n')}`);

    const tcp = measured.TCP;
    expect(tcp.tc).toBe(false);
    expect(tcp.answers.map((r) => r.data).sort()).toEqual(nodeNames(NODES).map((n) => `${n}.`));
    expect(tcp.size).toBeGreaterThan(20_000);
    for (const how of ['UDP, no EDNS0 (512 bytes)', 'UDP, EDNS0 1232 bytes', 'UDP, EDNS0 4096 bytes']) {
      expect(measured[how].tc).toBe(true);
      expect(measured[how].answers.length).toBeLessThan(NODES);
    }
    expect(measured['UDP, no EDNS0 (512 bytes)'].size).toBeLessThanOrEqual(512);
    expect(tcp.answers.some((r) => r.data.startsWith('x-raven-proxy-internal-svc.'))).toBe(false);
  }, 60_000);

  test(`GIVEN ${NODES} nodes and the library's block (no_reverse) WHEN the proxy IP is looked up in reverse THEN the kubernetes plugin answers the Service's own name, as without the edit`, async () => {
    const volume = lab.volume(lab.cells[0]);
    volume.write(lab.tunnelNodes(...nodeNames(NODES)));
    const ptr = reverseName(lab.proxyIp);
    const before = await start('ptr-unedited', KUBEADM, volume);
    const unedited = summary(await ask(ptr, 'PTR'));
    await before.stop();
    await start('ptr-library', Corefile.parse(KUBEADM).addTunnelHosts().corefile.toString(), volume);
    const edited = message(await ask(ptr, 'PTR'));
    expect(edited.tc).toBe(false);
    expect(edited.answers.map((r) => r.data)).toEqual(['x-raven-proxy-internal-svc.kube-system.svc.cluster.local.']);
    expect(summary({ message: edited })).toBe(unedited);
    // The forward lookups are unchanged by no_reverse.
    expect(addresses(await ask('edge-node-499', 'A'))).toEqual([lab.proxyIp]);
  }, 60_000);
});

describe('reload 0 with the optional tunnel-nodes volume', () => {
  test('GIVEN reload 0 and CoreDNS started before the ConfigMap exists WHEN the file appears THEN no node name is ever answered until CoreDNS restarts', async () => {
    const corefile = Corefile.parse(KUBEADM).addTunnelHosts({ reloadInterval: '0' }).corefile.toString();
    expect(corefile).toContain('reload 0\n');
    const volume = lab.volume(lab.cells[0]);
    const first = await start('reload-0', corefile, volume);
    expect(first.output).toContain('[WARNING] plugin/hosts: File does not exist: /etc/edge/tunnel-nodes');
    // New names every 50 ms for 2 s: more than six times the library's default interval.
    const pickup = await probePickup(lab, lab.cells[0], DEFAULT_LISTENER, volume, [EDGE_NODE, CLOUD_NODE], 'never', { stepMs: 50, count: 40 });
    expect(pickup.latencyMs).toBeUndefined();
    expect(pickup.probes[39].atMs).toBeGreaterThanOrEqual(1_900);
    await first.stop();
    await start('reload-0-restarted', corefile, volume);
    expect(addresses(await ask(EDGE_NODE, 'A'))).toEqual([lab.proxyIp]);
  }, 60_000);

  test('GIVEN reload 0 and the file present at start WHEN a node joins THEN it is not answered', async () => {
    const volume = lab.volume(lab.cells[0]);
    volume.write(lab.tunnelNodes(EDGE_NODE));
    await start('reload-0-present', Corefile.parse(KUBEADM).addTunnelHosts({ reloadInterval: '0' }).corefile.toString(), volume);
    expect(addresses(await ask(EDGE_NODE, 'A'))).toEqual([lab.proxyIp]);
    const pickup = await probePickup(lab, lab.cells[0], DEFAULT_LISTENER, volume, [EDGE_NODE], 'joined', { stepMs: 50, count: 40 });
    expect(pickup.latencyMs).toBeUndefined();
  }, 60_000);
});

describe('a hosts block without fallthrough for every zone', () => {
  test('GIVEN the tunnel-nodes block without fallthrough WHEN names outside the file are asked THEN CoreDNS answers SERVFAIL, not NXDOMAIN, even for Services', async () => {
    const volume = lab.volume(lab.cells[0]);
    volume.write(lab.tunnelNodes(EDGE_NODE));
    const corefile = KUBEADM.replace('    kubernetes ', '    hosts /etc/edge/tunnel-nodes {\n        reload 300ms\n    }\n    kubernetes ');
    await start('no-fallthrough', corefile, volume);
    expect(addresses(await ask(EDGE_NODE, 'A'))).toEqual([lab.proxyIp]);
    expect(message(await ask('example.com', 'A')).rcode).toBe('SERVFAIL');
    expect(message(await ask('nope.example.com', 'A')).rcode).toBe('SERVFAIL');
    expect(message(await ask('web.default.svc.cluster.local', 'A')).rcode).toBe('SERVFAIL');
  }, 60_000);

  test('GIVEN fallthrough for cluster.local only (which the library refuses) WHEN an outside name is asked THEN CoreDNS answers SERVFAIL', async () => {
    expect(() => Corefile.parse(KUBEADM).addTunnelHosts({ fallthroughZones: ['cluster.local'] })).toThrow(/would be answered SERVFAIL/);
    const volume = lab.volume(lab.cells[0]);
    volume.write(lab.tunnelNodes(EDGE_NODE));
    const corefile = KUBEADM.replace('    kubernetes ', '    hosts /etc/edge/tunnel-nodes {\n        reload 300ms\n        fallthrough cluster.local\n    }\n    kubernetes ');
    await start('fallthrough-cluster-local', corefile, volume);
    expect(addresses(await ask('web.default.svc.cluster.local', 'A'))).toEqual([lab.webIp]);
    expect(message(await ask('example.com', 'A')).rcode).toBe('SERVFAIL');
  }, 60_000);
});

describe('a node removed from the file, with kubeadm\'s cache', () => {
  test('GIVEN a node asked once WHEN its line is removed THEN cache 30 keeps answering it, for at most 30 s', async () => {
    const volume = lab.volume(lab.cells[0]);
    volume.write(lab.tunnelNodes(EDGE_NODE, CLOUD_NODE));
    await start('removed-node', Corefile.parse(KUBEADM).addTunnelHosts().corefile.toString(), volume);
    expect(addresses(await ask(EDGE_NODE, 'A'))).toEqual([lab.proxyIp]);
    volume.write(lab.tunnelNodes(CLOUD_NODE));
    // Well past the reload interval: the hosts plugin no longer has the name, the cache still does.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const cached = message(await ask(EDGE_NODE, 'A'));
    expect(cached.answers.map((r) => r.data)).toEqual([lab.proxyIp]);
    expect(cached.answers[0].ttl).toBeLessThanOrEqual(30);
    expect(cached.answers[0].ttl).toBeGreaterThan(0);
    // A name never asked before shows the file itself changed.
    const pickup = await probePickup(lab, lab.cells[0], DEFAULT_LISTENER, volume, [CLOUD_NODE], 'after-removal', { count: 4 });
    expect(pickup.latencyMs).toBeDefined();
  }, 60_000);
});

describe('CoreDNS\'s own resolv.conf', () => {
  afterEach(() => lab.cells[0].ns.writeEtc('resolv.conf', `nameserver ${UPSTREAMS[0]}\n`));

  test('GIVEN the namespace\'s resolv.conf names CoreDNS itself WHEN CoreDNS reads it THEN the loop plugin stops CoreDNS', async () => {
    lab.cells[0].ns.writeEtc('resolv.conf', 'nameserver 127.0.0.1\n');
    const volume = lab.volume(lab.cells[0]);
    const dns = await start('resolv-self', Corefile.parse(KUBEADM).addTunnelHosts().corefile.toString(), volume);
    await waitFor('CoreDNS to stop on the loop', 10_000, () => (dns.running ? undefined : true));
    expect(dns.output).toMatch(/\[FATAL\] plugin\/loop: Loop .* detected for zone "\."/);
  }, 30_000);

  test('GIVEN the namespace\'s resolv.conf names CoreDNS itself WHEN CoreDNS gets its own (a pod with dnsPolicy Default) THEN it forwards upstream', async () => {
    lab.cells[0].ns.writeEtc('resolv.conf', 'nameserver 127.0.0.1\n');
    const volume = lab.volume(lab.cells[0]);
    volume.write(lab.tunnelNodes(EDGE_NODE));
    const dns = await start('resolv-own', Corefile.parse(KUBEADM).addTunnelHosts().corefile.toString(), volume, { resolvConf: `nameserver ${UPSTREAMS[0]}\n` });
    expect(addresses(await ask('example.com', 'A'))).toEqual(['192.0.2.80']);
    expect(addresses(await ask(EDGE_NODE, 'A'))).toEqual([lab.proxyIp]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(dns.running).toBe(true);
  }, 30_000);
});
