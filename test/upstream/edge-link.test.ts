import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EdgeSite } from './support/edge-link';
import { NetworkNamespace, printed } from './support/netns';

/**
 * The lab's edge link (upstream/edge-link, test/upstream/support/edge-link.ts) on real traffic:
 * TCP between a client in the cloud namespace and an HTTP server on an edge node's address in the
 * edge site's namespace, every frame through the emulated uplink.
 *
 * Needs root (network namespaces, TAP devices) and Go (the toolchain builds the emulator).
 */

const NODE = '192.168.201.11';
const PORT = 8080;
const MB = 1_000_000;

/** Answers `/bytes/<n>` with n bytes (Content-Length set); prints `ready`. */
const SERVER = 'require("http").createServer((q, s) => {'
  + ' const n = Number(q.url.split("/")[2] ?? 0); s.writeHead(200, { "Content-Length": n }); s.end(Buffer.alloc(n, 120)); })'
  + '.listen(Number(process.argv[2]), process.argv[1], () => console.log("ready"));';

/**
 * From the cloud namespace: `connect HOST PORT COUNT` prints each TCP connect's time in ms;
 * `get URL TIMEOUT_MS` prints the status, body bytes and time of one GET on a new connection.
 */
const CLIENT = 'const [mode, a, b, c] = process.argv.slice(1);'
  + 'if (mode === "connect") { const net = require("net"); const times = [];'
  + ' const one = () => { const t = process.hrtime.bigint(); const s = net.connect(Number(b), a, () => {'
  + '  times.push(Number(process.hrtime.bigint() - t) / 1e6); s.destroy();'
  + '  if (times.length < Number(c)) setTimeout(one, 50); else console.log(JSON.stringify(times)); }); };'
  + ' one(); }'
  + 'else { const t = process.hrtime.bigint(); let bytes = 0;'
  + ' const req = require("http").get(a, { agent: false, timeout: Number(b) }, (r) => { r.on("data", (d) => { bytes += d.length; });'
  + '  r.on("end", () => console.log(JSON.stringify({ status: r.statusCode, bytes, ms: Number(process.hrtime.bigint() - t) / 1e6 }))); });'
  + ' req.on("timeout", () => req.destroy(new Error("timeout")));'
  + ' req.on("error", (e) => console.log(JSON.stringify({ error: String(e.message), ms: Number(process.hrtime.bigint() - t) / 1e6 }))); }';

interface Got { status?: number; bytes?: number; ms: number; error?: string }

let cloud: NetworkNamespace;
let site: EdgeSite;

function connectTimes(count: number): number[] {
  const result = cloud.run(process.execPath, ['-e', CLIENT, 'connect', NODE, String(PORT), String(count)], 60_000);
  return JSON.parse(result.stdout);
}

