import { KubeletScrape, NodeExporterScrape } from '../src';
import { synth, testChart } from './support/synth';
import { EdgeScrapePlan, MetricProblemReason, maxIntervalSeconds, parseDurationSeconds, requiredMetricProblems } from '../src/private/edge-metrics-check';
import { REQUIRED_METRICS, RequiredMetric } from '../src/private/required-metrics';

/** A small hand-written list, independent of the generated one. */
const LIST: { [endpoint: string]: RequiredMetric[] } = {
  'kubelet:/metrics': [
    { name: 'kubelet_running_pods', linux: true, windows: [{ range: 'instant', function: 'instant', samples: 1 }], neededBy: ['dashboard Kubelet'] },
    { name: 'up', linux: true, windows: [{ range: 'instant', function: 'instant', samples: 1 }], neededBy: ['alert KubeletDown'] },
  ],
  'kubelet:/metrics/cadvisor': [
    { name: 'container_cpu_usage_seconds_total', linux: true, windows: [{ range: '1m', function: 'rate', samples: 2 }], neededBy: ['record cpu:rate1m'] },
    { name: 'container_memory_swap', linux: true, windows: [{ range: 'instant', function: 'instant', samples: 1 }], neededBy: ['dashboard Pod'] },
  ],
  'node-exporter': [
    { name: 'node_cpu_seconds_total', collector: 'cpu', defaultEnabled: true, linux: true, windows: [{ range: '$__rate_interval', function: 'rate', samples: 2 }], neededBy: ['dashboard Nodes'] },
    { name: 'node_timex_sync_status', collector: 'timex', defaultEnabled: true, linux: true, windows: [{ range: '5m', function: 'min_over_time', samples: 1 }], neededBy: ['alert NodeClockNotSynchronising'] },
    { name: 'node_systemd_unit_state', collector: 'systemd', defaultEnabled: false, linux: true, windows: [{ range: 'instant', function: 'instant', samples: 1 }], neededBy: ['alert NodeSystemdServiceFailed'] },
    { name: 'node_exporter_build_info', collector: 'exporter', defaultEnabled: true, linux: true, windows: [{ range: 'instant', function: 'instant', samples: 1 }], neededBy: ['dashboard Nodes'] },
    { name: 'node_memory_wired_bytes', collector: 'meminfo', defaultEnabled: true, linux: false, windows: [{ range: 'instant', function: 'instant', samples: 1 }], neededBy: ['dashboard MacOS'] },
  ],
};

const ALL_SCRAPED: EdgeScrapePlan = {
  scrapes: [
    { endpoint: 'kubelet:/metrics', intervalSeconds: 30 },
    { endpoint: 'kubelet:/metrics/cadvisor', intervalSeconds: 10 },
    { endpoint: 'node-exporter', intervalSeconds: 30 },
  ],
  nodeExporterEnabledCollectors: ['systemd'],
};

function problems(plan: EdgeScrapePlan): string[] {
  return requiredMetricProblems(plan, LIST).map((p) => `${p.endpoint} ${p.metric} ${p.reason}`);
}

