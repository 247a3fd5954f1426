import { Duration } from 'cdk8s';
import * as YAML from 'yaml';
import {
  AlertSeverity,
  KubePrometheusStackValues,
  PrometheusConfig,
  RavenAlertRules,
  RavenPrometheus,
  ScrapeOutput,
} from '../src';
import { expectValidManifests } from './support/schemas';
import { synth, testChart } from './support/synth';

/** The rules of the single PrometheusRule of a set of manifests, by alert name. */
function alertsOf(manifests: any[]): { [alert: string]: any } {
  const rules = manifests.filter((m) => m.kind === 'PrometheusRule');
  expect(rules).toHaveLength(1);
  return Object.fromEntries(rules[0].spec.groups.flatMap((g: any) => g.rules).map((r: any) => [r.alert, r]));
}

describe('RavenAlertRules', () => {
  test('defaults synthesize one PrometheusRule with the five edge alerts', () => {
    const chart = testChart('monitoring');
    new RavenAlertRules(chart, 'alerts');
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    expectValidManifests(manifests);
    expect(Object.keys(alertsOf(manifests))).toEqual([
      'RavenEdgeTunnelDown', 'RavenEdgeNodePoolUnreachable', 'RavenEdgeNodeUnreachable', 'RavenEdgeExporterDown', 'RavenEdgeScrapeSlow',
    ]);
  });

  test('the tunnel alert pages, the pool alert notifies, the node alert stays below a page', () => {
    const chart = testChart();
    new RavenAlertRules(chart, 'alerts');
    const alerts = alertsOf(synth(chart));
    const summary = Object.fromEntries(Object.entries(alerts).map(([name, r]) => [name, [r.labels.severity, r.for]]));
    expect(summary).toEqual({
      RavenEdgeTunnelDown: ['critical', '5m'],
      RavenEdgeNodePoolUnreachable: ['warning', '15m'],
      RavenEdgeNodeUnreachable: ['info', '30m'],
      RavenEdgeExporterDown: ['warning', '15m'],
      RavenEdgeScrapeSlow: ['info', '15m'],
    });
  });

  test('every rule looks at the library\'s targets only, by their scrape_via marker', () => {
    const chart = testChart();
    new RavenAlertRules(chart, 'alerts');
    for (const rule of Object.values(alertsOf(synth(chart)))) {
      const selectors = [...rule.expr.matchAll(/(up|scrape_duration_seconds)\{([^}]*)\}/g)];
      expect(selectors.length).toBeGreaterThan(0);
      for (const [, , matchers] of selectors) expect(matchers).toMatch(/^scrape_via="raven"/);
    }
  });

  test('the node and pool alerts group by the node and pool labels as the library writes them on targets', () => {
    const chart = testChart();
    new RavenAlertRules(chart, 'alerts');
    const alerts = alertsOf(synth(chart));
    expect(alerts.RavenEdgeNodeUnreachable.expr).toContain('max by (node, apps_openyurt_io_nodepool)');
    expect(alerts.RavenEdgeNodePoolUnreachable.expr).toContain('max by (apps_openyurt_io_nodepool)');
    expect(alerts.RavenEdgeNodePoolUnreachable.expr).toContain('>= 2');
  });

  test('the annotations say what to check: verify, the Raven proxy and gateway, the pool\'s uplink', () => {
    const chart = testChart();
    new RavenAlertRules(chart, 'alerts');
    const alerts = alertsOf(synth(chart));
    expect(alerts.RavenEdgeTunnelDown.annotations.description).toMatch(/cdk8s-raven-prometheus verify/);
    expect(alerts.RavenEdgeTunnelDown.annotations.description).toMatch(/x-raven-proxy-internal-svc/);
    expect(alerts.RavenEdgeNodePoolUnreachable.annotations.description).toMatch(/uplink.*Raven gateway/);
    expect(alerts.RavenEdgeNodeUnreachable.annotations.summary).toBe('Edge node {{ $labels.node }} is unreachable through Raven.');
  });

  test('durations, thresholds, severities and labels are tunable', () => {
    const chart = testChart();
    new RavenAlertRules(chart, 'alerts', {
      tunnelDownFor: Duration.minutes(2),
      nodePoolDownFor: Duration.minutes(20),
      nodePoolMinNodes: 3,
      nodePoolSeverity: AlertSeverity.CRITICAL,
      nodeDownFor: Duration.hours(2),
      nodeSeverity: AlertSeverity.WARNING,
      exporterDownFor: Duration.minutes(5),
      exporterSeverity: AlertSeverity.INFO,
      scrapeTimeout: Duration.seconds(20),
      slowScrapeRatio: 0.5,
      slowScrapeFor: Duration.minutes(30),
      slowScrapeSeverity: AlertSeverity.WARNING,
      alertLabels: { team: 'edge' },
    });
    const alerts = alertsOf(synth(chart));
    expect(alerts.RavenEdgeTunnelDown.for).toBe('2m');
    expect(alerts.RavenEdgeNodePoolUnreachable).toMatchObject({ for: '20m', labels: { severity: 'critical', team: 'edge' } });
    expect(alerts.RavenEdgeNodePoolUnreachable.expr).toContain('>= 3');
    expect(alerts.RavenEdgeNodeUnreachable).toMatchObject({ for: '2h', labels: { severity: 'warning', team: 'edge' } });
    expect(alerts.RavenEdgeExporterDown).toMatchObject({ for: '5m', labels: { severity: 'info' } });
    expect(alerts.RavenEdgeScrapeSlow).toMatchObject({ for: '30m', labels: { severity: 'warning' } });
    expect(alerts.RavenEdgeScrapeSlow.expr).toContain('> 10)');
    expect(alerts.RavenEdgeTunnelDown.labels).toEqual({ severity: 'critical', team: 'edge' });
  });

  test('other target labels select other targets', () => {
    const chart = testChart();
    new RavenAlertRules(chart, 'alerts', { targetLabels: { site: 'edge', scrape_via: 'raven' } });
    expect(alertsOf(synth(chart)).RavenEdgeTunnelDown.expr).toBe('max(up{scrape_via="raven", site="edge"}) == 0');
  });

  test('without a pool label there is no pool alert, and nothing groups or inhibits by pool', () => {
    const chart = testChart();
    const rules = new RavenAlertRules(chart, 'alerts', { nodePoolLabel: '' });
    const alerts = alertsOf(synth(chart));
    expect(Object.keys(alerts)).not.toContain('RavenEdgeNodePoolUnreachable');
    expect(alerts.RavenEdgeNodeUnreachable.expr).toBe('(max by (node) (up{scrape_via="raven"}) == 0) and on () (max(up{scrape_via="raven"}) == 1)');
    expect(JSON.stringify(rules.inhibitRules)).not.toMatch(/NodePool|nodepool/);
  });

  test('the inhibition rules: the tunnel silences the narrower alerts and TargetDown of the library\'s services, a pool its nodes', () => {
    const rules = new RavenAlertRules(testChart(), 'alerts', { targetDownServices: ['node-exporter-raven', 'dcgm.exporter'] });
    expect(rules.inhibitRules).toEqual([
      {
        source_matchers: ['alertname="RavenEdgeTunnelDown"'],
        target_matchers: ['alertname=~"RavenEdgeNodePoolUnreachable|RavenEdgeNodeUnreachable|RavenEdgeExporterDown|RavenEdgeScrapeSlow"'],
        equal: ['cluster', 'prometheus'],
      },
      {
        source_matchers: ['alertname="RavenEdgeTunnelDown"'],
        target_matchers: ['alertname="TargetDown"', 'service=~"node-exporter-raven|dcgm\\\\.exporter"'],
        equal: ['cluster', 'prometheus'],
      },
      {
        source_matchers: ['alertname="RavenEdgeNodePoolUnreachable"'],
        target_matchers: ['alertname=~"RavenEdgeNodeUnreachable|RavenEdgeExporterDown|RavenEdgeScrapeSlow"'],
        equal: ['cluster', 'prometheus', 'apps_openyurt_io_nodepool'],
      },
    ]);
  });

  test('the rules file is the spec\'s groups, as PrometheusConfig.renderRuleFile renders the object', () => {
    const chart = testChart();
    const rules = new RavenAlertRules(chart, 'alerts');
    const manifest = synth(chart)[0];
    expect(YAML.parse(rules.ruleFileYaml)).toEqual({ groups: manifest.spec.groups });
    expect(PrometheusConfig.renderRuleFile(manifest)).toEqual({ groups: manifest.spec.groups });
  });

  test('renderRuleFile refuses another kind and a rule without groups', () => {
    expect(() => PrometheusConfig.renderRuleFile({ apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig' }))
      .toThrow(/renderRuleFile: expected a monitoring.coreos.com\/v1 PrometheusRule, got monitoring.coreos.com\/v1alpha1 ScrapeConfig/);
    expect(() => PrometheusConfig.renderRuleFile({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'x' }, spec: {} }))
      .toThrow(/PrometheusRule 'x' has no spec.groups/);
  });

  test.each([
    [{ tunnelDownFor: Duration.seconds(0) }, /'tunnelDownFor' must be a positive whole number of milliseconds, got '0ms'/],
    [{ nodeDownFor: '30m' }, /'nodeDownFor' must be a cdk8s Duration such as Duration.seconds\(30\), got '30m'/],
    [{ nodePoolMinNodes: 0 }, /'nodePoolMinNodes' must be a whole number of nodes, 1 or more, got 0/],
    [{ nodePoolMinNodes: 1.5 }, /'nodePoolMinNodes' must be a whole number of nodes, 1 or more, got 1.5/],
    [{ nodePoolLabel: '', nodePoolMinNodes: 2 }, /'nodePoolMinNodes' must be unset when nodePoolLabel is '' \(no pool alert\), got 2/],
    [{ slowScrapeRatio: 0 }, /'slowScrapeRatio' must be a share of the scrape timeout above 0 and at most 1, e.g. 0.8, got 0\. A scrape/],
    [{ slowScrapeRatio: 1.2 }, /'slowScrapeRatio' must be .*, got 1.2/],
    [{ scrapeTimeout: Duration.millis(0.5) }, /'scrapeTimeout' must be a positive whole number of milliseconds, got '0.5ms'/],
    [{ nodeSeverity: 'page' }, /'nodeSeverity' must be one of AlertSeverity.CRITICAL \('critical'\), AlertSeverity.WARNING \('warning'\), AlertSeverity.INFO \('info'\), got 'page'/],
    [{ targetLabels: {} }, /'targetLabels' must be at least one label that only the library's targets carry, got \{\}\. Without one/],
    [{ targetLabels: { 'scrape-via': 'raven' } }, /'targetLabels' must be a Prometheus label name/],
    [{ targetLabels: { scrape_via: '' } }, /'targetLabels.scrape_via' must be a non-empty string, got ''/],
    [{ nodeLabel: 'node name' }, /'nodeLabel' must be a Prometheus label name/],
    [{ nodePoolLabel: 'node' }, /'nodePoolLabel' must be a label other than nodeLabel \('node'\), got 'node'/],
    [{ alertLabels: { severity: 'high' } }, /'alertLabels' must be a label other than alertname, severity and __\*, got 'severity'/],
    [{ alertLabels: { team: '' } }, /'alertLabels.team' must be a non-empty string, got ''/],
    [{ targetDownServices: ['kubelet-raven', ''] }, /'targetDownServices\[1\]' must be a non-empty label value on one line, got ''/],
    [{ targetDownServices: 'kubelet-raven' }, /'targetDownServices' must be a list of strings/],
    [{ name: 'Raven_Alerts' }, /'name' must be/],
    [{ labels: { 'bad key!': 'x' } }, /'labels'/],
  ])('refuses %j', (props, message) => {
    expect(() => new RavenAlertRules(testChart(), 'alerts', props as any)).toThrow(message);
  });

  test('an error names the construct and where it is', () => {
    expect(() => new RavenAlertRules(testChart(), 'alerts', { slowScrapeRatio: 2 })).toThrow(/^RavenAlertRules: .* \(in chart 'test', at test\/alerts\)$/);
  });
});

describe('RavenPrometheus writes the alert rules', () => {
  test('by default, beside the ScrapeConfigs, selected by the release and muting TargetDown of its own services', () => {
    const chart = testChart('monitoring');
    const stack = new RavenPrometheus(chart, 'raven', { release: 'kps', extraScrapes: [{ name: 'dcgm-exporter-raven', port: 9400 }] });
    const manifests = synth(chart);
    const rule = manifests.find((m) => m.kind === 'PrometheusRule');
    expect(rule.metadata).toEqual({ name: 'raven-edge-alerts', namespace: 'monitoring', labels: { release: 'kps' } });
    expect(stack.alertRules?.toJson()).toEqual(rule);
    expect(stack.alertmanagerInhibitRules[1].target_matchers).toEqual([
      'alertname="TargetDown"', 'service=~"node-exporter-raven|kubelet-raven|dcgm-exporter-raven"',
    ]);
    expectValidManifests(manifests);
  });

  test('alertRules: false writes none, and refuses options for them', () => {
    const chart = testChart('monitoring');
    const stack = new RavenPrometheus(chart, 'raven', { alertRules: false });
    expect(synth(chart).filter((m) => m.kind === 'PrometheusRule')).toEqual([]);
    expect(stack.alertmanagerInhibitRules).toEqual([]);
    expect(stack.kubePrometheusStackValues().values.alertmanager).toBeUndefined();
    expect(() => new RavenPrometheus(testChart('monitoring'), 'raven', { alertRules: false, alertRulesOptions: { nodeDownFor: Duration.hours(1) } }))
      .toThrow(/RavenPrometheus: 'alertRulesOptions' must be unset when alertRules is false, got 'set'/);
  });

  test('the options reach the rules', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { alertRulesOptions: { nodeDownFor: Duration.hours(1), nodeSeverity: AlertSeverity.WARNING } });
    expect(alertsOf(synth(chart)).RavenEdgeNodeUnreachable).toMatchObject({ for: '1h', labels: { severity: 'warning' } });
  });

  test('without the marker label the rules could not find the targets: none by default, refused when asked for', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { markerLabel: false });
    expect(synth(chart).filter((m) => m.kind === 'PrometheusRule')).toEqual([]);
    expect(() => new RavenPrometheus(testChart('monitoring'), 'raven', { markerLabel: false, alertRules: true }))
      .toThrow(/RavenPrometheus: 'markerLabel' must be true \(the default\) when alertRules is true, got false/);
  });

  test('without the node labels on the targets there is no pool alert', () => {
    const chart = testChart('monitoring');
    new RavenPrometheus(chart, 'raven', { keepNodeLabels: false });
    expect(Object.keys(alertsOf(synth(chart)))).not.toContain('RavenEdgeNodePoolUnreachable');
  });

  test('with a prometheus.yml fragment the rules file goes beside it, and no PrometheusRule is written', () => {
    const chart = testChart('monitoring');
    const stack = new RavenPrometheus(chart, 'raven', { serviceAccountName: 'prometheus-server', output: ScrapeOutput.prometheusConfigFragment() });
    const manifests = synth(chart);
    expect(manifests.filter((m) => m.kind === 'PrometheusRule')).toEqual([]);
    expect(stack.alertRules).toBeUndefined();
    const configMap = manifests.find((m) => m.kind === 'ConfigMap');
    expect(Object.keys(configMap.data)).toEqual(['raven-alert-rules.yaml', 'raven-scrape-configs.yaml']);
    expect(configMap.data['raven-alert-rules.yaml']).toBe(stack.alertRulesYaml);
    expect(YAML.parse(stack.alertRulesYaml!).groups[0].rules.map((r: any) => r.alert)).toContain('RavenEdgeTunnelDown');
  });

  test('a fragment key that would overwrite the rules file is refused', () => {
    expect(() => new RavenPrometheus(testChart('monitoring'), 'raven', { output: ScrapeOutput.prometheusConfigFragment({ key: 'raven-alert-rules.yaml' }) }))
      .toThrow(/'output' must be a fragment key other than 'raven-alert-rules.yaml'/);
  });
});

