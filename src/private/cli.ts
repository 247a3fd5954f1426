/**
 * The `cdk8s-raven-prometheus` command (`verify`, `drift`): argument parsing, usage and output.
 * The entry point is `src/cli.ts`; tests call `runCli` with their own `CliIo`.
 */
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { FIELD_MANAGER } from './applied-fields';
import { DriftReport } from '../drift';
import { KubeAccess, kubeconfigPath, KubeconfigError, kubeGet, loadKubeconfig } from './kube-api';
import { TargetsReport } from '../verify';

const VERIFY_USAGE = `Usage: cdk8s-raven-prometheus verify --prometheus <url> [--job <regex>]

Checks the scrape targets of cdk8s-raven-prometheus in a running Prometheus and explains
every target that is not up.

  --prometheus <url>  the Prometheus base URL, e.g. http://localhost:9090
                      (kubectl -n monitor port-forward svc/<prometheus> 9090 first)
  --job <regex>       select targets whose job or scrape pool matches, instead of the
                      library's scrape_via="raven" label (for hand-written ScrapeConfigs)

Exit status: 0 all selected targets up, 1 a target not up or none selected,
2 usage error or Prometheus unreachable.
`;

const DRIFT_USAGE = `Usage: cdk8s-raven-prometheus drift -f <manifest> [-f <manifest>...] [--kubeconfig <path>]
         [--context <name>] [--field-manager <name>]

Before you apply: compares what the synthesized stack writes onto objects the cluster owns
(the edited CoreDNS ConfigMap, the CoreDNS Deployment's mount, the Gateway's proxy ports)
with those objects as they are now, read through the API server, and reports a Corefile,
Deployment or Gateway changed since you exported it, which applying would revert.

  -f, --filename <path>   a synthesized manifest, or a folder of them (dist/); repeatable
  --kubeconfig <path>     the kubeconfig (default: $KUBECONFIG, else ~/.kube/config); its
                          user needs get on configmaps and deployments in the CoreDNS
                          namespace and on gateways.raven.openyurt.io
  --context <name>        the kubeconfig context (default: its current-context)
  --field-manager <name>  the field manager you apply with (default: ${FIELD_MANAGER})

Exit status: 0 applying changes only the library's fields, 1 it would revert a change
made in the cluster or fail, 2 usage error or the API server could not be read.
`;

const USAGE = `${VERIFY_USAGE}\n${DRIFT_USAGE}\n  --version               print the version of cdk8s-raven-prometheus\n`;

/** The package's version, from its package.json: the first one up from here (src/private, or lib/src/private once built). */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === 'cdk8s-raven-prometheus') return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** What the command needs from the outside world; tests pass their own. */
export interface CliIo {
  readonly fetch: (url: string, init?: any) => Promise<{ ok: boolean; status: number; statusText: string; text(): Promise<string> }>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** How long to wait for Prometheus, in milliseconds. */
  readonly timeoutMs?: number;
  /** The environment `drift` reads KUBECONFIG from. */
  readonly env?: NodeJS.ProcessEnv;
}

interface Args {
  prometheus: string;
  job?: string;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args | 'help' {
  const [, ...rest] = argv;
  const args: Partial<Args> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') {
      return 'help';
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (name !== '--prometheus' && name !== '--job') {
      throw new UsageError(`unknown option '${arg}'`);
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') {
      throw new UsageError(`option ${name} needs a value`);
    }
    if (name === '--prometheus') {
      args.prometheus = value;
    } else {
      args.job = value;
    }
  }
  if (args.prometheus === undefined) {
    throw new UsageError('--prometheus <url> is required');
  }
  let url: URL;
  try {
    url = new URL(args.prometheus);
  } catch {
    throw new UsageError(`--prometheus must be a URL such as http://localhost:9090, got '${args.prometheus}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--prometheus must be an http or https URL, got '${args.prometheus}'`);
  }
  if (args.job !== undefined) {
    try {
      new RegExp(args.job);
    } catch (e) {
      throw new UsageError(`--job must be a regular expression: ${(e as Error).message}`);
    }
  }
  return args as Args;
}

