/**
 * Typed JSON for custom resources, without the generated classes at run time.
 *
 * `cdk8s import` generates, for each CRD, TypeScript interfaces with camelCase field names
 * (`kubernetesSdConfigs`, `proxyHttpPort`, `replicas`), a class per kind whose `toJson()`
 * renames every field to its JSON name (`kubernetesSDConfigs`, `proxyHTTPPort`, `Replicas`) at
 * synth time, and one `toJson_*` converter per type. For the ScrapeConfig CRD that is a 2.5 MB
 * module (with its inline source map) to load, and a walk over every field of every object, with
 * a throwaway object per field, on every synth.
 *
 * The library keeps the generated interfaces as the only source of truth for the shapes, but
 * imports them with `import type` (erased from the emitted JavaScript), writes each spec directly
 * in its JSON form, and emits it through a plain `ApiObject`:
 *
 * - A names table, per CRD, says for each TS field the library writes what its JSON name is, and
 *   for a nested object or array of objects, the names of its own fields. The table is checked
 *   against the generated interfaces at compile time with `satisfies NamesFor<...>`: a TS field
 *   name that does not exist, or a required field left out, does not compile.
 * - `JsonOf<T, Names>` is the JSON type derived from the generated interface `T` and the table:
 *   only the fields in the table, under their JSON names, with the generated value types (string
 *   enums become their string values). An object literal with a misspelled or unlisted field, a
 *   TS name where the JSON name belongs, or a wrong value type does not compile.
 * - The JSON names themselves cannot be checked by the compiler (the generated converters return
 *   `Record<string, any>`); `test/private/typed-api-object.test.ts` checks every entry of the tables
 *   against the generated converters, level by level, and the GVKs against the generated classes.
 *   Re-running `projen import` with a CRD that renames a field fails that test. A field the
 *   converters transform rather than copy or recurse into cannot be listed (the test refuses it),
 *   except a value class (`IntOrString`, `Quantity`: a class holding only `value`), which its
 *   converter replaces by its `value`: its JSON type is that of `value`, and the test checks the
 *   converter unwraps it.
 *
 * The generated converters write the keys of every object in sorted order, and `ApiObject.toJson()`
 * sorts them as well, so the synthesized manifests are the same, byte for byte.
 */
import type { PrometheusRuleSpec, ScrapeConfigSpec } from '../../imports/monitoring.coreos.com';
import type { GatewayV1Beta1Spec } from '../../imports/raven.openyurt.io';

/** The element type of an array type, or the type itself. */
type ElementOf<T> = T extends readonly (infer E)[] ? E : T;

/** The keys of `T` that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

/**
 * The names table for the generated interface `T`: for each TS field, its JSON name, or its JSON
 * name and the table of its (element) type. Only fields of `T` may appear; required ones must.
 */
export type NamesFor<T> = {
  readonly [K in keyof T]?: string | readonly [string, NamesFor<ElementOf<NonNullable<T[K]>>>];
} & { readonly [K in RequiredKeys<T>]-?: unknown };

/** A field's JSON name from its table entry. */
type JsonNameOf<F> = F extends readonly [infer N, unknown] ? N : F;

/**
 * A generated value class (`IntOrString`, `Quantity`, a CRD's int-or-string field): an object
 * holding only `value`, which its converter writes in its place.
 */
type ValueOf<T> = T extends { readonly value: infer V } ? (keyof T extends 'value' ? V : never) : never;

/**
 * The JSON form of a value written as is: string enums become their values, value classes their
 * `value` (in arrays and maps too, e.g. a container's `limits: { [key: string]: Quantity }`).
 */
type Leaf<T> = T extends string ? `${T}`
  : [ValueOf<T>] extends [never]
    ? T extends readonly (infer E)[] ? Leaf<E>[]
      : T extends { readonly [key: string]: infer V } ? { [key: string]: Leaf<V> } : T
    : ValueOf<T>;

/** The JSON form of the generated interface `T` (or an array of it), as far as the names table `N` lists it. */
export type JsonOf<T, N> = T extends readonly (infer E)[] ? JsonOf<E, N>[] : {
  -readonly [K in keyof T as K extends keyof N ? JsonNameOf<N[K]> & string : never]:
  K extends keyof N
    ? (N[K] extends readonly [string, infer M] ? JsonOf<NonNullable<T[K]>, M> : Leaf<T[K]>)
    : never;
};

/** An API object's group, version and kind, as the generated class's `GVK` has them. */
export interface Gvk {
  readonly apiVersion: string;
  readonly kind: string;
}

// ---------------------------------------------------------------------------------------------
// monitoring.coreos.com/v1alpha1 ScrapeConfig

