import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { withFilledTokenSecrets } from './operator-render';
import { upstreamProgram } from './upstream';
import { buildExamplePlatform } from '../../src/example/platform';

/** Runs promtool 3.x (built from its pinned Go module) `check config` on a configuration given as YAML text. */
export function promtoolCheckConfig(yamlText: string, syntaxOnly: boolean = false): { ok: boolean; output: string } {
  const promtool = upstreamProgram('promtool');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-promtool-'));
  try {
    const file = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(file, yamlText);
    const args = ['check', 'config', ...(syntaxOnly ? ['--syntax-only'] : []), file];
    const result = spawnSync(promtool, args, { encoding: 'utf8', timeout: 30_000 });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The Prometheus version the toolchain builds, e.g. `3.16.0`. */
export function toolchainPrometheusVersion(): string {
  const result = spawnSync(upstreamProgram('prometheus'), ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const match = /version (\d+\.\d+\.\d+)/.exec(`${result.stdout}${result.stderr}`);
  if (!match) {
    throw new Error(`cannot read the version of the toolchain's prometheus: ${result.stdout}${result.stderr}`);
  }
  return match[1];
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
  for (const m of withFilledTokenSecrets(manifests, token)) {
    if (m.kind === 'Secret' && m.metadata?.namespace === namespace) {
      const data: { [key: string]: string } = {};
      for (const [key, value] of Object.entries<string>(m.data ?? {})) data[key] = Buffer.from(value, 'base64').toString('utf8');
      secrets[m.metadata.name] = { ...data, ...(m.stringData ?? {}) };
    }
  }
  return secrets;
}