describe('requiredMetricProblems on a hand-written list', () => {
  test('GIVEN every endpoint scraped often enough and systemd enabled THEN nothing is missing', () => {
    expect(problems(ALL_SCRAPED)).toEqual([]);
  });

  test('GIVEN cAdvisor not scraped THEN its metrics are missing because the endpoint is not scraped', () => {
    const plan = { ...ALL_SCRAPED, scrapes: ALL_SCRAPED.scrapes.filter((s) => s.endpoint !== 'kubelet:/metrics/cadvisor') };
    expect(problems(plan)).toEqual([
      'kubelet:/metrics/cadvisor container_cpu_usage_seconds_total endpoint-not-scraped',
      'kubelet:/metrics/cadvisor container_memory_swap endpoint-not-scraped',
    ]);
  });

  test('GIVEN collect[] without cpu THEN node_cpu_seconds_total is lost, with the dashboards that need it', () => {
    const found = requiredMetricProblems({ ...ALL_SCRAPED, nodeExporterCollectors: ['timex', 'systemd'] }, LIST);
    expect(found).toEqual([
      { endpoint: 'node-exporter', metric: 'node_cpu_seconds_total', reason: MetricProblemReason.COLLECTOR_NOT_COLLECTED, neededBy: ['dashboard Nodes'], detail: 'collect[] leaves out collector cpu' },
    ]);
  });

  test('GIVEN collect[] naming no collector THEN node_exporter_build_info, which the exporter writes itself, is still there', () => {
    expect(problems({ ...ALL_SCRAPED, nodeExporterCollectors: [] })).not.toContain('node-exporter node_exporter_build_info collector-not-collected');
  });

  test('GIVEN systemd not enabled by flag THEN node_systemd_unit_state is missing even when collect[] names systemd', () => {
    expect(problems({ ...ALL_SCRAPED, nodeExporterEnabledCollectors: [], nodeExporterCollectors: ['cpu', 'timex', 'systemd'] }))
      .toEqual(['node-exporter node_systemd_unit_state collector-not-enabled']);
  });

  test('GIVEN a 5-minute cAdvisor interval THEN a rate over [1m] is under-resolved, the instant read is not', () => {
    const plan = { ...ALL_SCRAPED, scrapes: [...ALL_SCRAPED.scrapes.filter((s) => s.endpoint !== 'kubelet:/metrics/cadvisor'), { endpoint: 'kubelet:/metrics/cadvisor', intervalSeconds: 300 }] };
    const found = requiredMetricProblems(plan, LIST);
    expect(found.map((p) => `${p.metric} ${p.reason}`)).toEqual(['container_cpu_usage_seconds_total under-resolved']);
    expect(found[0].detail).toBe('scraped every 300s, but rate(...[1m]) needs 2 sample(s) in the window: at most 30s');
  });

  test('GIVEN a 31 s interval THEN a [1m] rate fails and a 30 s interval passes (two samples in the window)', () => {
    const at = (seconds: number) => problems({ ...ALL_SCRAPED, scrapes: [{ endpoint: 'kubelet:/metrics/cadvisor', intervalSeconds: seconds }, ...ALL_SCRAPED.scrapes.slice(0, 1), ...ALL_SCRAPED.scrapes.slice(2)] });
    expect(at(31)).toEqual(['kubelet:/metrics/cadvisor container_cpu_usage_seconds_total under-resolved']);
    expect(at(30)).toEqual([]);
  });

  test('GIVEN node-exporter every 61 s THEN $__rate_interval (4 x the 30 s data source interval) is too short for rate', () => {
    const plan = { ...ALL_SCRAPED, scrapes: [...ALL_SCRAPED.scrapes.slice(0, 2), { endpoint: 'node-exporter', intervalSeconds: 61 }] };
    expect(problems(plan)).toEqual(['node-exporter node_cpu_seconds_total under-resolved']);
    expect(problems({ ...plan, datasourceScrapeIntervalSeconds: 60 })).toEqual([]);
  });

  test('GIVEN a metric relabeling that drops by name THEN the metric is dropped; up is never dropped', () => {
    const plan: EdgeScrapePlan = {
      ...ALL_SCRAPED,
      scrapes: [
        { endpoint: 'kubelet:/metrics', intervalSeconds: 30, metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'kubelet_running_.*|up' }] },
        { endpoint: 'kubelet:/metrics/cadvisor', intervalSeconds: 10, metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'container_memory_(mapped_file|swap)' }] },
        ALL_SCRAPED.scrapes[2],
      ],
    };
    expect(problems(plan)).toEqual([
      'kubelet:/metrics kubelet_running_pods dropped',
      'kubelet:/metrics/cadvisor container_memory_swap dropped',
    ]);
  });

  test('GIVEN a keep by name THEN what it does not match is dropped', () => {
    const plan: EdgeScrapePlan = {
      ...ALL_SCRAPED,
      scrapes: [{ endpoint: 'kubelet:/metrics/cadvisor', intervalSeconds: 10, metricRelabelings: [{ action: 'keep', sourceLabels: ['__name__'], regex: 'container_cpu_.*' }] }, ALL_SCRAPED.scrapes[0], ALL_SCRAPED.scrapes[2]],
    };
    expect(problems(plan)).toEqual(['kubelet:/metrics/cadvisor container_memory_swap dropped']);
  });

  test('GIVEN drops that read other labels (le, interface, id;pod) THEN they are not judged to remove the metric', () => {
    const plan: EdgeScrapePlan = {
      ...ALL_SCRAPED,
      scrapes: [{
        endpoint: 'kubelet:/metrics/cadvisor',
        intervalSeconds: 10,
        metricRelabelings: [
          { action: 'drop', sourceLabels: ['__name__', 'interface'], regex: 'container_.*;(cali|lxc).*' },
          { action: 'drop', sourceLabels: ['id', 'pod'], regex: '.+;' },
        ],
      }, ALL_SCRAPED.scrapes[0], ALL_SCRAPED.scrapes[2]],
    };
    expect(problems(plan)).toEqual([]);
  });

  test('GIVEN the macOS-only metric THEN it is checked only when asked', () => {
    const plan = { ...ALL_SCRAPED, nodeExporterCollectors: ['cpu', 'timex', 'systemd'] };
    expect(problems(plan)).toEqual([]);
    expect(problems({ ...plan, includeNonLinux: true })).toEqual(['node-exporter node_memory_wired_bytes collector-not-collected']);
  });

  test('GIVEN an unknown endpoint or a bad interval THEN it throws and says what is allowed', () => {
    expect(() => requiredMetricProblems({ scrapes: [{ endpoint: 'kubelet:/stats', intervalSeconds: 30 }] }, LIST))
      .toThrow('requiredMetricProblems: unknown endpoint "kubelet:/stats"; the list has kubelet:/metrics, kubelet:/metrics/cadvisor, node-exporter');
    expect(() => requiredMetricProblems({ scrapes: [{ endpoint: 'node-exporter', intervalSeconds: 0 }] }, LIST))
      .toThrow('the interval of node-exporter must be a positive number of seconds, got 0');
  });
});

