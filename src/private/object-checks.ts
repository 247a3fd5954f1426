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
 * Each object's identity and chart, computed once: kind, apiVersion, name, namespace and the
 * place in the tree do not change once an object exists, and cdk8s validates the whole app once
 * per chart it synthesizes, so the check runs (charts + 1) times per synthesis.
 */
const IDENTITIES = new WeakMap<ApiObject, { key: string; text: string; chart: Chart }>();

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
  // A construct of the library was added: results remembered so far may be stale.
  generation++;
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

/**
 * Results kept while nothing changes: cdk8s validates the whole app once per chart it
 * synthesizes, so without them the check would walk every chart (charts + 1) times per
 * synthesis, quadratic in the number of clusters of a platform app. They are dropped when a
 * construct of the library is added, and on the next tick (an object of the user's own added
 * after a synthesis, in the same synchronous run, is seen from then on).
 */
let remembered = new WeakMap<IConstruct, { generation: number; value: { [what: string]: any } }>();
let generation = 0;
let dropScheduled = false;

function remember<T>(scope: IConstruct, what: 'errors' | 'objects', compute: () => T): T {
  const known = remembered.get(scope);
  if (known !== undefined && known.generation === generation && what in known.value) return known.value[what];
  const value = compute();
  remembered.set(scope, { generation, value: { ...(known?.generation === generation ? known.value : {}), [what]: value } });
  if (!dropScheduled) {
    dropScheduled = true;
    process.nextTick(() => {
      remembered = new WeakMap();
      dropScheduled = false;
    });
  }
  return value;
}

function identity(obj: ApiObject): { key: string; text: string; chart: Chart } {
  let found = IDENTITIES.get(obj);
  if (found === undefined) {
    const slash = obj.apiVersion.lastIndexOf('/');
    const group = slash >= 0 ? obj.apiVersion.slice(0, slash) : '';
    const clusterScoped = CLUSTER_SCOPED.has(`${group}/${obj.kind}`);
    const namespace = clusterScoped ? undefined : obj.metadata.namespace;
    found = {
      // Neither a group, a kind nor a name holds a space.
      key: `${group} ${obj.kind} ${namespace ?? ''} ${obj.name}`,
      text: `${obj.kind} ${namespace !== undefined ? `${namespace}/` : ''}${obj.name}`,
      chart: Chart.of(obj),
    };
    IDENTITIES.set(obj, found);
  }
  return found;
}

/** Whether the app writes all its charts as one set of files applied together. */
function appWide(chart: Chart): boolean {
  const root = chart.node.root;
  const type = root instanceof App ? root.yamlOutputType : undefined;
  return type === YamlOutputType.FILE_PER_APP || type === YamlOutputType.FILE_PER_RESOURCE;
}

/** Every object of the app, in tree order, once per run (each chart's check reads it). */
function appObjects(root: IConstruct): ApiObject[] {
  return remember(root, 'objects', () => objectsOf(root));
}

function objectsOf(scope: IConstruct, chart?: Chart): ApiObject[] {
  return scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && (chart === undefined || identity(c).chart === chart));
}

/**
 * The errors for `chart`: each object of the manifest that an earlier object of the same manifest
 * already wrote. App-wide, each pair is reported once, by the chart of its second object.
 */
function duplicateObjects(chart: Chart): string[] {
  return remember(chart, 'errors', () => findDuplicates(chart));
}

function findDuplicates(chart: Chart): string[] {
  const wide = appWide(chart);
  const objects = wide ? appObjects(chart.node.root) : objectsOf(chart, chart);
  const seen = new Map<string, ApiObject>();
  const errors: string[] = [];
  for (const obj of objects) {
    const { key, text, chart: objectChart } = identity(obj);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, obj);
      continue;
    }
    if (wide && objectChart !== chart) continue;
    const hint = HINTS.get(obj) ?? HINTS.get(first);
    errors.push(`${text} is written twice into ${wide ? 'the app\'s manifest' : `the manifest of chart '${chart.node.path}'`}: `
      + `by ${first.node.path} and by ${obj.node.path}. Applying it would keep only the last one.${hint ? ` ${hint}` : ''}`);
  }
  return errors;
}