/** `ScrapeConfig.GVK` of imports/monitoring.coreos.com.ts. */
export const SCRAPE_CONFIG_GVK: Gvk = { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig' };

const SECRET_KEY = { name: 'name', key: 'key', optional: 'optional' } as const;

const RELABELING = {
  action: 'action',
  modulus: 'modulus',
  regex: 'regex',
  replacement: 'replacement',
  separator: 'separator',
  sourceLabels: 'sourceLabels',
  targetLabel: 'targetLabel',
} as const;

/** The fields of `ScrapeConfigSpec` the library writes, with their JSON names. */
export const SCRAPE_CONFIG_SPEC_NAMES = {
  authorization: ['authorization', { credentials: ['credentials', SECRET_KEY], type: 'type' }],
  honorLabels: 'honorLabels',
  honorTimestamps: 'honorTimestamps',
  kubernetesSdConfigs: ['kubernetesSDConfigs', {
    attachMetadata: ['attachMetadata', { node: 'node' }],
    namespaces: ['namespaces', { names: 'names', ownNamespace: 'ownNamespace' }],
    role: 'role',
    selectors: ['selectors', { field: 'field', label: 'label', role: 'role' }],
  }],
  metricRelabelings: ['metricRelabelings', RELABELING],
  metricsPath: 'metricsPath',
  params: 'params',
  relabelings: ['relabelings', RELABELING],
  scheme: 'scheme',
  scrapeInterval: 'scrapeInterval',
  scrapeTimeout: 'scrapeTimeout',
  tlsConfig: ['tlsConfig', {
    ca: ['ca', { configMap: ['configMap', SECRET_KEY], secret: ['secret', SECRET_KEY] }],
    insecureSkipVerify: 'insecureSkipVerify',
    serverName: 'serverName',
  }],
  trackTimestampsStaleness: 'trackTimestampsStaleness',
} as const satisfies NamesFor<ScrapeConfigSpec>;

/** The JSON form of a ScrapeConfig's spec, as the library writes it. */
export type ScrapeConfigSpecJson = JsonOf<ScrapeConfigSpec, typeof SCRAPE_CONFIG_SPEC_NAMES>;

// ---------------------------------------------------------------------------------------------
// raven.openyurt.io/v1beta1 Gateway

/** `GatewayV1Beta1.GVK` of imports/raven.openyurt.io.ts. */
export const GATEWAY_V1BETA1_GVK: Gvk = { apiVersion: 'raven.openyurt.io/v1beta1', kind: 'Gateway' };

/** Every field of `GatewayV1Beta1Spec`, with its JSON name. */
export const GATEWAY_V1BETA1_SPEC_NAMES = {
  endpoints: ['endpoints', {
    config: 'config',
    natType: 'natType',
    nodeName: 'nodeName',
    port: 'port',
    publicIp: 'publicIP',
    publicPort: 'publicPort',
    type: 'type',
    underNat: 'underNAT',
  }],
  exposeType: 'exposeType',
  nodeSelector: ['nodeSelector', {
    matchExpressions: ['matchExpressions', { key: 'key', operator: 'operator', values: 'values' }],
    matchLabels: 'matchLabels',
  }],
  proxyConfig: ['proxyConfig', { replicas: 'Replicas', proxyHttpPort: 'proxyHTTPPort', proxyHttpsPort: 'proxyHTTPSPort' }],
  tunnelConfig: ['tunnelConfig', { replicas: 'Replicas' }],
} as const satisfies NamesFor<GatewayV1Beta1Spec>;

/** The JSON form of a v1beta1 Gateway's spec. */
export type GatewayV1Beta1SpecJson = JsonOf<GatewayV1Beta1Spec, typeof GATEWAY_V1BETA1_SPEC_NAMES>;

// ---------------------------------------------------------------------------------------------
// monitoring.coreos.com/v1 PrometheusRule

/** `PrometheusRule.GVK` of imports/monitoring.coreos.com.ts. */
export const PROMETHEUS_RULE_GVK: Gvk = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' };

/** The fields of `PrometheusRuleSpec` the library writes, with their JSON names. */
export const PROMETHEUS_RULE_SPEC_NAMES = {
  groups: ['groups', {
    name: 'name',
    rules: ['rules', {
      alert: 'alert',
      annotations: 'annotations',
      expr: 'expr',
      for: 'for',
      labels: 'labels',
      record: 'record',
    }],
  }],
} as const satisfies NamesFor<PrometheusRuleSpec>;

/** The JSON form of a PrometheusRule's spec, as the library writes it. */
export type PrometheusRuleSpecJson = JsonOf<PrometheusRuleSpec, typeof PROMETHEUS_RULE_SPEC_NAMES>;