function get(bytes: number, timeoutMs: number = 60_000): Got {
  const result = cloud.run(process.execPath, ['-e', CLIENT, 'get', `http://${NODE}:${PORT}/bytes/${bytes}`, String(timeoutMs)], timeoutMs + 10_000);
  return JSON.parse(result.stdout);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/** TCP segments the edge namespace has retransmitted (its /proc/net/snmp, read from inside). */
function edgeRetransmissions(): number {
  const snmp = site.namespace.run('/bin/cat', ['/proc/net/snmp'], 5_000).stdout.split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = snmp[0].split(/\s+/);
  const values = snmp[1].split(/\s+/);
  return Number(values[names.indexOf('RetransSegs')]);
}

beforeAll(async () => {
  NetworkNamespace.checkPrerequisites();
  cloud = new NetworkNamespace('el-cloud');
  cloud.create([], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.1\n' });
  site = await EdgeSite.create(cloud, { name: 'el-site1', index: 1, nodeAddresses: [NODE] });
  await site.namespace.start('server', process.execPath, ['-e', SERVER, NODE, String(PORT)], printed('ready'));
}, 120_000);

afterAll(async () => {
  await site?.destroy();
  await cloud?.destroy();
});

afterEach(async () => {
  await site.restore();
  await site.setLink({ downlink: {}, uplink: {} });
});

describe('the edge link', () => {
  test('GIVEN no delay WHEN the cloud connects to the edge node THEN it connects in a few milliseconds', () => {
    const times = connectTimes(6);
    process.stderr.write(`edge link, no delay: TCP connect ${times.map((t) => t.toFixed(1)).join(', ')} ms\n`);
    expect(median(times.slice(1))).toBeLessThan(20);
  });

  test('GIVEN 150 ms each way WHEN the cloud opens TCP connections THEN each takes one round trip of 300 ms (within 40 ms, for a busy machine)', async () => {
    await site.setLink({ downlink: { delayMs: 150 }, uplink: { delayMs: 150 } });
    // The first connection may wait for ARP (one more round trip): left out.
    const times = connectTimes(6).slice(1);
    process.stderr.write(`edge link, 150 ms each way: TCP connect ${times.map((t) => t.toFixed(1)).join(', ')} ms\n`);
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(300);
      expect(t).toBeLessThan(340);
    }
  }, 60_000);

  test('GIVEN 100 ± 40 ms each way WHEN the cloud opens TCP connections THEN the round trips spread between 120 and 280 ms around 200 ms', async () => {
    await site.setLink({ downlink: { delayMs: 100, jitterMs: 40 }, uplink: { delayMs: 100, jitterMs: 40 } });
    const times = connectTimes(21).slice(1);
    process.stderr.write(`edge link, 100 ± 40 ms each way: TCP connect min ${Math.min(...times).toFixed(1)}, median ${median(times).toFixed(1)}, max ${Math.max(...times).toFixed(1)} ms\n`);
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(120);
      expect(t).toBeLessThan(290);
    }
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(10);
    expect(median(times)).toBeGreaterThan(160);
    expect(median(times)).toBeLessThan(240);
  }, 60_000);

  test('GIVEN an uplink of 2 Mbit/s WHEN the cloud downloads 1 MB from the edge node THEN it takes the frames\' bytes at 2 Mbit/s (about 4.2 s), no less, at most 0.7 s more', async () => {
    await site.setLink({ uplink: { rateBitsPerSecond: 2_000_000 } });
    const before = await site.counters();
    const cpuBefore = site.emulatorCpuSeconds();
    const got = get(MB);
    const cpu = site.emulatorCpuSeconds() - cpuBefore;
    const after = await site.counters();
    expect(got).toMatchObject({ status: 200, bytes: MB });
    const wireBytes = after.uplink.bytesOut - before.uplink.bytesOut;
    const floorMs = (wireBytes * 8 / 2_000_000) * 1000;
    expect(floorMs).toBeGreaterThan(4000);
    expect(got.ms).toBeGreaterThanOrEqual(floorMs - 50);
    expect(got.ms).toBeLessThan(floorMs + 700);
    process.stderr.write(`edge link at 2 Mbit/s: 1 MB body, ${wireBytes} bytes on the wire in ${got.ms.toFixed(0)} ms `
      + `(${(wireBytes * 8 / got.ms / 1000).toFixed(3)} Mbit/s); emulator CPU ${cpu.toFixed(2)} s\n`);
  }, 60_000);

  test('GIVEN no limit WHEN the cloud downloads 1 MB THEN the uplink counted the body plus at most 5% and 8 KiB of headers, the downlink the requests and acknowledgements', async () => {
    const before = await site.counters();
    const got = get(MB);
    const after = await site.counters();
    expect(got).toMatchObject({ status: 200, bytes: MB });
    const up = after.uplink.bytesOut - before.uplink.bytesOut;
    const down = after.downlink.bytesOut - before.downlink.bytesOut;
    // Ethernet 14 + IPv4 20 + TCP 32 (with timestamps) = 66 bytes per segment of at most 1448: 4.6%.
    expect(up).toBeGreaterThanOrEqual(MB);
    expect(up).toBeLessThan(MB * 1.05 + 8192);
    expect(down).toBeGreaterThan(0);
    expect(down).toBeLessThan(up / 10);
    // Nothing dropped: what went in came out.
    expect(after.uplink.framesOut - before.uplink.framesOut).toBe(after.uplink.framesIn - before.uplink.framesIn);
    expect(after.uplink.bytesOut - before.uplink.bytesOut).toBe(after.uplink.bytesIn - before.uplink.bytesIn);
  }, 60_000);

  test('GIVEN no limit WHEN the cloud downloads as fast as it can THEN the link carries well over 50 Mbit/s', async () => {
    const cpuBefore = site.emulatorCpuSeconds();
    const got = get(20 * MB);
    const cpu = site.emulatorCpuSeconds() - cpuBefore;
    expect(got).toMatchObject({ status: 200, bytes: 20 * MB });
    const mbits = 20 * MB * 8 / got.ms / 1000;
    expect(mbits).toBeGreaterThan(50);
    process.stderr.write(`edge link at full speed: 20 MB in ${got.ms.toFixed(0)} ms (${mbits.toFixed(0)} Mbit/s of body); emulator CPU ${cpu.toFixed(2)} s\n`);
  }, 60_000);

  test('GIVEN 1% loss each way WHEN the cloud downloads 2 MB THEN frames are lost, the edge retransmits, and the body arrives whole', async () => {
    await site.setLink({ downlink: { loss: 0.01 }, uplink: { loss: 0.01 } });
    const before = await site.counters();
    const retransmitted = edgeRetransmissions();
    const got = get(2 * MB);
    const after = await site.counters();
    expect(got).toMatchObject({ status: 200, bytes: 2 * MB });
    const lost = after.uplink.droppedLoss - before.uplink.droppedLoss;
    const frames = after.uplink.framesIn - before.uplink.framesIn;
    expect(lost).toBeGreaterThan(0);
    // 1% of about 1,450 frames: 14 expected; 0.2% to 3% is far outside chance.
    expect(lost / frames).toBeGreaterThan(0.002);
    expect(lost / frames).toBeLessThan(0.03);
    expect(edgeRetransmissions() - retransmitted).toBeGreaterThan(0);
  }, 60_000);

  test('GIVEN a cut link WHEN the cloud requests THEN nothing crosses; restored, the same request succeeds', async () => {
    expect(get(1000)).toMatchObject({ status: 200, bytes: 1000 });
    await site.cut();
    expect((await site.link()).cut).toBe(true);
    const before = await site.counters();
    const got = get(1000, 2_000);
    const after = await site.counters();
    expect(got.error).toMatch(/timeout/);
    expect(after.downlink.bytesOut).toBe(before.downlink.bytesOut);
    expect(after.uplink.bytesOut).toBe(before.uplink.bytesOut);
    expect(after.downlink.droppedCut).toBeGreaterThan(before.downlink.droppedCut);

    await site.restore();
    expect((await site.link()).cut).toBe(false);
    expect(get(1000)).toMatchObject({ status: 200, bytes: 1000 });
  }, 60_000);

  test('GIVEN parameters set at run time WHEN they are read back THEN they are what was set, a direction left out unchanged', async () => {
    await site.setLink({ downlink: { delayMs: 20, rateBitsPerSecond: 1_000_000, queueBytes: 64_000 } });
    await site.setLink({ uplink: { loss: 0.5, jitterMs: 3 } });
    expect(await site.link()).toEqual({
      downlink: { delayMs: 20, jitterMs: 0, loss: 0, rateBitsPerSecond: 1_000_000, queueBytes: 64_000 },
      uplink: { delayMs: 0, jitterMs: 3, loss: 0.5, rateBitsPerSecond: 0, queueBytes: 0 },
      cut: false,
    });
  });

  test('GIVEN a loss above 1 WHEN it is set THEN the link refuses it and says what is allowed', async () => {
    await expect(site.setLink({ uplink: { loss: 1.5 } })).rejects.toThrow(/loss is a probability between 0 and 1, got 1.5/);
  });
});

