import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { buildExamplePlatform } from '../../src/example/platform';

/**
 * Helpers around the real Prometheus tools (Debian packages `prometheus` and
 * `prometheus-node-exporter`) shared by the promtool checks and the lab.
 */

/** The binaries; override to try an upstream build (e.g. one with Kubernetes discovery). */
export const PROMETHEUS_BIN = process.env.RAVEN_LAB_PROMETHEUS ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.RAVEN_LAB_PROMTOOL ?? '/usr/bin/promtool';
export const NODE_EXPORTER_BIN = process.env.RAVEN_LAB_NODE_EXPORTER ?? '/usr/bin/prometheus-node-exporter';

const INSTALL_HINT = 'Install the Debian packages: apt-get update && apt-get install -y prometheus prometheus-node-exporter '
  + '(the CI script installs them too).';

/** Fails, naming the package to install, when a binary is missing. */
export function requireBinary(file: string, what: string): void {
  if (!fs.existsSync(file)) {
    throw new Error(`${what} not found at ${file}. ${INSTALL_HINT}`);
  }
}

/** The Prometheus version a binary reports, e.g. `2.42.0`. */
export function prometheusVersion(bin: string = PROMETHEUS_BIN): string {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const match = /version (\d+\.\d+\.\d+)/.exec(`${result.stdout}${result.stderr}`);
  if (!match) {
    throw new Error(`cannot read the version of ${bin}: ${result.stdout}${result.stderr}`);
  }
  return match[1];
}

/** Runs `promtool check config` on a configuration given as YAML text. */
export function promtoolCheckConfig(yamlText: string, syntaxOnly: boolean = false): { ok: boolean; output: string } {
  requireBinary(PROMTOOL_BIN, 'promtool');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-promtool-'));
  try {
    const file = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(file, yamlText);
    const args = ['check', 'config', ...(syntaxOnly ? ['--syntax-only'] : []), file];
    const result = spawnSync(PROMTOOL_BIN, args, { encoding: 'utf8', timeout: 30_000 });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let kubernetesSdSupport: boolean | undefined;

/**
 * Whether the installed Prometheus has Kubernetes service discovery. Debian builds it without
 * (the client library's dependencies are not packaged), so `kubernetes_sd_configs` is an
 * unknown field there.
 */
export function promtoolSupportsKubernetesSd(): boolean {
  if (kubernetesSdSupport === undefined) {
    const probe = 'scrape_configs:\n- job_name: probe\n  kubernetes_sd_configs:\n  - role: node\n    api_server: http://127.0.0.1:1\n';
    const { ok, output } = promtoolCheckConfig(probe, true);
    if (!ok && !/field kubernetes_sd_configs not found/.test(output)) {
      throw new Error(`promtool failed on the Kubernetes discovery probe: ${output}`);
    }
    kubernetesSdSupport = ok;
  }
  return kubernetesSdSupport;
}

/**
 * Replaces each `kubernetes_sd_configs` entry by either the same entry pointed at a stand-in API
 * (`api_server`), or, for a Prometheus without Kubernetes discovery, `http_sd_configs` on the
 * stand-in's `/sd/<role>` endpoint, which returns the target groups Kubernetes discovery would
 * build, filtered by the entry's selectors and namespaces. Everything else is kept as rendered.
 */
export function pointDiscoveryAt(scrape: any, apiBase: string, kubernetesSd: boolean, refreshInterval: string = '1s'): any {
  const sds: any[] | undefined = scrape.kubernetes_sd_configs;
  if (sds === undefined) {
    return scrape;
  }
  const out: any = {};
  for (const [key, value] of Object.entries(scrape)) {
    if (key !== 'kubernetes_sd_configs') {
      out[key] = value;
    } else if (kubernetesSd) {
      out.kubernetes_sd_configs = sds.map((sd) => ({ api_server: apiBase, ...sd }));
    } else {
      out.http_sd_configs = sds.map((sd) => ({ url: httpSdUrl(apiBase, sd), refresh_interval: refreshInterval }));
    }
  }
  return out;
}

function httpSdUrl(apiBase: string, sd: any): string {
  if (sd.role !== 'node' && sd.role !== 'pod') {
    throw new Error(`the stand-in discovery serves roles node and pod, not ${sd.role}`);
  }
  const own = (sd.selectors ?? []).find((s: any) => s.role === sd.role) ?? {};
  const params = new URLSearchParams();
  if (own.label) {
    params.set('label', own.label);
  }
  if (own.field) {
    params.set('field', own.field);
  }
  if (sd.namespaces?.names?.length) {
    params.set('namespaces', sd.namespaces.names.join(','));
  }
  if (sd.attach_metadata?.node) {
    params.set('attachNode', 'true');
  }
  const query = params.toString();
  return `${apiBase}/sd/${sd.role}${query ? `?${query}` : ''}`;
}

/** Every manifest of the example stack, as `cdk8s synth` writes them. */
export function exampleStackManifests(): any[] {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  buildExamplePlatform(app);
  return app.charts.flatMap((c) => c.toJson());
}

/**
 * The Secrets of one namespace as Kubernetes would have filled them: every
 * `kubernetes.io/service-account-token` Secret gets `token`, `ca.crt` and `namespace`.
 */
export function filledSecrets(manifests: any[], namespace: string, token: string): { [name: string]: { [key: string]: string } } {
  const secrets: { [name: string]: { [key: string]: string } } = {};
  for (const m of manifests) {
    if (m.kind === 'Secret' && m.metadata?.namespace === namespace) {
      secrets[m.metadata.name] = m.type === 'kubernetes.io/service-account-token'
        ? { 'token': token, 'ca.crt': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n', namespace }
        : { ...(m.stringData ?? {}) };
    }
  }
  return secrets;
}
