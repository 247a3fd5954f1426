/** Values of the kube-prometheus-stack chart the tests compare the library with. */

/**
 * kube-prometheus-stack 88.5.3 values.yaml, `kubelet.serviceMonitor.cAdvisorMetricRelabelings`
 * (prometheus-community/helm-charts, tag kube-prometheus-stack-88.5.3), in the chart's order.
 */
export const CHART_CADVISOR_METRIC_RELABELINGS = [
  { sourceLabels: ['__name__'], action: 'drop', regex: 'container_cpu_(cfs_throttled_seconds_total|load_average_10s|system_seconds_total|user_seconds_total)' },
  { sourceLabels: ['__name__'], action: 'drop', regex: 'container_fs_(io_current|io_time_seconds_total|io_time_weighted_seconds_total|reads_merged_total|sector_reads_total|sector_writes_total|writes_merged_total)' },
  { sourceLabels: ['__name__'], action: 'drop', regex: 'container_memory_(mapped_file|swap)' },
  { sourceLabels: ['__name__'], action: 'drop', regex: 'container_(file_descriptors|tasks_state|threads_max)' },
  { sourceLabels: ['__name__', 'scope'], action: 'drop', regex: 'container_memory_failures_total;hierarchy' },
  { sourceLabels: ['__name__', 'interface'], action: 'drop', regex: 'container_network_.*;(cali|cilium|cni|lxc|nodelocaldns|tunl).*' },
  { sourceLabels: ['__name__'], action: 'drop', regex: 'container_spec.*' },
  { sourceLabels: ['id', 'pod'], action: 'drop', regex: '.+;' },
];
