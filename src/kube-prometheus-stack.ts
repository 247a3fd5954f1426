import { checkKnownProps } from './private/known-props';
import { checkDnsSubdomain, invalid } from './private/validation';

/**
 * How a kube-prometheus-stack release is named: what its objects' names derive from.
 */
export interface KubePrometheusStackRelease {
  /** The Helm release name (`helm install <release> ...`). */
  readonly release: string;

  /**
   * The chart's `nameOverride` value.
   *
   * @default - the chart name, `kube-prometheus-stack`
   */
  readonly nameOverride?: string;

  /**
   * The chart's `fullnameOverride` value.
   *
   * @default - derived from the release and the name
   */
  readonly fullnameOverride?: string;
}

const CHART_NAME = 'kube-prometheus-stack';
/** The chart truncates its fullname to 26 characters so that its longest suffix (37) stays within 63. */
const FULLNAME_LENGTH = 26;
/** Helm's release name rule (helm pkg/chartutil ValidateReleaseName). */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_RELEASE_NAME_LENGTH = 53;
const DNS_SUBDOMAIN = RELEASE_NAME;

/** Sprig's `trunc 26 | trimSuffix "-"`: at most 26 bytes, then one trailing '-' removed. */
function truncate(value: string): string {
  const cut = value.slice(0, FULLNAME_LENGTH);
  return cut.endsWith('-') ? cut.slice(0, -1) : cut;
}

/**
 * Facts about kube-prometheus-stack (chart 88.x) that the library's defaults follow.
 *
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 */
export class KubePrometheusStack {
  /** The chart's name, the `name` its fullname falls back to. */
  public static readonly CHART_NAME = CHART_NAME;

  /**
   * The chart's fullname (`kube-prometheus-stack.fullname` in its `_helpers.tpl`), the prefix of
   * its object names: `fullnameOverride` if set; otherwise, with `name` = `nameOverride` or the
   * chart name, the release name if it contains `name`, else `<release>-<name>`; in every case
   * cut to 26 characters and one trailing `-` removed.
   *
   * @param release the release name and its name overrides
   */
  public static fullname(release: KubePrometheusStackRelease): string {
    checkKnownProps('KubePrometheusStack.fullname', 'options', release ?? null, 'KubePrometheusStackRelease');
    return fullnameOf('KubePrometheusStack', release);
  }

  /**
   * The name of the chart's Prometheus ServiceAccount, `<fullname>-prometheus`, when
   * `prometheus.serviceAccount.name` is not set.
   *
   * Kubernetes deletes a `kubernetes.io/service-account-token` Secret whose ServiceAccount does
   * not exist; prometheus-operator then rejects the ScrapeConfigs that read it.
   *
   * @param release the release name and its name overrides
   */
  public static prometheusServiceAccountName(release: KubePrometheusStackRelease): string {
    checkKnownProps('KubePrometheusStack.prometheusServiceAccountName', 'options', release ?? null, 'KubePrometheusStackRelease');
    return prometheusServiceAccountOf('KubePrometheusStack', release);
  }

  private constructor() {
    // Static facts only.
  }
}

/** Helm's release name rule, with the library's error. */
export function checkHelmReleaseName(owner: string, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > MAX_RELEASE_NAME_LENGTH || !RELEASE_NAME.test(value)) {
    invalid(owner, prop, value,
      `a Helm release name (at most ${MAX_RELEASE_NAME_LENGTH} characters of a-z, 0-9, '-' and '.', starting and ending with a letter or digit)`);
  }
  return value;
}

/** `KubePrometheusStack.fullname()` with `owner` in its errors. */
export function fullnameOf(owner: string, release: KubePrometheusStackRelease): string {
  checkHelmReleaseName(owner, 'release', release.release);
  let fullname: string;
  if (release.fullnameOverride) {
    fullname = truncate(release.fullnameOverride);
  } else {
    const name = release.nameOverride || CHART_NAME;
    fullname = truncate(release.release.includes(name) ? release.release : `${release.release}-${name}`);
  }
  // Every object of the chart is named <fullname>-<component>: that must be a valid object name.
  if (!DNS_SUBDOMAIN.test(`${fullname}-x`)) {
    const from = release.fullnameOverride ? 'fullnameOverride' : release.nameOverride ? 'nameOverride' : 'release';
    invalid(owner, from, release.fullnameOverride || release.nameOverride || release.release,
      `a name that, cut to ${FULLNAME_LENGTH} characters and followed by '-<component>', is an RFC 1123 subdomain (it gives '${fullname}')`,
      'Use lowercase letters, digits, \'-\' and \'.\'.');
  }
  return fullname;
}

/** `KubePrometheusStack.prometheusServiceAccountName()` with `owner` in its errors. */
export function prometheusServiceAccountOf(owner: string, release: KubePrometheusStackRelease): string {
  return checkDnsSubdomain(owner, 'serviceAccountName', `${fullnameOf(owner, release)}-prometheus`);
}
