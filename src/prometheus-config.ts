import { checkKnownProps } from './private/known-props';
import {
  OPERATOR_TLS_ASSETS_DIR, renderOperatorStyle, renderPlainStyle, SERVICE_ACCOUNT_CA_FILE, SERVICE_ACCOUNT_TOKEN_FILE,
} from './private/scrape-config-render';

/** Options for `PrometheusConfig.renderScrapeConfig`: what the operator would read besides the ScrapeConfig. */
export interface OperatorRenderOptions {
  /**
   * Secrets of the ScrapeConfig's namespace, by name then key, decoded (not base64).
   *
   * @default - no Secret exists: any reference to one throws
   */
  readonly secrets?: { [name: string]: { [key: string]: string } };

  /**
   * ConfigMaps of the ScrapeConfig's namespace (a TLS CA may come from one), by name then key.
   *
   * @default - no ConfigMap exists: any reference to one throws
   */
  readonly configMaps?: { [name: string]: { [key: string]: string } };

  /**
   * The Prometheus version the operator generates for; keys newer than it are dropped, as the
   * operator does (it only logs a warning), e.g. `2.42.0` for Debian 12's Prometheus.
   *
   * @default - no key is dropped (a current 3.x Prometheus)
   */
  readonly prometheusVersion?: string;

  /**
   * `spec.shards` of the Prometheus resource. With more than one shard the operator appends its
   * sharding relabelings (a hashmod of `__tmp_hash`, set to `__address__` unless a relabeling set
   * it already, and a keep of the shard's `$(SHARD)`), unless the ScrapeConfig has a hashmod of
   * its own.
   *
   * @default 1
   */
  readonly shards?: number;
}

/** Options for `PrometheusConfig.renderPlainScrapeConfig`. */
export interface PlainRenderOptions {
  /**
   * The first segment of the job name; must differ from the operator's own prefixes.
   *
   * @default "raven"
   */
  readonly jobNamePrefix?: string;

  /**
   * Keys newer than this Prometheus version are dropped.
   *
   * @default - no key is dropped
   */
  readonly prometheusVersion?: string;
}

/**
 * Renders a synthesized prometheus-operator `ScrapeConfig` into the `scrape_configs` entry
 * Prometheus finally runs, to review it or to feed a Prometheus that runs without the operator.
 *
 * `renderScrapeConfig` reproduces what prometheus-operator v0.93 generates (job
 * `scrapeConfig/<namespace>/<name>`, Secrets inlined, TLS files under `/etc/prometheus/certs`,
 * the operator's key order); the upstream suite checks it against the operator's own code for
 * every ScrapeConfig the library can write. `renderPlainScrapeConfig` is the same scrape for a
 * Prometheus without the operator, in the cluster: the pod's own ServiceAccount token and CA files
 * replace the Secret.
 *
 * What is not modelled is refused rather than dropped: scrape classes, proxies, OAuth2, service
 * discoveries other than Kubernetes and static ones, and the operator's enforced limits and
 * sharding feature gates; `spec.shards` is modelled (`OperatorRenderOptions.shards`).
 *
 * @see https://github.com/prometheus-operator/prometheus-operator/blob/main/pkg/prometheus/promcfg.go
 *
 * @example
 * import { App, Chart } from 'cdk8s';
 * import { EdgeNodeScrape, PrometheusConfig } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * const scrape = new EdgeNodeScrape(chart, 'node-exporter', { port: 9100 });
 * // What a Prometheus 2.42 managed by the operator runs for this ScrapeConfig.
 * const job = PrometheusConfig.renderScrapeConfig(scrape.toJson(), { prometheusVersion: '2.42.0' });
 */
