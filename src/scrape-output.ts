import { checkDataKey, checkDnsSubdomain, invalid } from './validation';

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
   * The Prometheus version that loads the fragment; keys it does not know are left out
   * (e.g. Debian 12's 2.42).
   *
   * @default - the current Prometheus
   */
  readonly prometheusVersion?: string;
}

/**
 * What the scrapes are synthesized as.
 */
export class ScrapeOutput {
  /** prometheus-operator `ScrapeConfig` resources (and the token Secret they reference). */
  public static scrapeConfigResources(): ScrapeOutput {
    return new ScrapeOutput(undefined);
  }

  /**
   * A `scrape_configs` fragment of prometheus.yml in a ConfigMap or Secret, for a Prometheus without
   * prometheus-operator (prometheus-community/prometheus `extraScrapeConfigs`, or
   * kube-prometheus-stack's `additionalScrapeConfigsSecret`). It authenticates with the Prometheus
   * pod's own ServiceAccount token file (`credentials_file`), so no token Secret is written.
   */
  public static prometheusConfigFragment(options: PrometheusConfigFragmentOptions = {}): ScrapeOutput {
    const owner = 'ScrapeOutput.prometheusConfigFragment';
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
