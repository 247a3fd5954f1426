import { checkDnsLabel, checkDnsSubdomain, invalid } from './validation';

/**
 * The protocol Prometheus uses to scrape a target.
 *
 * Written capitalised (`HTTP`, `HTTPS`): every ScrapeConfig CRD since prometheus-operator
 * v0.67 accepts that spelling, whereas lowercase is only accepted from v0.87 on.
 */
export enum ScrapeScheme {
  /** Plain HTTP, e.g. node-exporter on :9100. */
  HTTP = 'HTTP',
  /** HTTPS, e.g. the kubelet on :10250. */
  HTTPS = 'HTTPS',
}

/**
 * Where the `instance` label of a scraped series comes from.
 */
export class InstanceLabel {
  /**
   * Keep the label Prometheus' node discovery sets before relabeling: the node name.
   *
   * No relabeling is written.
   */
  public static nodeName(): InstanceLabel {
    return new InstanceLabel(false);
  }

  /**
   * `<node InternalIP>:<port>`, as kube-prometheus-stack's own kubelet and node-exporter
   * scrapes produce it, so series from Raven scrapes line up with the stock dashboards.
   */
  public static internalIp(): InstanceLabel {
    return new InstanceLabel(true);
  }

  /** Whether a relabeling writes `<InternalIP>:<port>` into `instance`. */
  public readonly fromInternalIp: boolean;

  private constructor(fromInternalIp: boolean) {
    this.fromInternalIp = fromInternalIp;
  }
}

/**
 * How Prometheus checks the certificate of an HTTPS target.
 */
export class ScrapeTls {
  /**
   * Do not verify the target's certificate.
   *
   * Needed behind the Raven proxy: its certificate names the gateway and its Service,
   * never the edge node a scrape addresses, so verification by node name always fails.
   */
  public static insecureSkipVerify(): ScrapeTls {
    return new ScrapeTls(true);
  }

  /** Whether certificate verification is skipped. */
  public readonly skipVerify: boolean;

  private constructor(skipVerify: boolean) {
    this.skipVerify = skipVerify;
  }
}

/**
 * Options for a ServiceAccount token Secret the library creates.
 */
export interface ServiceAccountTokenOptions {
  /**
   * The ServiceAccount Prometheus runs as; Kubernetes fills the Secret with its token.
   *
   * kube-prometheus-stack names it `<release>-kube-prometheus-prometheus`. Kubernetes
   * deletes a token Secret whose ServiceAccount does not exist.
   *
   * @default "prometheus"
   */
  readonly serviceAccountName?: string;

  /**
   * The name of the Secret to create.
   *
   * @default "prometheus-sa-token"
   */
  readonly secretName?: string;

  /**
   * The namespace of the ServiceAccount. The token Secret must be created there, and
   * prometheus-operator reads the Secret from the ScrapeConfig's namespace, so it must
   * equal the namespace of the scrapes; any other value is refused.
   *
   * @default - the namespace of the scrapes
   * @see https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets
   */
  readonly serviceAccountNamespace?: string;
}

/**
 * The bearer token Prometheus sends to an authenticated target such as the kubelet.
 */
export class BearerToken {
  /**
   * Create a `kubernetes.io/service-account-token` Secret for Prometheus' ServiceAccount
   * and send its `token` key.
   */
  public static fromServiceAccount(options: ServiceAccountTokenOptions = {}): BearerToken {
    const owner = 'BearerToken.fromServiceAccount';
    const serviceAccountName = checkDnsSubdomain(owner, 'serviceAccountName', options.serviceAccountName ?? 'prometheus');
    const secretName = checkDnsSubdomain(owner, 'secretName', options.secretName ?? 'prometheus-sa-token');
    if (options.serviceAccountNamespace !== undefined) {
      checkDnsLabel(owner, 'serviceAccountNamespace', options.serviceAccountNamespace);
    }
    return new BearerToken(secretName, 'token', serviceAccountName, options.serviceAccountNamespace);
  }

  /**
   * Use a Secret that already exists in the ScrapeConfig's namespace.
   *
   * prometheus-operator rejects the whole ScrapeConfig when the Secret or the key is missing.
   */
  public static fromSecret(secretName: string, key: string = 'token'): BearerToken {
    const owner = 'BearerToken.fromSecret';
    checkDnsSubdomain(owner, 'secretName', secretName);
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
      invalid(owner, 'key', key, 'a Secret data key (alphanumerics, \'-\', \'_\' and \'.\')');
    }
    return new BearerToken(secretName, key);
  }

  /** The Secret holding the token. */
  public readonly secretName: string;
  /** The key of the token in the Secret. */
  public readonly key: string;
  /** The ServiceAccount whose token Secret is created; undefined for an existing Secret. */
  public readonly serviceAccountName?: string;
  /** The ServiceAccount's namespace when the caller named one. */
  public readonly serviceAccountNamespace?: string;

  private constructor(secretName: string, key: string, serviceAccountName?: string, serviceAccountNamespace?: string) {
    this.secretName = secretName;
    this.key = key;
    this.serviceAccountName = serviceAccountName;
    this.serviceAccountNamespace = serviceAccountNamespace;
  }

  /** Whether the library creates the Secret. */
  public get createsSecret(): boolean {
    return this.serviceAccountName !== undefined;
  }
}
