/**
 * The versions of the components running in the cluster. Options that need a newer
 * component than declared are refused at synth time instead of failing in the cluster.
 */
export interface ClusterVersions {
  /**
   * The prometheus-operator version (`0.93.0` or `v0.93.0`), v0.68.0 or later.
   *
   * The ScrapeConfigs get only fields this release's CRD has; an option that needs a newer one
   * (a node selection needs v0.69, pod discovery v0.70, its node labels v0.71) is refused.
   *
   * @default "0.93.0"
   * @see https://github.com/prometheus-operator/prometheus-operator/blob/main/CHANGELOG.md
   */
  readonly prometheusOperator?: string;

  /**
   * The raven-agent version.
   *
   * @default "0.4.4"
   */
  readonly raven?: string;

  /**
   * The OpenYurt (yurt-manager) version.
   *
   * @default "1.7.0"
   */
  readonly openYurt?: string;
}