export class PrometheusConfig {
  /** Where prometheus-operator mounts the TLS assets it reads from Secrets and ConfigMaps. */
  public static readonly OPERATOR_TLS_ASSETS_DIR = OPERATOR_TLS_ASSETS_DIR;
  /** The token file of the pod's own ServiceAccount, used by the plain style. */
  public static readonly SERVICE_ACCOUNT_TOKEN_FILE = SERVICE_ACCOUNT_TOKEN_FILE;
  /** The cluster CA file of the pod's own ServiceAccount, used by the plain style. */
  public static readonly SERVICE_ACCOUNT_CA_FILE = SERVICE_ACCOUNT_CA_FILE;

  /**
   * The `scrape_configs` entry prometheus-operator v0.93 generates for a synthesized ScrapeConfig.
   *
   * @param manifest the ScrapeConfig manifest (apiVersion, kind, metadata, spec), e.g. an element of `chart.toJson()`
   * @param options the Secrets and ConfigMaps of its namespace, the Prometheus version and its shards
   * @returns the `scrape_configs` entry, a plain object to serialize as YAML
   * @throws when a referenced Secret, ConfigMap or key is missing (the operator rejects the
   *   ScrapeConfig), when the spec is invalid, or when it uses a field the renderer does not model
   */
  public static renderScrapeConfig(manifest: any, options: OperatorRenderOptions = {}): any {
    checkKnownProps('PrometheusConfig.renderScrapeConfig', 'options', options, 'OperatorRenderOptions');
    return renderOperatorStyle(manifest, options, 'PrometheusConfig.renderScrapeConfig');
  }

  /**
   * The same scrape for a Prometheus deployed without prometheus-operator, in the cluster.
   *
   * The bearer token is read from the pod's ServiceAccount token file (so the ScrapeConfig's token
   * Secret must be a token of that same ServiceAccount), the cluster CA file is used when the
   * certificate is verified, and the job is `<jobNamePrefix>/<namespace>/<name>`. The operator's
   * leading `__tmp_prometheus_job_name` relabeling is not emitted.
   *
   * @param manifest the ScrapeConfig manifest (apiVersion, kind, metadata, spec)
   * @param options the job name prefix and the Prometheus version
   * @returns the `scrape_configs` entry, a plain object to serialize as YAML
   */
  public static renderPlainScrapeConfig(manifest: any, options: PlainRenderOptions = {}): any {
    checkKnownProps('PrometheusConfig.renderPlainScrapeConfig', 'options', options, 'PlainRenderOptions');
    return renderPlainStyle(manifest, options, 'PrometheusConfig.renderPlainScrapeConfig');
  }

  /**
   * The rules file Prometheus loads for a synthesized `PrometheusRule` (e.g. `RavenAlertRules`),
   * for a Prometheus without the operator (`rule_files`, or prometheus-community/prometheus'
   * `serverFiles`). prometheus-operator writes the spec's groups as they are into the rules file
   * of its ConfigMap (without `enforcedNamespaceLabel` on the Prometheus resource), which is what
   * this returns.
   *
   * @param manifest the PrometheusRule manifest (apiVersion, kind, metadata, spec)
   * @returns the rules file, `{ groups: [...] }`, a plain object to serialize as YAML
   */
  public static renderRuleFile(manifest: any): any {
    const caller = 'PrometheusConfig.renderRuleFile';
    if (manifest === null || typeof manifest !== 'object' || manifest.kind !== 'PrometheusRule' || manifest.apiVersion !== 'monitoring.coreos.com/v1') {
      throw new Error(`${caller}: expected a monitoring.coreos.com/v1 PrometheusRule, got ${manifest === null || typeof manifest !== 'object'
        ? JSON.stringify(manifest) : `${manifest.apiVersion ?? '<no apiVersion>'} ${manifest.kind ?? '<no kind>'}`}.`);
    }
    const groups = manifest.spec?.groups;
    if (!Array.isArray(groups) || groups.length === 0) {
      throw new Error(`${caller}: PrometheusRule '${manifest.metadata?.name}' has no spec.groups; a rules file needs at least one group.`);
    }
    return { groups: JSON.parse(JSON.stringify(groups)) };
  }

  private constructor() {
    // Static entry points only.
  }
}
