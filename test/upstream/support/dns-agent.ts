import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { ask, DnsOutcome, DnsQuestion } from './dns';
import { NetworkNamespace, printed } from './netns';

/**
 * A process inside a network namespace that asks DNS questions for the test process (which stays
 * outside: UDP cannot cross into the namespace through a socket relay) and, optionally, relays
 * TCP ports of the namespace to Unix sockets (so that a process in the namespace reaches a server
 * of another namespace, e.g. CoreDNS's kubernetes plugin the lab's API server).
 *
 * The test side talks to it over a Unix socket, one JSON line per question and answer.
 */
export class DnsAgent {
  /** Starts the agent in `ns`; `relays` listen on `host:port` in the namespace and forward to `socketPath`. */
  public static async start(ns: NetworkNamespace, label: string, relays: RelayConfig[] = []): Promise<DnsAgent> {
    const control = path.join(ns.dir, `${label}.sock`);
    const config: AgentConfig = { control, relays };
    const configFile = path.join(ns.dir, `${label}.json`);
    fs.writeFileSync(configFile, JSON.stringify(config));
    await ns.start(label, process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, configFile], printed('ready'), path.resolve(__dirname, '..', '..', '..'));
    const agent = new DnsAgent(control);
    await agent.connect();
    return agent;
  }

  private socket?: net.Socket;
  private readonly pending = new Map<number, (outcome: DnsOutcome) => void>();
  private counter = 0;

  private constructor(private readonly control: string) {}

  /** Asks one question from inside the namespace. */
  public ask(question: DnsQuestion): Promise<DnsOutcome> {
    const id = ++this.counter;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket?.write(`${JSON.stringify({ id, question })}\n`);
    });
  }

  /** Closes the connection (the process itself is stopped with its namespace). */
  public close(): void {
    this.socket?.destroy();
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.control, () => resolve());
      socket.once('error', reject);
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk.toString('utf8');
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const { id, outcome } = JSON.parse(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
          this.pending.get(id)?.(outcome);
          this.pending.delete(id);
        }
      });
      socket.on('close', () => {
        for (const resolvePending of this.pending.values()) resolvePending({ error: 'the DNS agent went away' });
        this.pending.clear();
      });
      this.socket = socket;
    });
  }
}

/** A TCP port in the agent's namespace relayed to a Unix socket. */
export interface RelayConfig {
  readonly host: string;
  readonly port: number;
  readonly socketPath: string;
}

interface AgentConfig {
  readonly control: string;
  readonly relays: RelayConfig[];
}

async function main(): Promise<void> {
  const config: AgentConfig = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const listening: Promise<void>[] = config.relays.map((relay) => new Promise((resolve) => {
    net.createServer((client) => {
      const upstream = net.connect(relay.socketPath);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    }).listen(relay.port, relay.host, () => resolve());
  }));
  listening.push(new Promise((resolve) => {
    net.createServer((conn) => {
      let buffered = '';
      conn.on('data', (chunk) => {
        buffered += chunk.toString('utf8');
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const { id, question } = JSON.parse(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
          void ask(question).then((outcome) => conn.write(`${JSON.stringify({ id, outcome })}\n`));
        }
      });
      conn.on('error', () => undefined);
    }).listen(config.control, () => resolve());
  }));
  await Promise.all(listening);
  process.stdout.write('ready\n');
}

if (require.main === module) {
  void main();
}
