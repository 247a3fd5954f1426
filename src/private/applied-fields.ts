/**
 * What the library writes onto objects the cluster owns (kube-system/coredns, its Deployment, the
 * cloud Gateway), which it changes but did not create: only its own fields, as server-side apply
 * configurations, plus the annotations that let a later check (`cdk8s-raven-prometheus drift`)
 * tell a stale export from a change of the library's, and keep GitOps tools from deleting them.
 */

/** The field manager the docs and `drift` use for the library's fields (`kubectl apply --server-side --field-manager=...`). */
export const FIELD_MANAGER = 'cdk8s-raven-prometheus';

/** On the edited CoreDNS ConfigMap: the sha256 (hex) of the Corefile the edit was computed from. */
export const BASE_COREFILE_ANNOTATION = 'raven-prometheus.cdk8s.io/base-corefile-sha256';

/**
 * On the Gateway: its proxy port fields as they were before the library first wrote them, as JSON
 * (`{"proxyHTTPPort":"10255","proxyHTTPSPort":""}`; an absent field is ""). Taken from the export,
 * or kept from the export's own annotation when the export already carries the library's ports,
 * so that rolling back knows which ports were the cluster's.
 */
export const ORIGINAL_PROXY_PORTS_ANNOTATION = 'raven-prometheus.cdk8s.io/original-proxy-ports';

/**
 * Annotations on every object the cluster owns, for the GitOps tools that apply the stack:
 * - Flux (kustomize-controller): `prune: disabled`, so that dropping the object from the stack, or
 *   deleting the Kustomization, never deletes the cluster's CoreDNS or Gateway; `ssa: Merge`, so
 *   that it does not take over the fields other managers (`kubectl`, `before-first-apply`) hold
 *   and then remove those the stack does not write.
 * - Argo CD: `Prune=false,Delete=false` for the same reasons, and `ServerSideApply=true`, because
 *   the object holds only the library's fields and must be merged, not applied as a whole.
 *   `Validate=false` where the object alone is not valid against its schema (the Gateway lacks
 *   `proxyConfig.Replicas`, which stays the cluster's).
 */
export function clusterOwnedAnnotations(schemaValidAlone: boolean): { [key: string]: string } {
  return {
    'argocd.argoproj.io/sync-options': `Prune=false,Delete=false,ServerSideApply=true${schemaValidAlone ? '' : ',Validate=false'}`,
    'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    'kustomize.toolkit.fluxcd.io/ssa': 'Merge',
  };
}