describe('the kube-prometheus-stack values carry the inhibitions', () => {
  test('the chart\'s default inhibition rules and Watchdog route are kept, the Raven ones added, TargetDown of the library routed to null', () => {
    const stack = new RavenPrometheus(testChart('monitoring'), 'raven', { release: 'kps' });
    const config = stack.kubePrometheusStackValues().values.alertmanager.config;
    expect(Object.keys(config)).toEqual(['inhibit_rules', 'route']);
    expect(config.inhibit_rules.slice(0, 4).map((r: any) => (r.source_matchers ?? []).concat(r.target_matchers).join(','))).toEqual([
      'severity = critical,severity =~ warning|info',
      'severity = warning,severity = info',
      'alertname = InfoInhibitor,severity = info',
      'alertname = InfoInhibitor',
    ]);
    expect(config.inhibit_rules.slice(4)).toEqual(stack.alertmanagerInhibitRules);
    expect(config.route).toEqual({
      routes: [
        { receiver: 'null', matchers: ['alertname = "TargetDown"', 'service =~ "node-exporter-raven|kubelet-raven"'] },
        { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
      ],
    });
    expect(stack.kubePrometheusStackValues().warnings).toEqual([]);
  });

  const userConfig = {
    route: { receiver: 'pager', routes: [{ receiver: 'team', matchers: ['team = "edge"'] }] },
    receivers: [{ name: 'pager' }, { name: 'team' }],
    inhibit_rules: [{ source_matchers: ['severity = critical'], target_matchers: ['severity = warning'], equal: ['alertname'] }],
  };

  test('a config of the user\'s without the inhibitions: merged into it, with a warning', () => {
    const stack = new RavenPrometheus(testChart('monitoring'), 'raven');
    const values = stack.kubePrometheusStackValues({ alertmanagerConfig: userConfig });
    const config = values.values.alertmanager.config;
    expect(config.inhibit_rules).toEqual([...userConfig.inhibit_rules, ...stack.alertmanagerInhibitRules]);
    expect(config.route.receiver).toBe('pager');
    expect(config.route.routes[0].receiver).toBe('null');
    expect(config.route.routes[1]).toEqual(userConfig.route.routes[0]);
    expect(config.receivers).toEqual([{ name: 'pager' }, { name: 'team' }, { name: 'null' }]);
    expect(values.warnings).toEqual([expect.stringMatching(/has 3 of the 3 Raven inhibition rules missing: deployed as it is/)]);
    // The user's object is left as it was.
    expect(userConfig.inhibit_rules).toHaveLength(1);
  });

  test('a config of the user\'s that has them already: no warning, nothing added twice', () => {
    const stack = new RavenPrometheus(testChart('monitoring'), 'raven');
    const first = stack.kubePrometheusStackValues({ alertmanagerConfig: userConfig }).values.alertmanager.config;
    const again = stack.kubePrometheusStackValues({ alertmanagerConfig: first });
    expect(again.warnings).toEqual([]);
    expect(again.values.alertmanager.config).toEqual(first);
  });

  test('a config without a root route is refused', () => {
    expect(() => new KubePrometheusStackValues({ inhibitRules: [{ target_matchers: ['a="b"'] }], alertmanagerConfig: { receivers: [] } }))
      .toThrow(/KubePrometheusStackValues: 'alertmanagerConfig.route' must be the root route of your Alertmanager configuration, got undefined/);
  });

  test('a config alone, with nothing to merge into it, is refused', () => {
    expect(() => new KubePrometheusStackValues({ alertmanagerConfig: userConfig }))
      .toThrow(/'alertmanagerConfig' must be unset without inhibitRules or mutedTargetDownServices/);
  });

  test('a malformed inhibition rule is refused', () => {
    expect(() => new KubePrometheusStackValues({ inhibitRules: ['alertname=x' as any] }))
      .toThrow(/'inhibitRules\[0\]' must be an Alertmanager inhibit rule/);
  });
});

describe('KubePrometheusStackValues on its own', () => {
  const rules = new RavenAlertRules(testChart(), 'alerts').inhibitRules;

  test('inhibition rules alone: the chart\'s defaults and the rules, no route', () => {
    const config = new KubePrometheusStackValues({ inhibitRules: rules }).values.alertmanager.config;
    expect(Object.keys(config)).toEqual(['inhibit_rules']);
    expect(config.inhibit_rules.slice(4)).toEqual(rules);
  });

  test('a user config whose route has no child routes gets the TargetDown route and the null receiver', () => {
    const values = new KubePrometheusStackValues({
      mutedTargetDownServices: ['a.b'],
      alertmanagerConfig: { route: { receiver: 'pager' }, receivers: [{ name: 'pager' }] },
    });
    const config = values.values.alertmanager.config;
    expect(config.route.routes).toEqual([{ receiver: 'null', matchers: ['alertname = "TargetDown"', 'service =~ "a\\\\.b"'] }]);
    expect(config.receivers).toEqual([{ name: 'pager' }, { name: 'null' }]);
    expect(values.warnings).toEqual([]);
  });

  test.each([
    [{ inhibitRules: rules, alertmanagerConfig: { route: {}, inhibit_rules: 'none' } }, /'alertmanagerConfig.inhibit_rules' must be a list, got 'none'/],
    [{ mutedTargetDownServices: ['x'], alertmanagerConfig: { route: { routes: {} } } }, /'alertmanagerConfig.route.routes' must be a list, got \{\}/],
    [{ mutedTargetDownServices: ['x'], alertmanagerConfig: { route: {}, receivers: 'null' } }, /'alertmanagerConfig.receivers' must be a list, got 'null'/],
    [{ mutedTargetDownServices: [''] }, /'mutedTargetDownServices\[0\]' must be a non-empty label value on one line, got ''/],
    [{ inhibitRules: rules, alertmanagerConfig: ['route'] }, /'alertmanagerConfig' must be your Alertmanager configuration as an object/],
  ])('refuses %j', (props, message) => {
    expect(() => new KubePrometheusStackValues(props as any)).toThrow(message);
  });
});
