import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { coreObject } from './core-objects';
import { resolveNamespace } from './namespace';
import { checkDnsSubdomain } from './validation';

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
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets
 */
export class ServiceAccountTokenSecret extends Construct {
  /** The Secret API object. */
  public readonly resource: ApiObject;
  /** The Secret's name. */
  public readonly secretName: string;
  /** The Secret's (and the ServiceAccount's) namespace. */
  public readonly namespace: string;
  /** The ServiceAccount the token belongs to. */
  public readonly serviceAccountName: string;

  public constructor(scope: Construct, id: string, props: ServiceAccountTokenSecretProps = {}) {
    super(scope, id);
    const owner = 'ServiceAccountTokenSecret';
    this.secretName = checkDnsSubdomain(owner, 'secretName', props.secretName ?? 'prometheus-sa-token');
    this.serviceAccountName = checkDnsSubdomain(owner, 'serviceAccountName', props.serviceAccountName ?? 'prometheus');
    this.namespace = resolveNamespace(this, owner, props.namespace);
    this.resource = coreObject(this, 'Resource', 'Secret', {
      name: this.secretName,
      namespace: this.namespace,
      annotations: { 'kubernetes.io/service-account.name': this.serviceAccountName },
    }, { type: 'kubernetes.io/service-account-token' });
  }
}
