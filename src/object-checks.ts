import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Checks across the objects of an app, run when it is synthesized: an object written twice into
 * one manifest is refused, naming both construct paths. `kubectl apply` (and every GitOps tool)
 * keeps only the last copy, so the first one's intent is lost without a word: two `RavenPrometheus`
 * in one namespace, two edits of one cluster's CoreDNS, two patches of one Gateway.
 *
 * What one manifest is follows the app's output: each chart is its own manifest by default (a
 * multi-cluster app writes the same `kube-system/coredns` once per cluster chart, rightly);
 * with `YamlOutputType.FILE_PER_APP` the whole app is one, and with `FILE_PER_RESOURCE` every
 * chart's files share one folder (and one file per kind and name).
 */

/** Kinds that have no namespace (the chart's namespace, stamped by cdk8s, does not count). */
const CLUSTER_SCOPED = new Set([
  '/Namespace', '/Node', '/PersistentVolume',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode',
  'scheduling.k8s.io/PriorityClass', 'networking.k8s.io/IngressClass', 'node.k8s.io/RuntimeClass',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'raven.openyurt.io/Gateway',
]);

const CHECKED = new WeakSet<IConstruct>();
const HINTS = new WeakMap<ApiObject, string>();

/**
 * Says what to do when this object turns out to be written twice (e.g. "the cluster CoreDNS is
 * edited once per cluster: ..."); the generic message names the paths only.
 */
export function whenWrittenTwice(obj: ApiObject, hint: string): ApiObject {
  HINTS.set(obj, hint);
  return obj;
}

/** Adds the duplicate-object check to the chart of `scope`, once per chart. */
export function checkObjectsOf(scope: IConstruct): void {
  let chart: Chart;
  try {
    chart = Chart.of(scope);
  } catch {
    return; // not in a chart: nothing is synthesized from it
  }
  if (CHECKED.has(chart)) return;
  CHECKED.add(chart);
  chart.node.addValidation({ validate: () => duplicateObjects(chart) });
}

function identity(obj: ApiObject): { key: string; text: string } {
  const slash = obj.apiVersion.lastIndexOf('/');
  const group = slash >= 0 ? obj.apiVersion.slice(0, slash) : '';
  const clusterScoped = CLUSTER_SCOPED.has(`${group}/${obj.kind}`);
  const namespace = clusterScoped ? undefined : obj.metadata.namespace;
  return {
    key: JSON.stringify([group, obj.kind, namespace ?? null, obj.name]),
    text: `${obj.kind} ${namespace !== undefined ? `${namespace}/` : ''}${obj.name}`,
  };
}

/** Whether the app writes all its charts as one set of files applied together. */
function appWide(chart: Chart): boolean {
  const root = chart.node.root;
  const type = root instanceof App ? root.yamlOutputType : undefined;
  return type === YamlOutputType.FILE_PER_APP || type === YamlOutputType.FILE_PER_RESOURCE;
}

function objectsOf(scope: IConstruct, chart?: Chart): ApiObject[] {
  return scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && (chart === undefined || Chart.of(c) === chart));
}

/**
 * The errors for `chart`: each object of the manifest that an earlier object of the same manifest
 * already wrote. App-wide, each pair is reported once, by the chart of its second object.
 */
function duplicateObjects(chart: Chart): string[] {
  const wide = appWide(chart);
  const objects = wide ? objectsOf(chart.node.root) : objectsOf(chart, chart);
  const seen = new Map<string, ApiObject>();
  const errors: string[] = [];
  for (const obj of objects) {
    const { key, text } = identity(obj);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, obj);
      continue;
    }
    if (wide && Chart.of(obj) !== chart) continue;
    const hint = HINTS.get(obj) ?? HINTS.get(first);
    errors.push(`${text} is written twice into ${wide ? 'the app\'s manifest' : `the manifest of chart '${chart.node.path}'`}: `
      + `by ${first.node.path} and by ${obj.node.path}. Applying it would keep only the last one.${hint ? ` ${hint}` : ''}`);
  }
  return errors;
}
