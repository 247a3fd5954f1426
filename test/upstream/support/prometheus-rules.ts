import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { upstreamProgram } from '../../support/upstream';

/**
 * The rules file prometheus-operator v0.93.1 writes for one PrometheusRule, made by the operator's
 * own code (`prometheus-rules`, a test helper of the toolchain: the operator's PrometheusRuleSelector,
 * which sanitizes the spec for the Prometheus version, marshals it and validates it with Prometheus's
 * rule parser). `ok` is false when the operator refuses the rule; `output` holds what it printed.
 */
export function operatorRuleFile(manifest: any): { ok: boolean; file?: any; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-rules-'));
  try {
    fs.writeFileSync(path.join(dir, 'rule.yaml'), YAML.stringify(manifest));
    const result = spawnSync(upstreamProgram('prometheus-rules'), [path.join(dir, 'rule.yaml')], { encoding: 'utf8', timeout: 60_000 });
    const output = `${result.stdout}${result.stderr}`;
    if (result.status !== 0) return { ok: false, output };
    const files = Object.values(JSON.parse(result.stdout).files) as string[];
    if (files.length !== 1) throw new Error(`expected one rules file, got ${files.length}: ${output}`);
    return { ok: true, file: YAML.parse(files[0]), output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
