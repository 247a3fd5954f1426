/**
 * Typed JSON for the core Kubernetes objects the library writes (Secret, ConfigMap, ServiceAccount,
 * ClusterRole, ClusterRoleBinding, Deployment, Service), without the generated classes at run time.
 *
 * The generated `Kube*` classes of `cdk8s-plus-28/lib/imports/k8s` live in one 2.7 MB module that
 * the library would load for these seven kinds alone, and their `toJson()` walks every field of
 * every object again at synth time. As for the custom resources (see `./typed-api-object`), the
 * generated interfaces stay the source of truth for the shapes, imported with `import type` only,
 * and each object is written in its JSON form through a plain `ApiObject`:
 *
 * - one names table per kind, for the fields the library writes (metadata is `ApiObject`'s own),
 *   checked against the generated `Kube*Props` with `satisfies NamesFor<...>`;
 * - `CoreBodies` derives each kind's JSON type from the generated interface and its table: JSON
 *   names (`clusterIP`, not `clusterIp`), value classes (`IntOrString`, `Quantity`) as their
 *   `value` (number or string);
 * - `test/private/typed-api-object.test.ts` checks every JSON name against the generated `toJson_*` converters
 *   and the apiVersion/kind against the generated classes' `GVK`.
 */
import { ApiObject, ApiObjectMetadata, ApiObjectProps } from 'cdk8s';
import type {
  KubeClusterRoleBindingProps,
  KubeClusterRoleProps,
  KubeConfigMapProps,
  KubeDeploymentProps,
  KubeSecretProps,
  KubeServiceAccountProps,
  KubeServiceProps,
} from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { Gvk, JsonOf, NamesFor } from './typed-api-object';

const SECRET_NAMES = { data: 'data', stringData: 'stringData', type: 'type' } as const satisfies NamesFor<KubeSecretProps>;

const CONFIG_MAP_NAMES = { data: 'data' } as const satisfies NamesFor<KubeConfigMapProps>;

// Listed so that the (empty) body still rejects an unknown field: TypeScript checks no excess
// properties against an empty object type.
const SERVICE_ACCOUNT_NAMES = {
  automountServiceAccountToken: 'automountServiceAccountToken',
} as const satisfies NamesFor<KubeServiceAccountProps>;

const CLUSTER_ROLE_NAMES = {
  rules: ['rules', { apiGroups: 'apiGroups', resources: 'resources', verbs: 'verbs' }],
} as const satisfies NamesFor<KubeClusterRoleProps>;

const CLUSTER_ROLE_BINDING_NAMES = {
  roleRef: ['roleRef', { apiGroup: 'apiGroup', kind: 'kind', name: 'name' }],
  subjects: ['subjects', { kind: 'kind', name: 'name', namespace: 'namespace' }],
} as const satisfies NamesFor<KubeClusterRoleBindingProps>;

const HTTP_GET = { path: 'path', port: 'port', scheme: 'scheme' } as const;

const PROBE = {
  httpGet: ['httpGet', HTTP_GET],
  initialDelaySeconds: 'initialDelaySeconds',
  timeoutSeconds: 'timeoutSeconds',
  successThreshold: 'successThreshold',
  failureThreshold: 'failureThreshold',
} as const;

const CONTAINER = {
  name: 'name',
  image: 'image',
  imagePullPolicy: 'imagePullPolicy',
  args: 'args',
  resources: ['resources', { limits: 'limits', requests: 'requests' }],
  volumeMounts: ['volumeMounts', { name: 'name', mountPath: 'mountPath', readOnly: 'readOnly' }],
  ports: ['ports', { containerPort: 'containerPort', name: 'name', protocol: 'protocol' }],
  livenessProbe: ['livenessProbe', PROBE],
  readinessProbe: ['readinessProbe', PROBE],
  securityContext: ['securityContext', {
    allowPrivilegeEscalation: 'allowPrivilegeEscalation',
    capabilities: ['capabilities', { add: 'add', drop: 'drop' }],
    readOnlyRootFilesystem: 'readOnlyRootFilesystem',
  }],
} as const;

const LABEL_SELECTOR = {
  matchExpressions: ['matchExpressions', { key: 'key', operator: 'operator', values: 'values' }],
  matchLabels: 'matchLabels',
} as const;