/** Runs the command; resolves to the exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const command = argv[0];
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (command === '--version' || command === 'version') {
    io.out(`cdk8s-raven-prometheus ${packageVersion()}\n`);
    return 0;
  }
  if (command === 'drift') {
    return runDrift(argv.slice(1), io);
  }
  if (command !== 'verify') {
    io.err(`cdk8s-raven-prometheus: ${command === undefined ? 'missing command' : `unknown command '${command}'`}\n\n${USAGE}`);
    return 2;
  }
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`cdk8s-raven-prometheus: ${e.message}\n\n${VERIFY_USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args === 'help') {
    io.out(VERIFY_USAGE);
    return 0;
  }

  const targetsUrl = `${args.prometheus.replace(/\/+$/, '')}/api/v1/targets?state=active`;
  let body: string;
  try {
    const response = await io.fetch(targetsUrl, { signal: AbortSignal.timeout(io.timeoutMs ?? 10_000) });
    body = await response.text();
    if (!response.ok) {
      io.err(`cdk8s-raven-prometheus: ${targetsUrl} answered HTTP ${response.status} ${response.statusText}: ${body.slice(0, 200)}\n`);
      return 2;
    }
  } catch (e) {
    const cause = (e as any)?.cause;
    io.err(`cdk8s-raven-prometheus: cannot reach Prometheus at ${targetsUrl}: ${(e as Error).message}${cause ? ` (${cause.message ?? cause})` : ''}\n`);
    return 2;
  }

  let report: TargetsReport;
  try {
    report = TargetsReport.fromTargetsResponse(JSON.parse(body), { jobPattern: args.job });
  } catch (e) {
    io.err(`cdk8s-raven-prometheus: ${targetsUrl}: ${(e as Error).message}\n`);
    return 2;
  }
  io.out(report.toText());
  return report.ok ? 0 : 1;
}

interface DriftArgs {
  files: string[];
  kubeconfig?: string;
  context?: string;
  fieldManager: string;
}

function parseDriftArgs(rest: string[]): DriftArgs | 'help' {
  const args: DriftArgs = { files: [], fieldManager: FIELD_MANAGER };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') {
      return 'help';
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!['-f', '--filename', '--kubeconfig', '--context', '--field-manager'].includes(name)) {
      throw new UsageError(`unknown option '${arg}'`);
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') {
      throw new UsageError(`option ${name} needs a value`);
    }
    if (name === '-f' || name === '--filename') args.files.push(value);
    else if (name === '--kubeconfig') args.kubeconfig = value;
    else if (name === '--context') args.context = value;
    else args.fieldManager = value;
  }
  if (args.files.length === 0) {
    throw new UsageError('-f <manifest> is required: the synthesized manifest (dist/<chart>.k8s.yaml) or its folder');
  }
  return args;
}

/**
 * The YAML parser cdk8s bundles: cdk8s' own `Yaml.load` drops what it cannot parse without a
 * word (`a: [` loads as `{ a: [] }`), so the command parses the files itself, with the same parser.
 */
function yamlParser(): { parseAllDocuments(text: string): any[] } {
  return createRequire(require.resolve('cdk8s'))('yaml');
}

/** The objects of the manifests given: files, or the YAML and JSON files of a folder. Refuses what is not a manifest. */
function readManifests(files: string[]): any[] {
  const paths = files.flatMap((file) => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new UsageError(`cannot read '${file}' (${path.resolve(file)}): no such file or folder`);
    }
    if (!stat.isDirectory()) return [file];
    const found = fs.readdirSync(file).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => path.join(file, f));
    if (found.length === 0) throw new UsageError(`the folder '${file}' holds no .yaml, .yml or .json file: pass the folder cdk8s synth writes (dist/)`);
    return found;
  });
  return paths.flatMap((file) => manifestObjects(file));
}

