import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * A private network namespace with only a loopback interface: no route leaves it, its processes
 * see its own `/etc/hosts`, `/etc/resolv.conf` and `/etc/nsswitch.conf` (through
 * `/etc/netns/<name>/`, which `ip netns exec` bind-mounts), and every process started in it is
 * stopped by `destroy()`.
 */
export class NetworkNamespace {
  /** Fails with what to do when the lab cannot run here. */
  public static checkPrerequisites(): void {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
      throw new Error('The lab needs root: it creates a network namespace (ip netns add). Run it as root, e.g. in CI or a container.');
    }
    const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
    if (ip.error || ip.status !== 0) {
      throw new Error('The lab needs the ip command (Debian package iproute2): apt-get install -y iproute2.');
    }
  }

  public readonly name: string;
  /** Scratch directory for configs, certificates, TSDB and logs. */
  public readonly dir: string;
  private readonly etcDir: string;
  private readonly processes: ChildProcess[] = [];
  private created = false;

  public constructor(name: string) {
    this.name = name;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    this.etcDir = path.join('/etc/netns', name);
  }

  /** Creates the namespace, brings loopback up with the extra addresses, writes its etc files. */
  public create(extraLoopbackAddresses: string[], files: { hosts: string; resolvConf: string }): void {
    this.ip(['netns', 'add', this.name]);
    this.created = true;
    this.ip(['-n', this.name, 'link', 'set', 'lo', 'up']);
    for (const address of extraLoopbackAddresses) {
      this.ip(['-n', this.name, 'addr', 'add', `${address}/8`, 'dev', 'lo']);
    }
    fs.mkdirSync(this.etcDir, { recursive: true });
    fs.writeFileSync(path.join(this.etcDir, 'nsswitch.conf'), 'hosts: files dns\n');
    this.writeEtc('hosts', files.hosts);
    this.writeEtc('resolv.conf', files.resolvConf);
    const routes = spawnSync('ip', ['-n', this.name, 'route', 'show', 'default'], { encoding: 'utf8' });
    if (routes.stdout.trim() !== '') {
      throw new Error(`namespace ${this.name} unexpectedly has a default route: ${routes.stdout}`);
    }
  }

  /**
   * Rewrites one of the namespace's etc files in place: processes started afterwards see the new
   * content (the bind mount is of this very file, so it must not be replaced by a new one).
   */
  public writeEtc(file: 'hosts' | 'resolv.conf', content: string): void {
    fs.writeFileSync(path.join(this.etcDir, file), content);
  }

  /**
   * Starts a long-running process in the namespace; its output goes to `<dir>/<label>.log`.
   * Resolves when `ready` resolves; rejects if the process exits first. With `pod`, the process
   * runs as in a pod: in a private mount namespace of its own, with host folders mounted at the
   * paths a pod would see them (a ServiceAccount's token at
   * `/var/run/secrets/kubernetes.io/serviceaccount`, a ConfigMap volume at its mount path) and
   * the given environment; nothing of this is visible outside that process.
   */
  public async start(
    label: string,
    command: string,
    args: string[],
    ready: (proc: ChildProcess) => Promise<void>,
    cwd?: string,
    pod?: PodOptions,
  ): Promise<ChildProcess> {
    const logFile = path.join(this.dir, `${label}.log`);
    const log = fs.openSync(logFile, 'a');
    const argv = pod ? this.podArgv(label, command, args, pod) : [command, ...args];
    const env = pod?.env ? { ...process.env, ...pod.env } : process.env;
    let proc: ChildProcess;
    try {
      proc = spawn('ip', ['netns', 'exec', this.name, ...argv], { cwd, env, stdio: ['ignore', 'pipe', log] });
    } finally {
      // The child has its own copy of the descriptor.
      fs.closeSync(log);
    }
    this.processes.push(proc);
    proc.stdout?.on('data', (chunk: Buffer) => {
      // Output can still arrive after 'exit' (the pipe is read later than the process ends); once
      // destroy() has removed the lab's folder, it has nowhere to go and is dropped.
      try {
        fs.appendFileSync(logFile, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    });
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code, signal) => reject(new Error(
      `${label} exited (code ${code}, signal ${signal}) before it was ready; see ${path.join(this.dir, `${label}.log`)}:\n${this.tail(label)}`))));
    // Once ready, a later exit (the lab stopping it) is expected, not an error.
    exited.catch(() => undefined);
    try {
      await Promise.race([ready(proc), exited]);
    } catch (e) {
      // A process that never became ready must not linger on its address for the next one.
      await this.stop(proc);
      throw e;
    }
    return proc;
  }

  /**
   * A Unix socket, in the lab's folder, connected to `host:port` inside the namespace: the test
   * process (which stays outside the namespace) talks to the lab's servers through it, e.g.
   * `https.request({ socketPath, ... })`. The relay is a process of the lab, stopped by `destroy()`.
   */
  public async socketTo(host: string, port: number): Promise<string> {
    const socketPath = path.join(this.dir, `relay-${host}-${port}.sock`);
    const script = 'const net = require("net");'
      + 'net.createServer((c) => { const u = net.connect(Number(process.argv[3]), process.argv[2]);'
      + ' c.pipe(u); u.pipe(c); c.on("error", () => u.destroy()); u.on("error", () => c.destroy()); })'
      + '.listen(process.argv[1], () => console.log("ready"));';
    await this.start(`relay-${host}-${port}`, process.execPath, ['-e', script, socketPath, host, String(port)], printed('ready'));
    return socketPath;
  }

  /**
   * The command line that gives a process a pod's view of the file system: `unshare` makes a
   * private mount namespace; where a mount path does not exist, its nearest existing ancestor is
   * overlaid (so the folder is created in the overlay, never on the host), and the namespace's
   * own etc files are bound again on top, as `ip netns exec` had bound them.
   */
  private podArgv(label: string, command: string, args: string[], pod: PodOptions): string[] {
    const lines = ['set -e'];
    const overlaid: string[] = [];
    let n = 0;
    for (const [target, source] of Object.entries(pod.mounts ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      if (!path.isAbsolute(target)) {
        throw new Error(`pod mount path must be absolute, got ${target}`);
      }
      let ancestor = target;
      while (!fs.existsSync(ancestor)) {
        ancestor = path.dirname(ancestor);
      }
      const real = path.join(fs.realpathSync(ancestor), path.relative(ancestor, target));
      const realAncestor = fs.realpathSync(ancestor);
      if (real !== realAncestor && !overlaid.some((o) => realAncestor === o || realAncestor.startsWith(`${o}/`))) {
        const layer = path.join(this.dir, `${label}-overlay-${n++}`);
        fs.mkdirSync(path.join(layer, 'upper'), { recursive: true });
        fs.mkdirSync(path.join(layer, 'work'), { recursive: true });
        lines.push(`mount -t overlay overlay -o lowerdir=${realAncestor},upperdir=${layer}/upper,workdir=${layer}/work ${realAncestor}`);
        overlaid.push(realAncestor);
      }
      lines.push(`mkdir -p ${real}`, `mount --bind ${source} ${real}`);
    }
    if (overlaid.some((o) => o === '/etc' || '/etc'.startsWith(`${o}/`) || o === '/')) {
      for (const file of fs.readdirSync(this.etcDir)) {
        lines.push(`mount --bind ${path.join(this.etcDir, file)} /etc/${file}`);
      }
    }
    lines.push('exec "$@"');
    return ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', lines.join('\n'), label, command, ...args];
  }

  /**
   * Stops one process: SIGTERM, then SIGKILL after 5 s; resolves once it has exited and what it
   * printed on the way out is in its log (its stdout closed), or 2 s after it exited if a process
   * it left behind still holds its stdout.
   */
  public async stop(proc: ChildProcess): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (proc.stdout === null || proc.stdout.readableEnded || proc.stdout.destroyed) resolve();
      else proc.stdout.once('close', () => resolve());
    });
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => { grace = setTimeout(resolve, 2_000); })]);
    clearTimeout(grace);
  }

  /** Runs a command in the namespace to completion (bounded by `timeoutMs`). */
  public run(command: string, args: string[], timeoutMs: number, cwd?: string): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync('ip', ['netns', 'exec', this.name, command, ...args], { encoding: 'utf8', timeout: timeoutMs, cwd });
    if (result.error) {
      throw result.error;
    }
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** GETs a URL from inside the namespace (Node's fetch in a short-lived process). */
  public fetch(url: string, timeoutMs: number = 5_000): { status?: number; body?: string; error?: string } {
    const script = 'fetch(process.argv[1], { signal: AbortSignal.timeout(Number(process.argv[2])) })'
      + '.then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))'
      + '.catch((e) => process.stdout.write(JSON.stringify({ error: String(e.cause ?? e) })));';
    const result = this.run(process.execPath, ['-e', script, url, String(timeoutMs)], timeoutMs + 5_000);
    try {
      return JSON.parse(result.stdout);
    } catch {
      return { error: `no answer: ${result.stdout}${result.stderr}` };
    }
  }

  /** The last lines of a process' log. */
  public tail(label: string, lines: number = 30): string {
    const file = path.join(this.dir, `${label}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }

  /**
   * Stops every process this lab started, then any process still in the namespace (all of them
   * children of the lab's `ip netns exec`), deletes the namespace and its etc files.
   */
  public async destroy(keepDir: boolean = false): Promise<void> {
    await Promise.all(this.processes.map((p) => this.stop(p)));
    if (this.created) {
      const pids = spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' }).stdout.split('\n').filter((p) => p !== '');
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      spawnSync('ip', ['netns', 'del', this.name]);
      this.created = false;
    }
    fs.rmSync(this.etcDir, { recursive: true, force: true });
    if (!keepDir) {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private ip(args: string[]): void {
    const result = spawnSync('ip', args, { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`ip ${args.join(' ')} failed: ${result.stderr}`);
    }
  }
}

/** How a process started by the lab sees the file system and its environment, as in a pod. */
export interface PodOptions {
  /** Host folders mounted at absolute paths, e.g. `{ '/etc/edge': dirHoldingTunnelNodes }`. */
  readonly mounts?: { readonly [path: string]: string };
  /** Environment variables added to the lab's own. */
  readonly env?: { readonly [name: string]: string };
}

/** Resolves when `check` returns a value, polling every `intervalMs`; rejects after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | Promise<T | undefined>,
  intervalMs: number = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) {
        return value;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves when the process prints `line` on stdout. */
export function printed(line: string): (proc: ChildProcess) => Promise<void> {
  return (proc) => new Promise<void>((resolve) => {
    let seen = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split('\n').includes(line)) {
        resolve();
      }
    });
  });
}
