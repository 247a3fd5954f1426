/**
 * The library writes custom resources as JSON through plain ApiObjects (src/typed-api-object.ts).
 * The compiler checks the names tables against the generated interfaces (TS field names, required
 * fields, value types); these tests check what it cannot: the JSON names, against the converters
 * `cdk8s import` generated alongside those interfaces, and the apiVersion/kind against the
 * generated classes.
 */
import * as monitoring from '../imports/monitoring.coreos.com';
import * as raven from '../imports/raven.openyurt.io';
import {
  GATEWAY_V1BETA1_GVK,
  GATEWAY_V1BETA1_SPEC_NAMES,
  SCRAPE_CONFIG_GVK,
  SCRAPE_CONFIG_SPEC_NAMES,
} from '../src/typed-api-object';

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
      const samples = [['v'], { k: 'v' }, 'v', 1, true];
      const passes = samples.some((sample) => {
        try {
          const out = toJson({ [tsName]: sample });
          return Object.keys(out).join() === entry && JSON.stringify(out[entry]) === JSON.stringify(sample);
        } catch {
          return false;
        }
      });
      expect({ where, json: entry, writtenAsIs: passes }).toEqual({ where, json: entry, writtenAsIs: true });
      checked.push(`${where} -> ${entry}`);
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
    expect(GATEWAY_V1BETA1_GVK).toEqual(raven.GatewayV1Beta1.GVK);
  });

  test('the generated converters write keys in sorted order, as ApiObject.toJson() does', () => {
    for (const module of [monitoring, raven]) {
      for (const [name, fn] of Object.entries(module)) {
        if (!name.startsWith('toJson_') || typeof fn !== 'function') continue;
        const keys = [...fn.toString().matchAll(/^\s*'([^']+)': /gm)].map((m) => m[1]);
        expect({ name, keys }).toEqual({ name, keys: [...keys].sort() });
      }
    }
  });
});
