import { ApiObject, ApiObjectProps } from 'cdk8s';
import { Construct } from 'constructs';
import { coreObjectProps } from './private/core-objects';
import { checkKnownProps } from './private/known-props';
import { resolveNamespace } from './private/namespace';
import { checkObjectsOf } from './private/object-checks';
import { checkDnsSubdomain, inChart } from './private/validation';

/**
 * Props for `ServiceAccountTokenSecret`.
 */
export interface ServiceAccountTokenSecretProps {
  /**
   * The ServiceAccount whose long-lived token Kubernetes writes into the Secret.
   *
   * @default "prometheus"
   */
  readonly serviceAccountName?: string;

  /**
   * The Secret's name.
   *
   * @default "prometheus-sa-token"
   */
  readonly secretName?: string;

  /**
   * The namespace of the ServiceAccount, where the Secret must live.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
}

/**
 * A `kubernetes.io/service-account-token` Secret: Kubernetes' token controller fills in
 * `token`, `ca.crt` and `namespace` for the named ServiceAccount.
 *
 * The construct is the Secret API object itself.
 *
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { ServiceAccountTokenSecret } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * new ServiceAccountTokenSecret(chart, 'token', { serviceAccountName: 'kube-prometheus-stack-prometheus' });
 */
export class ServiceAccountTokenSecret extends ApiObject {
  /** The Secret's name. */
  public readonly secretName: string;
  /** The Secret's (and the ServiceAccount's) namespace. */
  public readonly namespace: string;
  /** The ServiceAccount the token belongs to. */
  public readonly serviceAccountName: string;

  /**
   * @param scope the chart, or a construct in it, that the objects are added to
   * @param id the construct id, unique within `scope`
   * @param props the ServiceAccount, and the Secret's name and namespace
   */
  public constructor(scope: Construct, id: string, props: ServiceAccountTokenSecretProps = {}) {
    checkKnownProps('ServiceAccountTokenSecret', 'props', props, 'ServiceAccountTokenSecretProps', scope, id);
    const r = inChart(scope, id, () => renderTokenSecret(scope, props ?? {}));
    super(scope, id, r.objectProps);
    checkObjectsOf(this);
    this.secretName = r.secretName;
    this.namespace = r.namespace;
    this.serviceAccountName = r.serviceAccountName;
  }

  /** The Secret API object: the construct itself (kept for symmetry with the other constructs). */
  public get resource(): ApiObject {
    return this;
  }
}

/** The checked names of a token Secret and its object. */
interface RenderedTokenSecret {
  secretName: string;
  namespace: string;
  serviceAccountName: string;
  objectProps: ApiObjectProps;
}

function renderTokenSecret(scope: Construct, props: ServiceAccountTokenSecretProps): RenderedTokenSecret {
  const owner = 'ServiceAccountTokenSecret';
  const secretName = checkDnsSubdomain(owner, 'secretName', props.secretName ?? 'prometheus-sa-token');
  const serviceAccountName = checkDnsSubdomain(owner, 'serviceAccountName', props.serviceAccountName ?? 'prometheus');
  const namespace = resolveNamespace(scope, owner, props.namespace);
  const objectProps = coreObjectProps('Secret',
    { name: secretName, namespace, annotations: { 'kubernetes.io/service-account.name': serviceAccountName } },
    { type: 'kubernetes.io/service-account-token' });
  return { secretName, namespace, serviceAccountName, objectProps };
}

/** The same Secret as `ServiceAccountTokenSecret`, as a plain `ApiObject` in `scope`. */
export function addTokenSecretObject(scope: Construct, id: string, props: ServiceAccountTokenSecretProps): ApiObject {
  return new ApiObject(scope, id, renderTokenSecret(scope, props).objectProps);
}