describe('maxIntervalSeconds', () => {
  test('GIVEN rate over 5m THEN 150 s; max_over_time over 5m THEN 300 s; an instant read THEN the 300 s lookback', () => {
    expect(maxIntervalSeconds({ range: '5m', function: 'rate', samples: 2 }, 30)).toBe(150);
    expect(maxIntervalSeconds({ range: '5m', function: 'max_over_time', samples: 1 }, 30)).toBe(300);
    expect(maxIntervalSeconds({ range: 'instant', function: 'instant', samples: 1 }, 30)).toBe(300);
    expect(maxIntervalSeconds({ range: '$__rate_interval', function: 'rate', samples: 2 }, 15)).toBe(30);
  });

  test('GIVEN Prometheus durations THEN seconds; anything else throws', () => {
    expect(parseDurationSeconds('1h30m')).toBe(5400);
    expect(parseDurationSeconds('6h')).toBe(21600);
    expect(parseDurationSeconds('500ms')).toBe(0.5);
    expect(() => parseDurationSeconds('5 minutes')).toThrow('not a Prometheus duration: "5 minutes"');
  });
});

/** The plan the library's defaults make: the endpoints, intervals and drops of the synthesized ScrapeConfigs. */
function defaultPlan(): EdgeScrapePlan {
  const chart = testChart();
  new KubeletScrape(chart, 'kubelet');
  new NodeExporterScrape(chart, 'node-exporter');
  const scrapes = synth(chart).filter((m) => m.kind === 'ScrapeConfig').map((m) => {
    const job = m.spec.jobName ?? m.spec.relabelings?.find((r: any) => r.targetLabel === 'job')?.replacement;
    const endpoint = job === 'node-exporter' ? 'node-exporter' : `kubelet:${m.spec.metricsPath ?? '/metrics'}`;
    // Without scrapeInterval the ScrapeConfig takes Prometheus's global interval: 30 s in kube-prometheus-stack.
    const intervalSeconds = m.spec.scrapeInterval === undefined ? 30 : parseDurationSeconds(m.spec.scrapeInterval);
    return { endpoint, intervalSeconds, metricRelabelings: m.spec.metricRelabelings };
  });
  return { scrapes };
}

describe('the library\'s current defaults against the generated list', () => {
  test('GIVEN KubeletScrape and NodeExporterScrape defaults THEN they scrape /metrics, /metrics/cadvisor, /metrics/probes and node-exporter at the global interval', () => {
    expect(defaultPlan().scrapes.map((s) => `${s.endpoint} ${s.intervalSeconds}`).sort())
      .toEqual(['kubelet:/metrics 30', 'kubelet:/metrics/cadvisor 30', 'kubelet:/metrics/probes 30', 'node-exporter 30']);
  });

  // Both are true of the stock chart too: its cAdvisor drop `container_memory_(mapped_file|swap)`
  // (copied by CADVISOR_DROPS) removes what its own recording rule
  // node_namespace_pod_container:container_memory_swap and three dashboards read, and its
  // node-exporter does not run the systemd collector that NodeSystemdServiceFailed and
  // NodeSystemdServiceCrashlooping read.
  test('GIVEN the defaults THEN container_memory_swap is dropped and the systemd metrics are not collected, as in the stock chart', () => {
    expect(requiredMetricProblems(defaultPlan()).map((p) => `${p.endpoint} ${p.metric} ${p.reason}`)).toEqual([
      'kubelet:/metrics/cadvisor container_memory_swap dropped',
      'node-exporter node_systemd_service_restart_total collector-not-enabled',
      'node-exporter node_systemd_unit_state collector-not-enabled',
    ]);
  });

  test('GIVEN the defaults with collect[] limited to cpu THEN node_cpu_seconds_total stays and the node dashboards lose memory, disk and network', () => {
    const found = requiredMetricProblems({ ...defaultPlan(), nodeExporterCollectors: ['cpu'] });
    expect(found.some((p) => p.metric === 'node_cpu_seconds_total')).toBe(false);
    expect(found.find((p) => p.metric === 'node_memory_MemAvailable_bytes')?.reason).toBe(MetricProblemReason.COLLECTOR_NOT_COLLECTED);
    expect(found.find((p) => p.metric === 'node_disk_io_time_seconds_total')?.reason).toBe(MetricProblemReason.COLLECTOR_NOT_COLLECTED);
    expect(found.find((p) => p.metric === 'node_network_receive_bytes_total')?.reason).toBe(MetricProblemReason.COLLECTOR_NOT_COLLECTED);
  });

  test('GIVEN the generated list THEN every window parses and every node-exporter metric names its collector', () => {
    for (const [endpoint, metrics] of Object.entries(REQUIRED_METRICS)) {
      for (const m of metrics) {
        for (const w of m.windows) expect(maxIntervalSeconds(w, 30)).toBeGreaterThan(0);
        expect(m.collector !== undefined).toBe(endpoint === 'node-exporter');
        expect(m.neededBy.length).toBeGreaterThan(0);
      }
    }
  });
});
