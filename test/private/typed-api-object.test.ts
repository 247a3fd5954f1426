/**
 * The library writes custom resources (src/private/typed-api-object.ts) and the core objects
 * (src/private/core-objects.ts) as JSON through plain ApiObjects.
 * The compiler checks the names tables against the generated interfaces (TS field names, required
 * fields, value types); these tests check what it cannot: the JSON names, against the converters
 * `cdk8s import` generated alongside those interfaces, and the apiVersion/kind against the
 * generated classes.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as monitoring from '../../imports/monitoring.coreos.com';
import * as raven from '../../imports/raven.openyurt.io';
import { CORE_KINDS } from '../../src/private/core-objects';
import {
  GATEWAY_V1BETA1_GVK,
  GATEWAY_V1BETA1_SPEC_NAMES,
  PROMETHEUS_RULE_GVK,
  PROMETHEUS_RULE_SPEC_NAMES,
  SCRAPE_CONFIG_GVK,
  SCRAPE_CONFIG_SPEC_NAMES,
} from '../../src/private/typed-api-object';

type Converter = (obj: any) => any;
type Names = { readonly [ts: string]: string | readonly [string, Names] };

function converter(module: any, type: string): Converter {
  const fn = module[`toJson_${type}`];
  if (typeof fn !== 'function') throw new Error(`imports has no converter toJson_${type}`);
  return fn;
}

/** The generated type of a nested field, read from the call in the parent's converter. */
function nestedType(parent: Converter, tsName: string): string {
  const line = parent.toString().split('\n').find((l) => new RegExp(`\\bobj\\.${tsName}\\b`).test(l));
  const match = line && /toJson_(\w+)\(/.exec(line);
  if (!match) throw new Error(`the converter does not convert ${tsName} with a nested converter: ${line}`);
  return match[1];
}

/** Every entry of a names table, checked against the generated converter of `type` and below. */
function checkNames(module: any, type: string, names: Names, path: string): string[] {
  const toJson = converter(module, type);
  const checked: string[] = [];
  for (const [tsName, entry] of Object.entries(names)) {
    const where = `${path}.${tsName}`;
    if (typeof entry === 'string') {
      // Written as is: some sample value comes back unchanged under the JSON name.
      const samples = [['v'], { k: 'v' }, { k: ['v'] }, 'v', 1, true];
      const passes = samples.some((sample) => {
        try {
          const out = toJson({ [tsName]: sample });
          return Object.keys(out).join() === entry && JSON.stringify(out[entry]) === JSON.stringify(sample);
        } catch {
          return false;
        }
      });
      // Or a value class (IntOrString, Quantity), alone or as a map's values: written as its `value`,
      // which is what JsonOf types it as.
      const unwraps = !passes && ([['v', 'v'], [1, 1]] as const).every(([v]) => {
        try {
          const alone = toJson({ [tsName]: { value: v } });
          const inMap = toJson({ [tsName]: { k: { value: v } } });
          return (Object.keys(alone).join() === entry && alone[entry] === v)
            || (Object.keys(inMap).join() === entry && JSON.stringify(inMap[entry]) === JSON.stringify({ k: v }));
        } catch {
          return false;
        }
      });
      expect({ where, json: entry, writtenAsIs: passes || unwraps }).toEqual({ where, json: entry, writtenAsIs: true });
      checked.push(`${where} -> ${entry}${unwraps ? ' (value)' : ''}`);
    } else {
      const [jsonName, nested] = entry as readonly [string, Names];
      // An empty array survives every converter call (object, array of objects, map).
      expect({ where, keys: Object.keys(toJson({ [tsName]: [] })) }).toEqual({ where, keys: [jsonName] });
      checked.push(`${where} -> ${jsonName}`);
      checked.push(...checkNames(module, nestedType(toJson, tsName), nested, where));
    }
  }
  return checked;
}

describe('JSON names of the custom resources the library writes', () => {
  test('ScrapeConfig: every field name matches the generated converters', () => {
    const checked = checkNames(monitoring, 'ScrapeConfigSpec', SCRAPE_CONFIG_SPEC_NAMES as unknown as Names, 'spec');
    expect(checked).toContain('spec.kubernetesSdConfigs -> kubernetesSDConfigs');
    expect(checked).toContain('spec.tlsConfig.ca.secret.key -> key');
    expect(checked.length).toBeGreaterThan(30);
  });

  test('PrometheusRule: every field name matches the generated converters, the expression written as its value', () => {
    const checked = checkNames(monitoring, 'PrometheusRuleSpec', PROMETHEUS_RULE_SPEC_NAMES as unknown as Names, 'spec');
    expect(checked).toEqual([
      'spec.groups -> groups',
      'spec.groups.name -> name',
      'spec.groups.rules -> rules',
      'spec.groups.rules.alert -> alert',
      'spec.groups.rules.annotations -> annotations',
      'spec.groups.rules.expr -> expr (value)',
      'spec.groups.rules.for -> for',
      'spec.groups.rules.labels -> labels',
      'spec.groups.rules.record -> record',
    ]);
  });

  test('Gateway v1beta1: every field name matches the generated converters', () => {
    const checked = checkNames(raven, 'GatewayV1Beta1Spec', GATEWAY_V1BETA1_SPEC_NAMES as unknown as Names, 'spec');
    expect(checked).toEqual(expect.arrayContaining([
      'spec.proxyConfig.replicas -> Replicas',
      'spec.proxyConfig.proxyHttpPort -> proxyHTTPPort',
      'spec.endpoints.publicIp -> publicIP',
      'spec.endpoints.underNat -> underNAT',
      'spec.nodeSelector.matchExpressions.values -> values',
    ]));
  });

  test('the Gateway table lists every field of the generated type, so nothing is dropped silently', () => {
    const every = (module: any, type: string, names: Names): void => {
      const source = converter(module, type).toString();
      const generated = [...source.matchAll(/^\s*'[^']+': .*?\bobj\.(\w+)/gm)].map((m) => m[1]).sort();
      expect({ type, fields: Object.keys(names).sort() }).toEqual({ type, fields: generated });
      for (const [tsName, entry] of Object.entries(names)) {
        if (typeof entry !== 'string') every(module, nestedType(converter(module, type), tsName), entry[1]);
      }
    };
    every(raven, 'GatewayV1Beta1Spec', GATEWAY_V1BETA1_SPEC_NAMES as unknown as Names);
  });

  test('apiVersion and kind are those of the generated classes', () => {
    expect(SCRAPE_CONFIG_GVK).toEqual(monitoring.ScrapeConfig.GVK);
    expect(PROMETHEUS_RULE_GVK).toEqual(monitoring.PrometheusRule.GVK);
    expect(GATEWAY_V1BETA1_GVK).toEqual(raven.GatewayV1Beta1.GVK);
    for (const [kind, { apiVersion, props }] of Object.entries(CORE_KINDS)) {
      expect({ props, apiVersion, kind }).toEqual({ props: `Kube${kind}Props`, ...(k8s as any)[`Kube${kind}`].GVK });
    }
  });

  test('the generated converters write keys in sorted order, as ApiObject.toJson() does', () => {
    for (const module of [monitoring, raven, k8s]) {
      for (const [name, fn] of Object.entries(module)) {
        if (!name.startsWith('toJson_') || typeof fn !== 'function') continue;
        // The top level of a core object writes metadata first; ApiObject.toJson() does the same.
        if (module === k8s && /^toJson_Kube\w+Props$/.test(name)) continue;
        const keys = [...fn.toString().matchAll(/^\s*'([^']+)': /gm)].map((m) => m[1]);
        expect({ name, keys }).toEqual({ name, keys: [...keys].sort() });
      }
    }
  });
});

describe('JSON names of the core objects the library writes', () => {
  const checkAll = (): string[] => Object.entries(CORE_KINDS).flatMap(([kind, { props, names }]) =>
    checkNames(k8s, props, names as unknown as Names, kind));

  test('every field name of every kind matches the generated converters', () => {
    expect(checkAll()).toEqual(expect.arrayContaining([
      'Service.spec.clusterIp -> clusterIP',
      'Secret.stringData -> stringData',
      'ClusterRoleBinding.roleRef.apiGroup -> apiGroup',
      'Deployment.spec.template.spec.volumes.configMap.items.key -> key',
    ]));
  });

  test('the value classes are exactly IntOrString and Quantity fields, written as their value', () => {
    expect(checkAll().filter((c) => c.endsWith(' (value)')).sort()).toEqual([
      'Deployment.spec.strategy.rollingUpdate.maxUnavailable -> maxUnavailable (value)',
      'Deployment.spec.template.spec.containers.livenessProbe.httpGet.port -> port (value)',
      'Deployment.spec.template.spec.containers.readinessProbe.httpGet.port -> port (value)',
      'Deployment.spec.template.spec.containers.resources.limits -> limits (value)',
      'Deployment.spec.template.spec.containers.resources.requests -> requests (value)',
      'Service.spec.ports.targetPort -> targetPort (value)',
    ]);
  });
});
