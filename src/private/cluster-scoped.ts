import { ApiObject, Chart, JsonPatch } from 'cdk8s';

/**
 * Cluster-scoped objects (ClusterRole, ClusterRoleBinding, Gateway) must carry no namespace,
 * but cdk8s stamps the chart's namespace on every object; take it off again.
 */
export function markClusterScoped(obj: ApiObject): ApiObject {
  if (Chart.of(obj).namespace !== undefined) {
    obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
  return obj;
}