/** The Kubernetes objects of one file: every document an object with apiVersion and kind (`kind: List` unpacked). */
function manifestObjects(file: string): any[] {
  const notManifest = (why: string): UsageError => new UsageError(`'${file}' is not a Kubernetes manifest: ${why}. Pass the manifest cdk8s synth writes (dist/<chart>.k8s.yaml)`);
  const bytes = fs.readFileSync(file);
  if (bytes.includes(0)) throw notManifest('it is a binary file');
  const docs = yamlParser().parseAllDocuments(bytes.toString('utf8'));
  const objects: any[] = [];
  docs.forEach((doc: any, i: number) => {
    if (doc.errors?.length > 0) {
      throw new UsageError(`cannot read '${file}' as YAML: ${String(doc.errors[0].message).split('\n')[0]}`);
    }
    let value: any;
    try {
      value = doc.toJSON();
    } catch (e) {
      // An alias without its anchor, for one, parses but cannot be read.
      throw new UsageError(`cannot read '${file}' as YAML: ${String((e as Error).message).split('\n')[0]}`);
    }
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing ---
    const items = value?.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      if (item === null || typeof item !== 'object' || Array.isArray(item) || typeof item.apiVersion !== 'string' || typeof item.kind !== 'string') {
        const shown = JSON.stringify(item) ?? String(item);
        throw notManifest(`document ${i + 1} is ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}, not an object with apiVersion and kind`);
      }
      objects.push(item);
    }
  });
  if (objects.length === 0) throw notManifest('it holds no object');
  return objects;
}

async function runDrift(rest: string[], io: CliIo): Promise<number> {
  let args: DriftArgs | 'help';
  let manifests: any[];
  let access: KubeAccess;
  try {
    args = parseDriftArgs(rest);
    if (args === 'help') {
      io.out(DRIFT_USAGE);
      return 0;
    }
    manifests = readManifests(args.files);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`cdk8s-raven-prometheus: ${e.message}\n\n${DRIFT_USAGE}`);
      return 2;
    }
    throw e;
  }
  const desired = DriftReport.clusterOwnedObjects(manifests);
  if (desired.length === 0) {
    io.out(`Read ${manifests.length} object${manifests.length === 1 ? '' : 's'} from ${args.files.join(', ')}.\n${DriftReport.compare([], []).toText()}`);
    return 0;
  }
  try {
    access = loadKubeconfig(kubeconfigPath(args.kubeconfig, io.env ?? process.env), args.context);
  } catch (e) {
    if (e instanceof KubeconfigError) {
      io.err(`cdk8s-raven-prometheus: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const live: any[] = [];
  for (const obj of desired) {
    const apiPath = DriftReport.livePath(obj);
    try {
      const answer = await kubeGet(access, apiPath, io.timeoutMs ?? 15_000);
      if (answer.status === 200) {
        live.push(answer.body);
      } else if (answer.status !== 404) {
        const denied = answer.status === 401 || answer.status === 403
          ? ' The kubeconfig\'s user needs get on configmaps and deployments in the CoreDNS namespace and on gateways.raven.openyurt.io.' : '';
        io.err(`cdk8s-raven-prometheus: ${access.server}${apiPath} answered HTTP ${answer.status}: ${answer.body?.message ?? String(answer.body).slice(0, 200)}.${denied}\n`);
        return 2;
      }
    } catch (e) {
      const cause = (e as any)?.cause;
      io.err(`cdk8s-raven-prometheus: cannot reach the API server ${access.server} (context '${access.context}'): ${(e as Error).message}${cause ? ` (${cause.message ?? cause})` : ''}\n`);
      return 2;
    }
  }
  const report = DriftReport.compare(desired, live, { fieldManager: args.fieldManager });
  io.out(`Checked against ${access.server} (context '${access.context}'), applying as field manager '${args.fieldManager}':\n\n${report.toText()}`);
  return report.ok ? 0 : 1;
}
