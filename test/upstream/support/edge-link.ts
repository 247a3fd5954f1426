import { ChildProcess, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { NetworkNamespace, printed } from './netns';
import { upstreamProgram } from '../../support/upstream';

/**
 * An edge site for the lab: a network namespace of its own (the site's network, where its edge
 * nodes' addresses live) joined to the lab's namespace (the cloud side) by an emulated uplink that
 * every packet between the two crosses. One namespace per site, not per node: the nodes of a site
 * share its uplink (a 4G router, a satellite terminal), as in the field; a site with one node is
 * a node with its own uplink.
 *
 *   cloud namespace (the lab's)                          edge namespace (`name`)
 *   lo: the lab's addresses                              lo: nodeAddresses (/32)
 *   <name>-c 100.64.<index>.1/30  ==== edge-link ====   <name>-e 100.64.<index>.2/30
 *   route nodeAddresses via 100.64.<index>.2             default via 100.64.<index>.1
 *
 * The link is `upstream/edge-link/` (a test helper built by the toolchain): it creates both TAP
 * devices in the cloud namespace, where it runs as a process of the lab, and the edge one is then
 * moved into the edge namespace (its descriptor keeps working there). It forwards Ethernet frames
 * with a delay, jitter, loss and a rate per direction, and counts what crosses. Only traffic for
 * the node addresses is routed over the link in the cloud namespace; a connection the cloud opens
 * to a node leaves from 100.64.<index>.1. The lab's own services listen on 127.0.0.0/8, which
 * Linux never routes off a host: the edge side reaches only non-loopback addresses of the cloud
 * namespace. IPv6 is off on both devices, so no neighbour discovery adds to the counters; ARP does
 * (a request and a reply now and then, 42 bytes each).
 *
 * Directions: `downlink` is cloud → edge (the scrape requests), `uplink` is edge → cloud (the
 * scraped metrics), as an edge site's contract names them.
 */

/** One direction's emulated link. Every field defaults to 0: no delay, no jitter, no loss, no rate limit. */
export interface LinkParameters {
  /** One-way delay added to every frame, in ms (0 to 60000). */
  readonly delayMs?: number;
  /** Delay variation, ± this many ms around `delayMs`; frames keep their order (see upstream/edge-link/main.go). */
  readonly jitterMs?: number;
  /** The probability (0 to 1) that a frame is lost, independently of every other. */
  readonly loss?: number;
  /** The link's rate in bit/s (Ethernet frame bytes); 0 is unlimited. */
  readonly rateBitsPerSecond?: number;
  /** With a rate: the backlog in bytes beyond which frames are dropped (tail drop); 0 is the emulator's default, 256 KiB. */
  readonly queueBytes?: number;
}

/** Both directions' parameters; a direction left out is not changed. */
export interface EdgeLinkSettings {
  /** Cloud → edge. */
  readonly downlink?: LinkParameters;
  /** Edge → cloud. */
  readonly uplink?: LinkParameters;
}

/** The link's state as the emulator reports it. */
export interface EdgeLinkState {
  readonly downlink: Required<LinkParameters>;
  readonly uplink: Required<LinkParameters>;
  /** True while the link is cut. */
  readonly cut: boolean;
}

/** One direction's counts since the link started; bytes are Ethernet frame bytes (header and payload, no FCS). */
export interface DirectionCounters {
  /** Frames and bytes that entered the link. */
  readonly framesIn: number;
  readonly bytesIn: number;
  /** Frames and bytes that left it at the far end: what crossed. */
  readonly framesOut: number;
  readonly bytesOut: number;
  /** Frames dropped because the link was cut, by random loss, by a full queue, or refused by a device that was down. */
  readonly droppedCut: number;
  readonly droppedLoss: number;
  readonly droppedQueue: number;
  readonly droppedWriteError: number;
}

/** Both directions' counters. */
export interface EdgeLinkCounters {
  readonly downlink: DirectionCounters;
  readonly uplink: DirectionCounters;
}

/** What makes an edge site. */
export interface EdgeSiteOptions {
  /**
   * The edge namespace's name, also the prefix of the two devices (`<name>-c`, `<name>-e`):
   * at most 13 characters, letters, digits and `-`. Unique on the machine.
   */
  readonly name: string;
  /** 1 to 254: the link's subnet is 100.64.<index>.0/30. Unique among the sites of one lab. */
  readonly index: number;
  /** The edge nodes' addresses (IPv4), on the edge namespace's loopback and routed over the link. */
  readonly nodeAddresses: readonly string[];
  /** The link's parameters from the start. @default no delay, loss or rate limit */
  readonly link?: EdgeLinkSettings;
  /** The edge namespace's /etc/hosts. @default localhost only */
  readonly hosts?: string;
  /** The edge namespace's /etc/resolv.conf. @default nameserver 127.0.0.1 */
  readonly resolvConf?: string;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,12}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** An edge site: its namespace, the emulated uplink to the lab's namespace, the link's control. */
export class EdgeSite {
  /**
   * Creates the edge namespace, starts the link in the cloud namespace, moves the edge device
   * across, sets addresses and routes; resolves when a frame can cross.
   */
  public static async create(cloud: NetworkNamespace, options: EdgeSiteOptions): Promise<EdgeSite> {
    if (!NAME.test(options.name)) {
      throw new Error(`EdgeSite: 'name' must be 1 to 13 lowercase letters, digits or '-' (the device names add 2 characters to it, a device name has at most 15), got '${options.name}'`);
    }
    if (!Number.isInteger(options.index) || options.index < 1 || options.index > 254) {
      throw new Error(`EdgeSite: 'index' must be an integer between 1 and 254 (the link's subnet is 100.64.<index>.0/30), got ${options.index}`);
    }
    for (const address of options.nodeAddresses) {
      if (!IPV4.test(address) || address.startsWith('127.') || address.startsWith('100.64.')) {
        throw new Error(`EdgeSite: node address '${address}' must be an IPv4 address outside 127.0.0.0/8 (never routed off a host) and 100.64.0.0/16 (the links)`);
      }
    }
    const edge = new NetworkNamespace(options.name);
    const site = new EdgeSite(cloud, edge, options);
    try {
      await site.setUp(options);
    } catch (e) {
      await site.destroy();
      throw e;
    }
    return site;
  }

  /** The edge namespace: start the edge node's programs in it (`site.namespace.start(...)`). */
  public readonly namespace: NetworkNamespace;
  /** The cloud side's address on the link (the source of connections the cloud opens to a node). */
  public readonly cloudAddress: string;
  /** The edge side's address on the link. */
  public readonly edgeAddress: string;
  /** The edge nodes' addresses. */
  public readonly nodeAddresses: readonly string[];
  /** The cloud device's name (in the cloud namespace) and the edge device's (in the edge namespace). */
  public readonly cloudDevice: string;
  public readonly edgeDevice: string;
  private readonly cloud: NetworkNamespace;
  private readonly controlSocket: string;
  private emulator: ChildProcess | undefined;

  private constructor(cloud: NetworkNamespace, edge: NetworkNamespace, options: EdgeSiteOptions) {
    this.cloud = cloud;
    this.namespace = edge;
    this.cloudAddress = `100.64.${options.index}.1`;
    this.edgeAddress = `100.64.${options.index}.2`;
    this.nodeAddresses = [...options.nodeAddresses];
    this.cloudDevice = `${options.name}-c`;
    this.edgeDevice = `${options.name}-e`;
    this.controlSocket = path.join(edge.dir, 'edge-link.sock');
  }

  /** The emulator's process id (for its CPU use: `/proc/<pid>/stat`). */
  public get emulatorPid(): number {
    if (this.emulator?.pid === undefined) {
      throw new Error(`edge site ${this.namespace.name}: the link is not running`);
    }
    return this.emulator.pid;
  }

  /** CPU time the emulator has used so far (user and system), in seconds. */
  public emulatorCpuSeconds(): number {
    const stat = fs.readFileSync(`/proc/${this.emulatorPid}/stat`, 'utf8');
    // The fields after the command's name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / clockTicksPerSecond();
  }

  /** Changes the link's parameters; a direction left out keeps its own. Applies to frames entering from now on. */
  public async setLink(settings: EdgeLinkSettings): Promise<EdgeLinkState> {
    const body: { ab?: LinkParameters; ba?: LinkParameters } = {};
    if (settings.downlink) body.ab = completeParameters(settings.downlink);
    if (settings.uplink) body.ba = completeParameters(settings.uplink);
    return toState(await this.control('PUT', '/link', body));
  }

  /** The link's parameters and whether it is cut. */
  public async link(): Promise<EdgeLinkState> {
    return toState(await this.control('GET', '/link'));
  }

  /** Cuts the link: every frame is dropped, in both directions, frames already on their way too. */
  public async cut(): Promise<void> {
    await this.control('POST', '/cut');
  }

  /** Ends a cut: frames cross again, with the parameters the link had. */
  public async restore(): Promise<void> {
    await this.control('POST', '/restore');
  }

  /** Frames and bytes per direction since the link started. */
  public async counters(): Promise<EdgeLinkCounters> {
    const raw = await this.control('GET', '/counters') as { ab: DirectionCounters; ba: DirectionCounters };
    return { downlink: raw.ab, uplink: raw.ba };
  }

  /**
   * Stops the link (its devices go with it, and the cloud routes over them), then removes the edge
   * namespace with every process in it; safe to call twice and after a failed `create`.
   */
  public async destroy(keepDir: boolean = false): Promise<void> {
    if (this.emulator) {
      await this.cloud.stop(this.emulator);
      this.emulator = undefined;
    }
    // If the link never started, a device created by hand would not go by itself.
    spawnSync('ip', ['-n', this.cloud.name, 'link', 'del', this.cloudDevice], { encoding: 'utf8' });
    await this.namespace.destroy(keepDir);
  }

  private async setUp(options: EdgeSiteOptions): Promise<void> {
    const edge = this.namespace;
    edge.create([], { hosts: options.hosts ?? '127.0.0.1\tlocalhost\n', resolvConf: options.resolvConf ?? 'nameserver 127.0.0.1\n' });
    const configFile = path.join(edge.dir, 'edge-link.json');
    fs.writeFileSync(configFile, JSON.stringify({
      ab: completeParameters(options.link?.downlink ?? {}),
      ba: completeParameters(options.link?.uplink ?? {}),
    }));
    this.emulator = await this.cloud.start(`edge-link-${edge.name}`, upstreamProgram('edge-link'), [
      '--tap-a', this.cloudDevice, '--tap-b', this.edgeDevice, '--control', this.controlSocket, '--config', configFile,
    ], printed('ready'));

    const c = this.cloud.name;
    const e = edge.name;
    ip(['-n', c, 'link', 'set', this.edgeDevice, 'netns', e]);
    // No IPv6 on the link: its neighbour discovery and router solicitations would add to the counters.
    disableIpv6(this.cloud, this.cloudDevice);
    disableIpv6(edge, this.edgeDevice);
    ip(['-n', c, 'addr', 'add', `${this.cloudAddress}/30`, 'dev', this.cloudDevice]);
    ip(['-n', c, 'link', 'set', this.cloudDevice, 'up']);
    ip(['-n', e, 'addr', 'add', `${this.edgeAddress}/30`, 'dev', this.edgeDevice]);
    ip(['-n', e, 'link', 'set', this.edgeDevice, 'up']);
    ip(['-n', e, 'route', 'add', 'default', 'via', this.cloudAddress, 'dev', this.edgeDevice]);
    for (const address of this.nodeAddresses) {
      ip(['-n', e, 'addr', 'add', `${address}/32`, 'dev', 'lo']);
      ip(['-n', c, 'route', 'add', `${address}/32`, 'via', this.edgeAddress, 'dev', this.cloudDevice]);
    }
  }

  private control(method: string, urlPath: string, body?: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = http.request({
        socketPath: this.controlSocket,
        method,
        path: urlPath,
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
        timeout: 5_000,
      }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => { text += chunk; });
        response.on('end', () => {
          if (response.statusCode !== 200) {
            reject(new Error(`edge link ${this.namespace.name}: ${method} ${urlPath} answered ${response.statusCode}: ${text.trim()}`));
            return;
          }
          resolve(JSON.parse(text));
        });
      });
      request.on('timeout', () => request.destroy(new Error(`edge link ${this.namespace.name}: ${method} ${urlPath} timed out`)));
      request.on('error', reject);
      request.end(payload);
    });
  }
}