describe('the emulator\'s scheduler', () => {
  test('its own Go tests pass: delay, rate, tail drop, order under jitter, loss share, cut, refused parameters', () => {
    const result = spawnSync('go', ['test', '-count=1', './...'], {
      cwd: path.join(__dirname, '..', '..', 'upstream', 'edge-link'),
      encoding: 'utf8',
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' },
      timeout: 120_000,
    });
    expect(`${result.stdout}${result.stderr}`).toMatch(/^ok\s+cdk8s-raven-prometheus\/upstream\/edge-link/m);
    expect(result.status).toBe(0);
  }, 150_000);
});

describe('edge sites', () => {
  test('GIVEN a name too long for the device names WHEN a site is created THEN it is refused', async () => {
    await expect(EdgeSite.create(cloud, { name: 'el-far-too-long', index: 2, nodeAddresses: [] })).rejects.toThrow(/at most 15/);
  });

  test('GIVEN a loopback node address WHEN a site is created THEN it is refused', async () => {
    await expect(EdgeSite.create(cloud, { name: 'el-bad', index: 2, nodeAddresses: ['127.0.0.20'] })).rejects.toThrow(/outside 127\.0\.0\.0\/8/);
  });

  test('GIVEN a site WHEN it is destroyed THEN its namespace, devices, routes, process and files are gone', async () => {
    const other = await EdgeSite.create(cloud, { name: 'el-site2', index: 2, nodeAddresses: ['192.168.202.11'] });
    const pid = other.emulatorPid;
    const dir = other.namespace.dir;
    expect(spawnSync('ip', ['-n', 'el-cloud', 'route', 'get', '192.168.202.11'], { encoding: 'utf8' }).stdout).toContain('el-site2-c');

    await other.destroy();

    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toMatch(/^el-site2\b/m);
    expect(spawnSync('ip', ['-n', 'el-cloud', 'link', 'show'], { encoding: 'utf8' }).stdout).not.toContain('el-site2');
    expect(spawnSync('ip', ['-n', 'el-cloud', 'route', 'show'], { encoding: 'utf8' }).stdout).not.toContain('192.168.202.11');
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync('/etc/netns/el-site2')).toBe(false);
    // The site that stays still works.
    expect(get(1000)).toMatchObject({ status: 200, bytes: 1000 });
  }, 60_000);
});
