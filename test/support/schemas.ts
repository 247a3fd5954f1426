import * as fs from 'fs';
import Ajv, { ValidateFunction } from 'ajv';
import * as yaml from 'yaml';
import { upstreamFile } from './upstream';

/** The pinned upstream CRDs the manifests are validated against (names in upstream/files/files.json). */
export const CRD_FILES = ['scrapeconfigs-crd', 'servicemonitors-crd', 'podmonitors-crd', 'prometheusrules-crd', 'gateways-crd'];

interface CrdVersion {
  readonly name: string;
  readonly schema: { readonly openAPIV3Schema: any };
}

const ajv = new Ajv({ strict: false, allErrors: true });
// Kubernetes' OpenAPI formats that ajv does not know; the API server does not enforce them either.
for (const format of ['int32', 'int64', 'byte', 'double', 'float', 'date-time', 'duration', 'uri']) {
  ajv.addFormat(format, true);
}
const validators = new Map<string, ValidateFunction>();

const crds = new Map<string, any>();

/** The parsed CRD document of a pinned upstream file, e.g. `scrapeconfigs-crd`. */
export function loadCrd(name: string): any {
  let crd = crds.get(name);
  if (crd === undefined) {
    crd = yaml.parse(fs.readFileSync(upstreamFile(name), 'utf8'));
    crds.set(name, crd);
  }
  return crd;
}

/** A schema without its `required` lists: what a server-side apply configuration must satisfy (the live object supplies the rest). */
function withoutRequired(schema: any): any {
  if (Array.isArray(schema)) return schema.map(withoutRequired);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) if (k !== 'required') out[k] = withoutRequired(v);
  return out;
}

/**
 * A schema without the patterns JavaScript cannot compile: Go's RE2 inline flags (`(?i)`, the
 * PrometheusRule CRD's `partial_response_strategy`). Only fields the library never writes carry them.
 */
function withoutGoOnlyPatterns(schema: any): any {
  if (Array.isArray(schema)) return schema.map(withoutGoOnlyPatterns);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'pattern' && typeof v === 'string' && /\(\?[a-zA-Z]+\)/.test(v)) continue;
    out[k] = withoutGoOnlyPatterns(v);
  }
  return out;
}

function validatorFor(apiVersion: string, kind: string, applyConfiguration: boolean = false): ValidateFunction {
  const key = `${apiVersion}/${kind}${applyConfiguration ? ' (apply configuration)' : ''}`;
  const cached = validators.get(key);
  if (cached) return cached;
  const [group, version] = apiVersion.split('/');
  const file = CRD_FILES.find((name) => {
    const crd = loadCrd(name);
    return crd.spec.group === group && crd.spec.names.kind === kind;
  });
  if (!file) throw new Error(`no CRD for ${key} among ${CRD_FILES.join(', ')}`);
  const crdVersion = (loadCrd(file).spec.versions as CrdVersion[]).find((v) => v.name === version);
  if (!crdVersion) throw new Error(`CRD ${file} has no version ${version}`);
  const schema = crdVersion.schema.openAPIV3Schema;
  const validate = ajv.compile(withoutGoOnlyPatterns(applyConfiguration ? withoutRequired(schema) : schema));
  validators.set(key, validate);
  return validate;
}

/**
 * Errors of a custom resource against its CRD's openAPIV3Schema; empty when valid. A server-side
 * apply configuration that is not valid alone (it says so to Argo CD: `Validate=false`, e.g. the
 * Gateway's proxy ports, whose `proxyConfig.Replicas` stays the cluster's) is checked without the
 * schema's required fields, which the live object has.
 */
export function crdSchemaErrors(manifest: any): string[] {
  const partial = /(^|,)\s*Validate=false\s*(,|$)/.test(manifest.metadata?.annotations?.['argocd.argoproj.io/sync-options'] ?? '');
  const validate = validatorFor(manifest.apiVersion, manifest.kind, partial);
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

/**
 * The ScrapeConfig CRD's CEL rule on spec, evaluated directly: JSON Schema cannot express it.
 * The rule text is asserted against the CRD in the schema tests, so a change upstream is noticed.
 */
export const SCRAPECONFIG_AUTH_RULE = '[has(self.basicAuth), has(self.authorization), has(self.oauth2)].filter(x, x).size() <= 1';
export function scrapeConfigCelErrors(manifest: any): string[] {
  const spec = manifest.spec ?? {};
  const set = ['basicAuth', 'authorization', 'oauth2'].filter((k) => spec[k] !== undefined);
  return set.length <= 1 ? [] : [`at most one of basicAuth, authorization, or oauth2 can be configured, got ${set.join(', ')}`];
}

/* eslint-disable @typescript-eslint/no-require-imports */
const coreModels: { [apiVersionKind: string]: () => any } = {
  'v1/Secret': () => require('kubernetes-models/v1').Secret,
  'v1/ConfigMap': () => require('kubernetes-models/v1').ConfigMap,
  'v1/Service': () => require('kubernetes-models/v1').Service,
  'v1/ServiceAccount': () => require('kubernetes-models/v1').ServiceAccount,
  'apps/v1/Deployment': () => require('kubernetes-models/apps/v1').Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': () => require('kubernetes-models/rbac.authorization.k8s.io/v1').ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': () => require('kubernetes-models/rbac.authorization.k8s.io/v1').ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': () => require('kubernetes-models/rbac.authorization.k8s.io/v1').Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': () => require('kubernetes-models/rbac.authorization.k8s.io/v1').RoleBinding,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Errors of any manifest: custom resources against their CRD (plus CEL rules we mirror),
 * core objects against Kubernetes' own OpenAPI schemas (kubernetes-models).
 */
export function manifestErrors(manifest: any): string[] {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const model = coreModels[key];
  if (model) {
    try {
      const Model = model();
      new Model(manifest).validate();
      return [];
    } catch (e) {
      return [(e as Error).message];
    }
  }
  const errors = crdSchemaErrors(manifest);
  if (manifest.kind === 'ScrapeConfig') errors.push(...scrapeConfigCelErrors(manifest));
  return errors;
}

/** Asserts every manifest is valid; the failure lists each object's errors. */
export function expectValidManifests(manifests: any[]): void {
  const problems = manifests
    .map((m) => ({ id: `${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`, errors: manifestErrors(m) }))
    .filter((p) => p.errors.length > 0);
  expect(problems).toEqual([]);
}
