#!/usr/bin/env node
/**
 * `cdk8s-raven-prometheus verify --prometheus <url> [--job <regex>]`
 *
 * Asks a Prometheus for its targets, checks those of the library and explains each failure.
 * Exit status: 0 every selected target is up; 1 a selected target is not up, or none was
 * selected; 2 usage error, or Prometheus could not be asked.
 */
import { TargetsReport } from './verify';

const USAGE = `Usage: cdk8s-raven-prometheus verify --prometheus <url> [--job <regex>]

Checks the scrape targets of cdk8s-raven-prometheus in a running Prometheus and explains
every target that is not up.

  --prometheus <url>  the Prometheus base URL, e.g. http://localhost:9090
                      (kubectl -n monitor port-forward svc/<prometheus> 9090 first)
  --job <regex>       select targets whose job or scrape pool matches, instead of the
                      library's scrape_via="raven" label (for hand-written ScrapeConfigs)

Exit status: 0 all selected targets up, 1 a target not up or none selected,
2 usage error or Prometheus unreachable.
`;

/** What the command needs from the outside world; tests pass their own. */
export interface CliIo {
  readonly fetch: (url: string, init?: any) => Promise<{ ok: boolean; status: number; statusText: string; text(): Promise<string> }>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** How long to wait for Prometheus, in milliseconds. */
  readonly timeoutMs?: number;
}

interface Args {
  prometheus: string;
  job?: string;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args | 'help' {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    return 'help';
  }
  if (command !== 'verify') {
    throw new UsageError(command === undefined ? 'missing command' : `unknown command '${command}'`);
  }
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
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`cdk8s-raven-prometheus: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args === 'help') {
    io.out(USAGE);
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

if (require.main === module) {
  runCli(process.argv.slice(2), {
    fetch: (url, init) => fetch(url, init),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  }, (e) => {
    process.stderr.write(`cdk8s-raven-prometheus: ${(e as Error).stack}\n`);
    process.exitCode = 2;
  });
}
