import * as dgram from 'dgram';
import * as net from 'net';

/**
 * A small DNS client (RFC 1035 wire format, EDNS0 from RFC 6891) for the upstream suite: enough to
 * ask real CoreDNS the questions a pod asks and to read its answers record by record, over UDP
 * (where truncation shows) and TCP. It runs inside a network namespace through `DnsAgent`.
 */

/** The record types the suite asks for or reads. */
export const RECORD_TYPES: { readonly [name: string]: number } = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255,
};
const TYPE_NAMES = new Map(Object.entries(RECORD_TYPES).map(([name, code]) => [code, name]));
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** One resource record, its data written the way `dig` writes it. */
export interface DnsRecord {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly data: string;
}

/** A decoded DNS message. */
export interface DnsMessage {
  readonly id: number;
  readonly rcode: string;
  /** Authoritative answer. */
  readonly aa: boolean;
  /** Truncated: the answer did not fit the UDP payload size. */
  readonly tc: boolean;
  readonly ra: boolean;
  readonly answers: DnsRecord[];
  readonly authority: DnsRecord[];
  readonly additional: DnsRecord[];
  /** The message's size on the wire, in bytes. */
  readonly size: number;
}

/** What to ask and how. */
export interface DnsQuestion {
  /** The name, absolute (`edge-node-1.`) or not (a final dot is added). */
  readonly name: string;
  /** A key of `RECORD_TYPES`. */
  readonly type: string;
  /** The server's address. */
  readonly server: string;
  /** @default 53 */
  readonly port?: number;
  /** @default 'udp' */
  readonly transport?: 'udp' | 'tcp';
  /** The address to send from (for servers with an `acl`). */
  readonly source?: string;
  /** Advertise this EDNS0 UDP payload size; without it the query has no OPT record (512-byte answers). */
  readonly udpSize?: number;
  /** @default 3000 */
  readonly timeoutMs?: number;
}

/** A query's outcome: the message, or why there was none. */
export type DnsOutcome = { readonly message: DnsMessage } | { readonly error: string };

