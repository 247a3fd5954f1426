/**
 * The versions of the components running in the cluster. Options that need a newer
 * component than declared are refused at synth time instead of failing in the cluster.
 */
export interface ClusterVersions {
  /**
   * The prometheus-operator version (`0.93.0` or `v0.93.0`).
   *
   * @default "0.93.0"
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