/** Every field, so that a PUT replaces a direction's parameters as a whole. */
function completeParameters(p: LinkParameters): Required<LinkParameters> {
  return {
    delayMs: p.delayMs ?? 0,
    jitterMs: p.jitterMs ?? 0,
    loss: p.loss ?? 0,
    rateBitsPerSecond: p.rateBitsPerSecond ?? 0,
    queueBytes: p.queueBytes ?? 0,
  };
}

function toState(raw: unknown): EdgeLinkState {
  const r = raw as { ab: Required<LinkParameters>; ba: Required<LinkParameters>; cut: boolean };
  return { downlink: r.ab, uplink: r.ba, cut: r.cut };
}

function ip(args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`ip ${args.join(' ')} failed: ${result.stderr}`);
  }
}

/** /proc/sys/net is the writing process's namespace's: written from inside the namespace. */
function disableIpv6(ns: NetworkNamespace, device: string): void {
  const file = `/proc/sys/net/ipv6/conf/${device}/disable_ipv6`;
  const result = ns.run('/bin/sh', ['-c', `[ ! -e ${file} ] || echo 1 > ${file}`], 5_000);
  if (result.status !== 0) {
    throw new Error(`turning IPv6 off on ${device} in ${ns.name} failed: ${result.stderr}`);
  }
}

let ticks: number | undefined;
function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    ticks = Number(result.stdout.trim()) || 100;
  }
  return ticks;
}