function absolute(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

function encodeName(name: string): Buffer {
  const labels = absolute(name).split('.').slice(0, -1);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) {
      throw new Error(`invalid DNS label in ${JSON.stringify(name)}`);
    }
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** A standard query with recursion desired and, when `udpSize` is given, an EDNS0 OPT record. */
export function encodeQuery(name: string, type: string, id: number, udpSize?: number): Buffer {
  const code = RECORD_TYPES[type];
  if (code === undefined) {
    throw new Error(`unknown record type ${type}; known: ${Object.keys(RECORD_TYPES).join(', ')}`);
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(udpSize === undefined ? 0 : 1, 10); // ARCOUNT
  const question = Buffer.alloc(4);
  question.writeUInt16BE(code, 0);
  question.writeUInt16BE(1, 2); // IN
  const parts = [header, encodeName(name), question];
  if (udpSize !== undefined) {
    // Root name, type OPT, CLASS = payload size, TTL = extended RCODE and flags, no options.
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(RECORD_TYPES.OPT, 1);
    opt.writeUInt16BE(udpSize, 3);
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

/** Reads a possibly compressed name at `offset`; returns it and the offset after it. */
function readName(buf: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  for (let jumps = 0; jumps < 128; jumps++) {
    const len = buf[pos];
    if (len === undefined) {
      throw new Error('name runs past the end of the message');
    }
    if (len >= 0xc0) {
      if (end < 0) end = pos + 2;
      pos = buf.readUInt16BE(pos) & 0x3fff; // eslint-disable-line no-bitwise
      continue;
    }
    if (len === 0) {
      return [labels.length === 0 ? '.' : `${labels.join('.')}.`, end < 0 ? pos + 1 : end];
    }
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  throw new Error('name compression loop');
}

function formatIpv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  // RFC 5952: the longest run (two or more) of zero groups becomes '::'.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function readRecord(buf: Buffer, offset: number): [DnsRecord, number] {
  const [name, afterName] = readName(buf, offset);
  const code = buf.readUInt16BE(afterName);
  const ttl = buf.readUInt32BE(afterName + 4);
  const length = buf.readUInt16BE(afterName + 8);
  const start = afterName + 10;
  const rdata = buf.subarray(start, start + length);
  const type = TYPE_NAMES.get(code) ?? `TYPE${code}`;
  let data: string;
  switch (type) {
    case 'A':
      data = Array.from(rdata).join('.');
      break;
    case 'AAAA':
      data = formatIpv6(rdata);
      break;
    case 'NS': case 'CNAME': case 'PTR':
      data = readName(buf, start)[0];
      break;
    case 'MX':
      data = `${buf.readUInt16BE(start)} ${readName(buf, start + 2)[0]}`;
      break;
    case 'SRV':
      data = `${buf.readUInt16BE(start)} ${buf.readUInt16BE(start + 2)} ${buf.readUInt16BE(start + 4)} ${readName(buf, start + 6)[0]}`;
      break;
    case 'SOA': {
      const [mname, afterM] = readName(buf, start);
      const [rname, afterR] = readName(buf, afterM);
      const numbers = [0, 4, 8, 12, 16].map((i) => buf.readUInt32BE(afterR + i));
      data = `${mname} ${rname} ${numbers.join(' ')}`;
      break;
    }
    case 'TXT': {
      const strings: string[] = [];
      for (let i = 0; i < rdata.length;) {
        strings.push(JSON.stringify(rdata.toString('latin1', i + 1, i + 1 + rdata[i])));
        i += 1 + rdata[i];
      }
      data = strings.join(' ');
      break;
    }
    default:
      data = rdata.toString('hex');
  }
  return [{ name, type, ttl, data }, start + length];
}

/** Decodes a whole DNS message. */
export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < 12) {
    throw new Error(`a DNS message has a 12-byte header, got ${buf.length} bytes`);
  }
  const flags = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((i) => buf.readUInt16BE(i));
  let offset = 12;
  for (let i = 0; i < counts[0]; i++) {
    offset = readName(buf, offset)[1] + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const [record, next] = readRecord(buf, offset);
      sections[s].push(record);
      offset = next;
    }
  }
  /* eslint-disable no-bitwise */
  return {
    id: buf.readUInt16BE(0),
    rcode: RCODES[flags & 0x0f] ?? `RCODE${flags & 0x0f}`,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    ra: (flags & 0x0080) !== 0,
    answers: sections[0],
    authority: sections[1],
    additional: sections[2].filter((r) => r.type !== 'OPT'),
    size: buf.length,
  };
  /* eslint-enable no-bitwise */
}

let nextId = Math.floor(Math.random() * 0xffff);

/** Sends one question and returns the decoded answer, or the reason there was none. */
export async function ask(q: DnsQuestion): Promise<DnsOutcome> {
  nextId = (nextId + 1) % 0x10000;
  const id = nextId;
  const query = encodeQuery(q.name, q.type, id, q.udpSize);
  try {
    const raw = q.transport === 'tcp' ? await overTcp(q, query) : await overUdp(q, query);
    const message = decodeMessage(raw);
    if (message.id !== id) {
      return { error: `answer has id ${message.id}, asked with ${id}` };
    }
    return { message };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function overUdp(q: DnsQuestion, query: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(q.server) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer over UDP from ${q.server}:${q.port ?? 53} within ${q.timeoutMs ?? 3000} ms`));
    }, q.timeoutMs ?? 3000);
    socket.on('error', (e) => {
      clearTimeout(timer);
      socket.close();
      reject(e);
    });
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.bind({ address: q.source, port: 0 }, () => socket.send(query, q.port ?? 53, q.server));
  });
}

function overTcp(q: DnsQuestion, query: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: q.server, port: q.port ?? 53, localAddress: q.source });
    const chunks: Buffer[] = [];
    socket.setTimeout(q.timeoutMs ?? 3000, () => socket.destroy(new Error(`no answer over TCP from ${q.server}:${q.port ?? 53} within ${q.timeoutMs ?? 3000} ms`)));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) {
        socket.destroy();
        resolve(all.subarray(2, 2 + all.readUInt16BE(0)));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`TCP connection to ${q.server}:${q.port ?? 53} closed without a whole answer`)));
  });
}

/**
 * An answer reduced to what a client acts on, for comparing two servers: the RCODE, the
 * truncation bit and each section's records without TTLs (caches count them down), sorted
 * (`loadbalance` shuffles them).
 */
export function summary(outcome: DnsOutcome): string {
  if ('error' in outcome) {
    return `no answer (${outcome.error.replace(/ within \d+ ms/, '')})`;
  }
  const m = outcome.message;
  const records = (rs: DnsRecord[]) => rs.map((r) => `${r.name} ${r.type} ${r.data}`).sort().join('; ');
  const soaless = (rs: DnsRecord[]) => rs.map((r) => (r.type === 'SOA' ? { ...r, data: r.data.split(' ').slice(0, 2).join(' ') } : r));
  return `${m.rcode}${m.tc ? ' TC' : ''} [${records(m.answers)}] auth [${records(soaless(m.authority))}]`;
}
