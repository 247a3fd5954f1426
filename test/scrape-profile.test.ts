import { App, Chart, Duration } from 'cdk8s';
import { KubeletEndpoint, NodeExporterScrape, RavenPrometheus, ScrapeProfile } from '../src';

function stack(props: any): any[] {
  const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'profile', { namespace: 'monitoring' });
  new RavenPrometheus(chart, 'raven', { release: 'kube-prometheus-stack', ...props });
  return chart.toJson();
}

const scrapes = (objects: any[]) => Object.fromEntries(objects.filter((o) => o.kind === 'ScrapeConfig').map((o) => [o.metadata.name, o.spec]));

describe('ScrapeProfile.edgeLink()', () => {
  test('keeps every metric kube-prometheus-stack\'s default dashboards and rules read from a node (the required-metrics list)', () => {
    expect(ScrapeProfile.edgeLink().missingMetrics()).toEqual([]);
  });

  test('GIVEN a collector the dashboards need left out THEN the check names the metrics it loses', () => {
    const withoutCpu = ScrapeProfile.edgeLink().nodeExporterCollectors!.filter((c) => c !== 'cpu');
    const missing = ScrapeProfile.edgeLink({ nodeExporterCollectors: withoutCpu }).missingMetrics();
    expect(missing).toContain('node-exporter node_cpu_seconds_total: collect[] leaves out collector cpu');
  });

  test('kube-prometheus-stack\'s own habits lose container_memory_swap to the chart\'s cAdvisor drop, which its recording rule reads', () => {
    expect(ScrapeProfile.kubePrometheusStack().missingMetrics()).toEqual([
      'kubelet:/metrics/cadvisor container_memory_swap: the metric relabeling drop of "container_memory_(mapped_file|swap)" removes it',
    ]);
  });

  test('scrapes node-exporter\'s needed collectors, the kubelet\'s /metrics and /metrics/cadvisor, every 60 s with a 30 s timeout', () => {
    const spec = scrapes(stack({ profile: ScrapeProfile.edgeLink() }));
    expect(Object.keys(spec).sort()).toEqual(['kubelet-raven-cadvisor', 'kubelet-raven-metrics', 'node-exporter-raven']);
    for (const s of Object.values<any>(spec)) {
      expect([s.scrapeInterval, s.scrapeTimeout]).toEqual(['1m', '30s']);
    }
    // Only what the dashboards read, and only collectors node-exporter runs by default (systemd is not one).
    expect(spec['node-exporter-raven'].params).toEqual({
      'collect[]': ['bonding', 'conntrack', 'cpu', 'diskstats', 'filefd', 'filesystem', 'loadavg', 'mdadm', 'meminfo', 'netclass', 'netdev',
        'netstat', 'textfile', 'time', 'timex', 'uname', 'vmstat'],
    });
    const cadvisorDrops = spec['kubelet-raven-cadvisor'].metricRelabelings.map((r: any) => r.regex);
    expect(cadvisorDrops).toContain('container_memory_mapped_file');
    expect(cadvisorDrops).not.toContain('container_memory_(mapped_file|swap)');
  });

  test('the default stack scrapes the chart\'s three kubelet endpoints, every endpoint at the global interval, no collect[]', () => {
    const spec = scrapes(stack({}));
    expect(Object.keys(spec).sort()).toEqual(['kubelet-raven-cadvisor', 'kubelet-raven-metrics', 'kubelet-raven-probes', 'node-exporter-raven']);
    for (const s of Object.values<any>(spec)) expect(s.scrapeInterval).toBeUndefined();
    expect(spec['node-exporter-raven'].params).toBeUndefined();
  });

  test('kube-prometheus-stack\'s habits differ from the default in cAdvisor\'s 10 s interval alone', () => {
    const spec = scrapes(stack({}));
    const profiled = scrapes(stack({ profile: ScrapeProfile.kubePrometheusStack() }));
    expect(profiled['kubelet-raven-cadvisor'].scrapeInterval).toBe('10s');
    expect({ ...profiled, 'kubelet-raven-cadvisor': { ...profiled['kubelet-raven-cadvisor'], scrapeInterval: undefined } })
      .toEqual({ ...spec, 'kubelet-raven-cadvisor': { ...spec['kubelet-raven-cadvisor'], scrapeInterval: undefined } });
  });

  test.each([
    ['scrapeInterval', Duration.seconds(30)],
    ['cadvisorInterval', Duration.seconds(30)],
    ['kubeletEndpoints', [KubeletEndpoint.METRICS]],
  ])('GIVEN %s with a profile THEN it is refused: the profile sets it', (prop, value) => {
    expect(() => stack({ profile: ScrapeProfile.edgeLink(), [prop]: value })).toThrow(
      `RavenPrometheus: '${prop}' must be unset with profile ScrapeProfile.edgeLink(), got 'set'. The profile sets the intervals and the kubelet endpoints`);
  });

  test.each([
    [[], 'a non-empty list'],
    [['cpu', 'cpu'], 'distinct'],
    [['CPU'], 'lowercase'],
    ['cpu', 'a list of strings'],
  ])('GIVEN nodeExporterCollectors %j THEN ScrapeProfile.edgeLink refuses it', (collectors, allowed) => {
    expect(() => ScrapeProfile.edgeLink({ nodeExporterCollectors: collectors as any })).toThrow(
      new RegExp(`^ScrapeProfile\\.edgeLink: 'nodeExporterCollectors' must be .*${allowed}`));
  });

  test('GIVEN a profile that is no ScrapeProfile, from plain JavaScript, THEN RavenPrometheus says what to pass', () => {
    expect(() => stack({ profile: 'edgeLink' })).toThrow(/'profile' must be a ScrapeProfile/);
  });
});

