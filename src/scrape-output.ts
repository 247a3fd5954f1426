import { checkKnownProps } from './private/known-props';
import { renderPlainStyle, SERVICE_ACCOUNT_TOKEN_FILE } from './private/scrape-config-render';
import { checkDataKey, checkDnsSubdomain, invalid } from './private/validation';

/**
 * Options for `ScrapeOutput.prometheusConfigFragment()`.
 */
export interface PrometheusConfigFragmentOptions {
  /**
   * The name of the ConfigMap (or Secret) holding the fragment.
   *
   * @default "raven-scrape-configs"
   */
  readonly name?: string;

  /**
   * The data key holding the fragment.
   *
   * @default "raven-scrape-configs.yaml"
   */
  readonly key?: string;

  /**
   * Write a Secret instead of a ConfigMap (kube-prometheus-stack's
   * `prometheus.prometheusSpec.additionalScrapeConfigsSecret` reads a Secret).
   *
   * @default false
   */
  readonly asSecret?: boolean;

  /**
   * Jobs are named `<prefix>/<namespace>/<name>`, which cannot collide with the
   * `scrapeConfig/...`, `serviceMonitor/...` and `podMonitor/...` jobs prometheus-operator generates.
   *
   * @default "raven"
   */
  readonly jobNamePrefix?: string;

  /**
   * The Prometheus version that loads the fragment. Keys it does not know are left out (e.g.
   * Debian 12's 2.42) where the scrape works the same without them; before 2.26 the token is sent
   * with `bearer_token_file` instead of `authorization`. A scrape that would then select other
   * targets is refused: pods selected by their node's labels before 2.35 (no `attach_metadata`),
   * any selection before 2.17 (no discovery `selectors`).
   *
   * @default - the current Prometheus
   */
  readonly prometheusVersion?: string;
}

/**
 * What the scrapes are synthesized as.
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { RavenPrometheus, ScrapeOutput } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * // prometheus-community/prometheus, without the operator: a scrape_configs fragment in a ConfigMap.
 * const stack = new RavenPrometheus(chart, 'raven', {
 *   serviceAccountName: 'prometheus-server',
 *   output: ScrapeOutput.prometheusConfigFragment({ prometheusVersion: '2.42.0' }),
 * });
 * // stack.scrapeConfigsYaml is the fragment, for the chart's extraScrapeConfigs.
 */
export class ScrapeOutput {
  /** prometheus-operator `ScrapeConfig` resources (and, with `sendServiceAccountTokenToNodes`, the token Secret they reference). */
  public static scrapeConfigResources(): ScrapeOutput {
    return new ScrapeOutput(undefined);
  }

  /**
   * A `scrape_configs` fragment of prometheus.yml in a ConfigMap or Secret, for a Prometheus without
   * prometheus-operator (prometheus-community/prometheus `extraScrapeConfigs`, or
   * kube-prometheus-stack's `additionalScrapeConfigsSecret`). HTTPS jobs verify Raven's proxy with
   * the pod's ServiceAccount CA file (`ca_file`, projected from `kube-root-ca.crt`); with
   * `sendServiceAccountTokenToNodes` the kubelet jobs send the pod's own ServiceAccount token file
   * (`credentials_file`), so no token Secret is written either way.
   *
   * @param options the ConfigMap or Secret, its key, the job name prefix and the Prometheus version
   */
  public static prometheusConfigFragment(options: PrometheusConfigFragmentOptions = {}): ScrapeOutput {
    const owner = 'ScrapeOutput.prometheusConfigFragment';
    checkKnownProps(owner, 'options', options, 'PrometheusConfigFragmentOptions');
    checkDnsSubdomain(owner, 'name', options.name ?? 'raven-scrape-configs');
    const key = checkDataKey(owner, 'key', options.key ?? 'raven-scrape-configs.yaml');
    const prefix = options.jobNamePrefix ?? 'raven';
    if (!/^[a-zA-Z0-9][-a-zA-Z0-9_.]*$/.test(prefix) || ['scrapeConfig', 'serviceMonitor', 'podMonitor', 'probe'].includes(prefix)) {
      invalid(owner, 'jobNamePrefix', prefix, 'a word of letters, digits, \'-\', \'_\' and \'.\' other than the operator\'s own prefixes (scrapeConfig, serviceMonitor, podMonitor, probe)');
    }
    if (options.prometheusVersion !== undefined && !/^v?\d+\.\d+(\.\d+)?$/.test(options.prometheusVersion)) {
      invalid(owner, 'prometheusVersion', options.prometheusVersion, 'a version like \'2.42.0\'');
    }
    return new ScrapeOutput({ ...options, name: options.name ?? 'raven-scrape-configs', key, jobNamePrefix: prefix });
  }

  private constructor(
    /** The fragment's options; undefined for ScrapeConfig resources. */
    public readonly fragment?: PrometheusConfigFragmentOptions,
  ) {}
}

function versionBelow(version: string, major: number, minor: number): boolean {
  const [a, b] = version.replace(/^v/, '').split('.').map(Number);
  return a < major || (a === major && b < minor);
}

/**
 * The `scrape_configs` jobs of a fragment, for the Prometheus version it declares. Where that
 * version lacks a key the scrape's target selection rests on, the scrape is refused rather than
 * written to find other targets (or none) in silence.
 */
export function renderFragmentJobs(owner: string, manifests: any[], fragment: PrometheusConfigFragmentOptions): any[] {
  const version = fragment.prometheusVersion;
  return manifests.map((manifest) => {
    const job = renderPlainStyle(manifest, { jobNamePrefix: fragment.jobNamePrefix, prometheusVersion: version }, owner);
    if (version === undefined) return job;
    const sds: any[] = manifest.spec?.kubernetesSDConfigs ?? [];
    if (versionBelow(version, 2, 17) && sds.some((sd) => (sd.selectors ?? []).length > 0)) {
      throw new Error(`${owner}: job '${job.job_name}' selects its targets with Kubernetes discovery selectors, which Prometheus has only from `
        + `2.17.0; prometheusVersion is '${version}'. Without them every node and pod of the cluster would be a target. Upgrade Prometheus.`);
    }
    if (versionBelow(version, 2, 35) && sds.some((sd) => sd.role === 'Pod' && sd.attachMetadata !== undefined)) {
      throw new Error(`${owner}: job '${job.job_name}' selects pods by their node's labels, which Prometheus adds only from 2.35.0 `
        + `(attach_metadata); prometheusVersion is '${version}'. Without them the node selection would keep no pod and the node labels `
        + 'would be missing. Discover the nodes instead (TargetDiscovery.nodes(), e.g. nodeExporterDiscovery), or select every node '
        + '(NodeSelection.all()) with keepNodeLabels: false, or upgrade Prometheus.');
    }
    if (versionBelow(version, 2, 26) && manifest.spec?.authorization !== undefined) {
      // `authorization` arrived in 2.26; its predecessor reads the same token file.
      job.bearer_token_file = SERVICE_ACCOUNT_TOKEN_FILE;
    }
    return job;
  });
}