const POD_SPEC = {
  serviceAccountName: 'serviceAccountName',
  priorityClassName: 'priorityClassName',
  tolerations: ['tolerations', { operator: 'operator' }],
  nodeSelector: 'nodeSelector',
  affinity: ['affinity', {
    podAntiAffinity: ['podAntiAffinity', {
      preferredDuringSchedulingIgnoredDuringExecution: ['preferredDuringSchedulingIgnoredDuringExecution', {
        weight: 'weight',
        podAffinityTerm: ['podAffinityTerm', { labelSelector: ['labelSelector', LABEL_SELECTOR], topologyKey: 'topologyKey' }],
      }],
    }],
  }],
  containers: ['containers', CONTAINER],
  dnsPolicy: 'dnsPolicy',
  volumes: ['volumes', {
    name: 'name',
    configMap: ['configMap', { name: 'name', optional: 'optional', items: ['items', { key: 'key', path: 'path' }] }],
  }],
} as const;

const DEPLOYMENT_NAMES = {
  spec: ['spec', {
    replicas: 'replicas',
    strategy: ['strategy', { type: 'type', rollingUpdate: ['rollingUpdate', { maxUnavailable: 'maxUnavailable' }] }],
    selector: ['selector', LABEL_SELECTOR],
    template: ['template', { metadata: ['metadata', { labels: 'labels', annotations: 'annotations' }], spec: ['spec', POD_SPEC] }],
  }],
} as const satisfies NamesFor<KubeDeploymentProps>;

const SERVICE_NAMES = {
  spec: ['spec', {
    type: 'type',
    clusterIp: 'clusterIP',
    selector: 'selector',
    ports: ['ports', { name: 'name', port: 'port', protocol: 'protocol', targetPort: 'targetPort' }],
  }],
} as const satisfies NamesFor<KubeServiceProps>;

/** Per kind: its `apiVersion`, the generated props type's name, and its names table. */
export const CORE_KINDS = {
  Secret: { apiVersion: 'v1', props: 'KubeSecretProps', names: SECRET_NAMES },
  ConfigMap: { apiVersion: 'v1', props: 'KubeConfigMapProps', names: CONFIG_MAP_NAMES },
  ServiceAccount: { apiVersion: 'v1', props: 'KubeServiceAccountProps', names: SERVICE_ACCOUNT_NAMES },
  ClusterRole: { apiVersion: 'rbac.authorization.k8s.io/v1', props: 'KubeClusterRoleProps', names: CLUSTER_ROLE_NAMES },
  ClusterRoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', props: 'KubeClusterRoleBindingProps', names: CLUSTER_ROLE_BINDING_NAMES },
  Deployment: { apiVersion: 'apps/v1', props: 'KubeDeploymentProps', names: DEPLOYMENT_NAMES },
  Service: { apiVersion: 'v1', props: 'KubeServiceProps', names: SERVICE_NAMES },
} as const;

/** The JSON form of each kind's body (every field but apiVersion, kind and metadata). */
export interface CoreBodies {
  Secret: JsonOf<KubeSecretProps, typeof SECRET_NAMES>;
  ConfigMap: JsonOf<KubeConfigMapProps, typeof CONFIG_MAP_NAMES>;
  ServiceAccount: JsonOf<KubeServiceAccountProps, typeof SERVICE_ACCOUNT_NAMES>;
  ClusterRole: JsonOf<KubeClusterRoleProps, typeof CLUSTER_ROLE_NAMES>;
  ClusterRoleBinding: JsonOf<KubeClusterRoleBindingProps, typeof CLUSTER_ROLE_BINDING_NAMES>;
  Deployment: JsonOf<KubeDeploymentProps, typeof DEPLOYMENT_NAMES>;
  Service: JsonOf<KubeServiceProps, typeof SERVICE_NAMES>;
}

/** A ClusterRole rule, for rule lists built before the object. */
export type PolicyRuleJson = NonNullable<CoreBodies['ClusterRole']['rules']>[number];

/**
 * A core object as a plain `ApiObject`: what the generated `Kube*` class's constructor does,
 * without its conversion at synth time (the body is already JSON). Typing `body` by `kind` keeps
 * the excess-property check: a misspelled or unlisted field does not compile.
 */
export function coreObject<K extends keyof CoreBodies>(
  scope: Construct, id: string, kind: K, metadata: ApiObjectMetadata, body: CoreBodies[K]): ApiObject {
  return new ApiObject(scope, id, coreObjectProps(kind, metadata, body));
}

/** The `ApiObject` props of a core object, for constructs that are the object themselves. */
export function coreObjectProps<K extends keyof CoreBodies>(kind: K, metadata: ApiObjectMetadata, body: CoreBodies[K]): ApiObjectProps {
  const gvk: Gvk = { apiVersion: CORE_KINDS[kind].apiVersion, kind };
  // Spread last: with the body spread first, V8 gives every such object a map of its own.
  return { apiVersion: gvk.apiVersion, kind: gvk.kind, metadata, ...body };
}