describe('NodeExporterScrape collectors', () => {
  function spec(props: any): any {
    const chart = new Chart(new App({ outdir: '/nonexistent-cdk8s-outdir' }), 'ne', { namespace: 'monitoring' });
    new NodeExporterScrape(chart, 'ne', props);
    return chart.toJson()[0].spec;
  }

  test('become the collect[] parameter, sorted, which Raven passes through to node-exporter', () => {
    expect(spec({ collectors: ['meminfo', 'cpu'] }).params).toEqual({ 'collect[]': ['cpu', 'meminfo'] });
    expect(spec({}).params).toBeUndefined();
  });

  test.each([[[]], [['cpu', 'cpu']], [['cpu stat']], [[7]]])('GIVEN %j THEN refused naming collectors', (collectors) => {
    expect(() => spec({ collectors })).toThrow(/^NodeExporterScrape: 'collectors' must be /);
  });
});

describe('ScrapeProfile.linkBudget()', () => {
  // The measured per-scrape costs (src/private/link-costs.ts, docs/performance.md), 30 pods:
  // node-exporter with edgeLink()'s collect[] 10,972 B, kubelet /metrics 24,884 B, /metrics/cadvisor 127,755 B.
  const perCycle30 = 10972 + 24884 + 127755;

  test('the cheapest profile that keeps every listed metric is edgeLink() at 60 s: its measured cost', () => {
    expect(ScrapeProfile.edgeLink().estimatedBytesPerNodePerDay(30)).toBe(Math.round(1440 * perCycle30));
  });

  test('GIVEN a budget between two intervals\' costs THEN the shortest interval that fits is chosen', () => {
    const at30 = 2880 * perCycle30;
    const profile = ScrapeProfile.linkBudget({ bytesPerNodePerDay: at30 + 1 });
    expect(profile.scrapeInterval?.toSeconds()).toBe(30);
    expect(profile.estimatedBytesPerNodePerDay(30)).toBeLessThanOrEqual(at30 + 1);
    expect(ScrapeProfile.linkBudget({ bytesPerNodePerDay: at30 - 1 }).scrapeInterval?.toSeconds()).toBe(45);
    expect(profile.missingMetrics()).toEqual([]);
  });

  test('GIVEN a budget below edgeLink()\'s cost THEN it is refused with the cheapest figure', () => {
    const cheapest = Math.round(1440 * perCycle30);
    expect(() => ScrapeProfile.linkBudget({ bytesPerNodePerDay: cheapest - 1 })).toThrow(
      `ScrapeProfile.linkBudget: 'bytesPerNodePerDay' must be at least ${cheapest} (${(cheapest / 1e6).toFixed(1)} MB) for 30 pods per node`);
    expect(ScrapeProfile.linkBudget({ bytesPerNodePerDay: cheapest }).scrapeInterval?.toSeconds()).toBe(60);
  });

  test('more pods cost more: a budget that fits 10 pods every 60 s is refused for 110', () => {
    const at10 = ScrapeProfile.edgeLink().estimatedBytesPerNodePerDay(10);
    expect(ScrapeProfile.linkBudget({ bytesPerNodePerDay: at10, podsPerNode: 10 }).scrapeInterval?.toSeconds()).toBe(60);
    expect(() => ScrapeProfile.linkBudget({ bytesPerNodePerDay: at10, podsPerNode: 110 })).toThrow(/for 110 pods per node/);
  });

  test('the library\'s default costs what the recipe\'s every-30-s scrapes cost, not the 2.4 times of the chart\'s 10 s cAdvisor', () => {
    const defaults = stack({});
    expect(Object.values<any>(scrapes(defaults)).every((s) => s.scrapeInterval === undefined)).toBe(true);
    const chartHabits = ScrapeProfile.kubePrometheusStack().estimatedBytesPerNodePerDay(30);
    const edge = ScrapeProfile.edgeLink().estimatedBytesPerNodePerDay(30);
    expect(edge / chartHabits).toBeLessThan(0.25);
  });

  test.each([
    [{ bytesPerNodePerDay: 0 }, /'bytesPerNodePerDay' must be a positive number of bytes/],
    [{ bytesPerNodePerDay: '100MB' }, /'bytesPerNodePerDay' must be a number/],
    [{ bytesPerNodePerDay: 1e9, podsPerNode: 0 }, /'podsPerNode' must be a whole number of pods from 1 to 250/],
    [{ bytesPerNodePerDay: 1e9, podsPerNode: 2.5 }, /'podsPerNode' must be a whole number/],
    [{ bytesPerNodePerDay: 1e9, budget: 1 }, /'budget' is not a prop of LinkBudgetOptions/],
  ])('GIVEN %j THEN refused', (options, message) => {
    expect(() => ScrapeProfile.linkBudget(options as any)).toThrow(message);
  });
});
