import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { checkDnsLabel } from './validation';

/**
 * The namespace of a namespaced object: the prop when given, else the chart's.
 * A namespaced object without either is refused rather than left to kubectl's context.
 */
export function resolveNamespace(scope: Construct, owner: string, namespace: string | undefined, prop: string = 'namespace'): string {
  const resolved = namespace ?? Chart.of(scope).namespace;
  if (resolved === undefined) {
    throw new Error(`${owner}: '${prop}' is required when the chart has no namespace, got none. `
      + 'Pass namespace (e.g. \'monitoring\', where Prometheus runs) or create the Chart with { namespace }.');
  }
  return checkDnsLabel(owner, namespace === undefined ? 'namespace' : prop, resolved);
}
