import * as fs from 'fs';
import { requiredMetricsModule } from '../support/required-metrics-module';
import {
  REQUIRED_METRICS_JSON, REQUIRED_METRICS_MODULE, chartQueries, collectorOf, endpointOf, parseAll, requiredMetrics,
  substituteGrafanaRanges, variableExpr,
} from './support/required-metrics';

/**
 * The list of metrics kube-prometheus-stack's default dashboards and rules read from a node
 * (test/fixtures/edge-profile/required-metrics.json and src/private/required-metrics.ts) is what
 * the pinned chart files, rendered by Helm's engine and parsed by Prometheus's parser, say today.
 */
describe('the required metrics list', () => {
  const queries = chartQueries();

  test('GIVEN the pinned chart files THEN the committed list is what they give (else run `npm run required-metrics` and read the diff)', () => {
    const generated = requiredMetrics(queries);
    expect(JSON.parse(fs.readFileSync(REQUIRED_METRICS_JSON, 'utf8'))).toEqual(generated);
    expect(fs.readFileSync(REQUIRED_METRICS_MODULE, 'utf8')).toBe(requiredMetricsModule(JSON.parse(JSON.stringify(generated))));
  });

  test('GIVEN the chart rendered with its defaults THEN the kubelet rules select job="kubelet" and no template directive is left in a query', () => {
    const kubeletDown = queries.find((q) => q.kind === 'alert' && q.name === 'KubeletDown');
    expect(kubeletDown?.expr).toContain('job="kubelet", metrics_path="/metrics"');
    const nodeFilesystem = queries.find((q) => q.kind === 'alert' && q.name === 'NodeFilesystemSpaceFillingUp');
    expect(nodeFilesystem?.expr).toContain('job="node-exporter"');
    expect(queries.filter((q) => q.expr.includes('{{'))).toEqual([]);
  });

  test('GIVEN the chart THEN rules, dashboard panels and dashboard variables are all read', () => {
    const kinds = new Set(queries.map((q) => q.kind));
    expect([...kinds].sort()).toEqual(['alert', 'dashboard', 'record', 'variable']);
    expect(queries.some((q) => q.kind === 'dashboard' && q.name === 'Node Exporter / Nodes')).toBe(true);
  });

  test('GIVEN the marker that stands for $__rate_interval THEN no query of the chart uses that duration itself', () => {
    const marker = substituteGrafanaRanges('$__rate_interval');
    expect(marker).toMatch(/^\d+ms$/);
    expect(queries.filter((q) => q.expr.includes(marker))).toEqual([]);
  });

  test('GIVEN expressions THEN Prometheus\'s parser gives names, matchers, ranges and the functions reading them', () => {
    const [rate, sub, instant] = parseAll([
      'sum by (node) (rate(container_cpu_usage_seconds_total{job="kubelet", metrics_path="/metrics/cadvisor", image!=""}[$__rate_interval]))',
      'max_over_time(deriv(node_timex_offset_seconds{job="node-exporter"}[5m])[1h:1m])',
      'kubelet_node_name{job="kubelet", metrics_path="/metrics"} offset 1m',
    ]);
    expect(rate).toEqual([{
      name: 'container_cpu_usage_seconds_total',
      matchers: [{ name: 'image', type: '!=', value: '' }, { name: 'job', type: '=', value: 'kubelet' }, { name: 'metrics_path', type: '=', value: '/metrics/cadvisor' }],
      rangeMs: Number(substituteGrafanaRanges('$__rate_interval').replace('ms', '')),
      function: 'rate',
    }]);
    expect(sub).toEqual([expect.objectContaining({ name: 'node_timex_offset_seconds', rangeMs: 300_000, function: 'deriv', subqueries: [{ rangeMs: 3_600_000, stepMs: 60_000 }] })]);
    expect(instant).toEqual([expect.objectContaining({ name: 'kubelet_node_name', rangeMs: 0, offsetMs: 60_000 })]);
    expect(() => parseAll(['rate(x[5m]'])).toThrow(/Prometheus's parser rejects/);
  });

  test('GIVEN selectors THEN each is attributed to its endpoint', () => {
    const of = (expr: string) => endpointOf(parseAll([expr])[0][0]);
    expect(of('x{job="kubelet", metrics_path="/metrics/probes"}')).toBe('kubelet:/metrics/probes');
    expect(of('container_memory_rss{job="kubelet"}')).toBe('kubelet:/metrics/cadvisor');
    expect(of('kubelet_running_pods{job="kubelet"}')).toBe('kubelet:/metrics');
    expect(of('node_load1')).toBe('node-exporter');
    expect(of('kube_pod_info{job="kube-state-metrics"}')).toBe('job="kube-state-metrics"');
    expect(of('kube_node_info')).toBe('unattributed');
  });

  test('GIVEN Grafana variable queries THEN the PromQL inside is read', () => {
    expect(variableExpr('label_values(node_uname_info{job="node-exporter", sysname!="Darwin"}, cluster)')).toBe('node_uname_info{job="node-exporter", sysname!="Darwin"}');
    expect(variableExpr('query_result(topk(5, up))')).toBe('topk(5, up)');
    expect(variableExpr('label_values(cluster)')).toBeUndefined();
    expect(() => variableExpr('something_else(x)')).toThrow('unknown Grafana variable query');
  });

  test('GIVEN node-exporter metrics THEN their collectors are the ones node_exporter v1.12.1\'s sources register and build the names in', () => {
    expect(collectorOf('node_cpu_seconds_total')).toEqual({ collector: 'cpu', defaultEnabled: true });
    expect(collectorOf('node_memory_MemAvailable_bytes')).toEqual({ collector: 'meminfo', defaultEnabled: true });
    expect(collectorOf('node_boot_time_seconds')).toEqual({ collector: 'stat', defaultEnabled: true });
    expect(collectorOf('node_time_seconds')).toEqual({ collector: 'time', defaultEnabled: true });
    expect(collectorOf('node_systemd_unit_state')).toEqual({ collector: 'systemd', defaultEnabled: false });
    expect(() => collectorOf('node_wifi_station_info')).toThrow('no node_exporter collector is known for node_wifi_station_info');
  });

  // requiredMetricProblems judges only drops by name; kube-prometheus-stack's cAdvisor drop of
  // cgroups without a pod (`[id, pod]` `.+;`) is safe only while no query reads those series.
  test('GIVEN the chart\'s queries of cAdvisor metrics THEN none selects a cgroup by id or series without a pod', () => {
    const parsed = parseAll(queries.map((q) => q.expr));
    const offending = parsed.flat()
      .filter((s) => endpointOf(s) === 'kubelet:/metrics/cadvisor')
      .filter((s) => s.matchers.some((m) => m.name === 'id' || (m.name === 'pod' && m.type === '=' && m.value === '')));
    expect(offending).toEqual([]);
    expect(parsed.flat().filter((s) => endpointOf(s) === 'kubelet:/metrics/cadvisor').length).toBeGreaterThan(50);
  });
});
