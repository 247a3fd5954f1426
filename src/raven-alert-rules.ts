import { ApiObject, Duration, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { BoundedCache } from './private/bounded-cache';
import { checkKnownProps } from './private/known-props';
import { resolveNamespace } from './private/namespace';
import { checkObjectsOf } from './private/object-checks';
import { PROMETHEUS_RULE_GVK, PrometheusRuleSpecJson } from './private/typed-api-object';
import {
  checkDnsSubdomain,
  checkDuration,
  checkEnumValue,
  checkKubernetesLabels,
  checkList,
  checkObject,
  checkPrometheusLabelName,
  inChart,
  invalid,
  toPrometheusDuration,
} from './private/validation';

/**
 * The `severity` label of an alert, as kube-prometheus-stack's rules and its default Alertmanager
 * configuration use it: `critical` pages, `warning` notifies, `info` is kept quiet (the chart's
 * `InfoInhibitor` silences info alerts unless a warning or critical one fires in the same namespace).
 */
export enum AlertSeverity {
  /** Pages someone. */
  CRITICAL = 'critical',
  /** Notifies, without paging. */
  WARNING = 'warning',
  /** Visible in Alertmanager and dashboards; kube-prometheus-stack keeps it from notifying on its own. */
  INFO = 'info',
}

/**
 * What the edge alerts fire on, how long a condition must last and how loud they are.
 *
 * The defaults follow from how edge nodes fail. A node going offline (a power cut, a shop closing
 * for the night, a vehicle out of coverage) is routine: it is reported quietly and late. A whole node
 * pool going dark is usually its shared uplink: worth a notification, not a page. Every edge target
 * down at once is not something edge sites do together: it is the cloud side of the path (Raven's
 * proxy or gateway, the DNS for node names, Prometheus' credentials), the one page.
 */
export interface RavenAlertRulesOptions {
  /**
   * How long every edge target must be down before `RavenEdgeTunnelDown` fires. Long enough to
   * ride out a raven-agent or CoreDNS rollout (a minute or two of failed scrapes), short enough that
   * the whole edge fleet is not blind for long.
   *
   * @default Duration.minutes(5)
   */
  readonly tunnelDownFor?: Duration;

  /**
   * How long every node of a pool must be down, while other nodes answer, before
   * `RavenEdgeNodePoolUnreachable` fires. A site's uplink (DSL, LTE) drops for minutes at a time;
   * a quarter of an hour separates a flap from an outage someone should look at.
   *
   * @default Duration.minutes(15)
   */
  readonly nodePoolDownFor?: Duration;

  /**
   * The fewest nodes a pool must have for its outage to be reported as the pool's: a pool of
   * one node going down is that node going down.
   *
   * @default 2
   */
  readonly nodePoolMinNodes?: number;

  /**
   * The severity of `RavenEdgeNodePoolUnreachable`.
   *
   * @default AlertSeverity.WARNING
   */
  readonly nodePoolSeverity?: AlertSeverity;

  /**
   * How long all targets of one node must be down, while other nodes answer, before
   * `RavenEdgeNodeUnreachable` fires. Edge nodes reboot, lose power and coverage as a matter of
   * course; half an hour lets reboots and short outages pass without a word.
   *
   * @default Duration.minutes(30)
   */
  readonly nodeDownFor?: Duration;

  /**
   * The severity of `RavenEdgeNodeUnreachable`: below a page. With kube-prometheus-stack's
   * default Alertmanager configuration an info alert stays quiet (visible in Alertmanager and
   * dashboards, notified only beside a warning or critical alert).
   *
   * @default AlertSeverity.INFO
   */
  readonly nodeSeverity?: AlertSeverity;

  /**
   * How long a target must be down on a node whose other targets answer before
   * `RavenEdgeExporterDown` fires. The link works there: the exporter crashed, is not
   * scheduled, or its port is not proxied; that does not heal by waiting.
   *
   * @default Duration.minutes(15)
   */
  readonly exporterDownFor?: Duration;

  /**
   * The severity of `RavenEdgeExporterDown`.
   *
   * @default AlertSeverity.WARNING
   */
  readonly exporterSeverity?: AlertSeverity;

  /**
   * The scrape timeout of the library's scrapes: Prometheus' global `scrape_timeout` unless the
   * scrapes set one (kube-prometheus-stack leaves it at Prometheus' 10s). Prometheus only exposes
   * the timeout as a series with `extra_scrape_metrics`, so the rule takes it from here.
   *
   * @default Duration.seconds(10)
   */
  readonly scrapeTimeout?: Duration;

  /**
   * The share of the scrape timeout above which a node's scrapes count as slow, averaged over 10
   * minutes: at 0.8 a scrape has a fifth of its time left before it fails; a link that degrades
   * (a congested uplink, a flaky LTE modem) gets there before its scrapes start failing.
   *
   * @default 0.8
   */
  readonly slowScrapeRatio?: number;

  /**
   * How long a node's scrapes must be slow before `RavenEdgeScrapeSlow` fires.
   *
   * @default Duration.minutes(15)
   */
  readonly slowScrapeFor?: Duration;

  /**
   * The severity of `RavenEdgeScrapeSlow`.
   *
   * @default AlertSeverity.INFO
   */
  readonly slowScrapeSeverity?: AlertSeverity;

  /**
   * Labels added to every alert, e.g. `{ team: 'edge' }` for routing.
   *
   * @default - none
   */
  readonly alertLabels?: { [name: string]: string };
}

/**
 * Props for `RavenAlertRules`.
 */
export interface RavenAlertRulesProps extends RavenAlertRulesOptions {
  /**
   * The PrometheusRule's name.
   *
   * @default "raven-edge-alerts"
   */
  readonly name?: string;

  /**
   * The PrometheusRule's namespace (kube-prometheus-stack's Prometheus selects rules in every
   * namespace by default).
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * Labels on the PrometheusRule object, e.g. `{ release: 'kube-prometheus-stack' }`, which the
   * chart's Prometheus selects rules by.
   *
   * @default - no labels
   */
  readonly labels?: { [key: string]: string };

  /**
   * The labels that mark the library's targets: the rules look at these targets only.
   *
   * @default { scrape_via: 'raven' } - the marker every library scrape writes (`markerLabel`)
   */
  readonly targetLabels?: { [name: string]: string };

  /**
   * The target label holding the node name.
   *
   * @default "node"
   */
  readonly nodeLabel?: string;

  /**
   * The target label holding the node's pool: OpenYurt's `apps.openyurt.io/nodepool` node label as
   * the library's `labelmap` writes it onto every target (`keepNodeLabels`). An empty string leaves
   * out the pool alert: then a pool's outage reads as one alert per node.
   *
   * @default "apps_openyurt_io_nodepool"
   */
  readonly nodePoolLabel?: string;

  /**
   * The `service` label values of the library's targets: the stock `TargetDown` alerts of these
   * groups are what the inhibition rules silence (`inhibitRules`).
   *
   * @default ["node-exporter-raven", "kubelet-raven"] - the services of RavenPrometheus' node-exporter and kubelet scrapes
   */
  readonly targetDownServices?: string[];
}

/** The alert names, for routes and inhibition rules of your own. */
const ALERTS = {
  tunnelDown: 'RavenEdgeTunnelDown',
  nodePool: 'RavenEdgeNodePoolUnreachable',
  node: 'RavenEdgeNodeUnreachable',
  exporter: 'RavenEdgeExporterDown',
  slow: 'RavenEdgeScrapeSlow',
} as const;

/**
 * Labels the inhibition rules require to be equal on the silencing and the silenced alert: alerts
 * of one Prometheus (prometheus-operator sets the `prometheus` external label) of one cluster
 * (`cluster`, where set) only silence each other. An absent label is equal to an absent label.
 */
const SCOPE_LABELS = ['cluster', 'prometheus'];

/** The stock alert of kube-prometheus-stack (and kube-prometheus) for targets down. */
const STOCK_TARGET_DOWN = 'TargetDown';

const VERIFY = 'npx cdk8s-raven-prometheus verify --prometheus <prometheus url>';

/** An Alertmanager `inhibit_rules` entry. */
type InhibitRule = { source_matchers: string[]; target_matchers: string[]; equal: string[] };

/** What a RavenAlertRules computes from its props. */
export type RenderedAlertRules = {
  readonly name: string;
  readonly namespace: string;
  readonly spec: PrometheusRuleSpecJson;
  readonly inhibitRules: InhibitRule[];
};

function durationOf(owner: string, prop: string, value: Duration | undefined, fallback: Duration): string {
  checkDuration(owner, prop, value);
  return toPrometheusDuration(owner, prop, value ?? fallback);
}

function severityOf(owner: string, prop: string, value: AlertSeverity | undefined, fallback: AlertSeverity): string {
  return checkEnumValue(owner, prop, value, AlertSeverity, 'AlertSeverity') ?? fallback;
}

/** A label value inside a PromQL string literal or an Alertmanager matcher (double-quoted). */
function quoted(value: string): string {
  return JSON.stringify(value);
}

/** A literal as an anchored RE2 alternative. */
function literalRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A number as PromQL writes it, without float noise (0.8 * 10 = 8, not 8.000000000000002). */
function promNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** Checks the props and builds the rule groups and the inhibition rules; `owner` names the construct in errors. */
export function renderAlertRules(scope: Construct, owner: string, props: RavenAlertRulesProps): RenderedAlertRules {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    invalid(owner, 'props', props, 'the props object ({ namespace: ... })');
  }
  const name = checkDnsSubdomain(owner, 'name', props.name ?? 'raven-edge-alerts');
  const namespace = resolveNamespace(scope, owner, props.namespace);
  checkObject(owner, 'labels', props.labels, 'a map of label keys to values');
  checkKubernetesLabels(owner, 'labels', props.labels);

  checkObject(owner, 'targetLabels', props.targetLabels, 'a map of Prometheus label names to values, e.g. { scrape_via: \'raven\' }');
  const targetLabels = props.targetLabels ?? { scrape_via: 'raven' };
  const targetEntries = Object.entries(targetLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (targetEntries.length === 0) {
    invalid(owner, 'targetLabels', targetLabels, 'at least one label that only the library\'s targets carry',
      'Without one the rules would judge every target of Prometheus as an edge target; the default is { scrape_via: \'raven\' }.');
  }
  for (const [label, value] of targetEntries) {
    checkPrometheusLabelName(owner, 'targetLabels', label);
    if (typeof value !== 'string' || value === '') invalid(owner, `targetLabels.${label}`, value, 'a non-empty string');
  }
  const selector = targetEntries.map(([label, value]) => `${label}=${quoted(value)}`).join(', ');

  const node = checkPrometheusLabelName(owner, 'nodeLabel', props.nodeLabel ?? 'node');
  const poolProp = props.nodePoolLabel ?? 'apps_openyurt_io_nodepool';
  const pool = poolProp === '' ? undefined : checkPrometheusLabelName(owner, 'nodePoolLabel', poolProp);
  if (pool === node) {
    invalid(owner, 'nodePoolLabel', pool, `a label other than nodeLabel ('${node}')`, 'The pool alert groups the nodes by their pool.');
  }

  checkList(owner, 'targetDownServices', props.targetDownServices, 'a list of service label values, e.g. [\'node-exporter-raven\']');
  const services = props.targetDownServices ?? ['node-exporter-raven', 'kubelet-raven'];
  services.forEach((service, i) => {
    if (typeof service !== 'string' || service === '' || /[\n\r]/.test(service)) {
      invalid(owner, `targetDownServices[${i}]`, service, 'a non-empty label value on one line');
    }
  });

  checkObject(owner, 'alertLabels', props.alertLabels, 'a map of label names to values, e.g. { team: \'edge\' }');
  const alertLabels = props.alertLabels ?? {};
  for (const [label, value] of Object.entries(alertLabels)) {
    checkPrometheusLabelName(owner, 'alertLabels', label);
    if (['alertname', 'severity'].includes(label) || label.startsWith('__')) {
      invalid(owner, 'alertLabels', label, 'a label other than alertname, severity and __*', 'The severity of each alert is its own prop (nodeSeverity, ...).');
    }
    if (typeof value !== 'string' || value === '') invalid(owner, `alertLabels.${label}`, value, 'a non-empty string');
  }

  const tunnelFor = durationOf(owner, 'tunnelDownFor', props.tunnelDownFor, Duration.minutes(5));
  const poolFor = durationOf(owner, 'nodePoolDownFor', props.nodePoolDownFor, Duration.minutes(15));
  const nodeFor = durationOf(owner, 'nodeDownFor', props.nodeDownFor, Duration.minutes(30));
  const exporterFor = durationOf(owner, 'exporterDownFor', props.exporterDownFor, Duration.minutes(15));
  const slowFor = durationOf(owner, 'slowScrapeFor', props.slowScrapeFor, Duration.minutes(15));
  checkDuration(owner, 'scrapeTimeout', props.scrapeTimeout);
  toPrometheusDuration(owner, 'scrapeTimeout', props.scrapeTimeout ?? Duration.seconds(10));
  const timeoutSeconds = (props.scrapeTimeout ?? Duration.seconds(10)).toMilliseconds({ integral: false }) / 1000;

  const minNodes = props.nodePoolMinNodes ?? 2;
  if (typeof minNodes !== 'number' || !Number.isInteger(minNodes) || minNodes < 1) {
    invalid(owner, 'nodePoolMinNodes', minNodes, 'a whole number of nodes, 1 or more', 'At 1 a pool of one node going down is reported as its pool\'s outage.');
  }
  if (pool === undefined && props.nodePoolMinNodes !== undefined) {
    invalid(owner, 'nodePoolMinNodes', minNodes, 'unset when nodePoolLabel is \'\' (no pool alert)');
  }
  const ratio = props.slowScrapeRatio ?? 0.8;
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio <= 0 || ratio > 1) {
    invalid(owner, 'slowScrapeRatio', ratio, 'a share of the scrape timeout above 0 and at most 1, e.g. 0.8',
      'A scrape longer than its timeout fails instead of being slow.');
  }

  const severity = {
    pool: severityOf(owner, 'nodePoolSeverity', props.nodePoolSeverity, AlertSeverity.WARNING),
    node: severityOf(owner, 'nodeSeverity', props.nodeSeverity, AlertSeverity.INFO),
    exporter: severityOf(owner, 'exporterSeverity', props.exporterSeverity, AlertSeverity.WARNING),
    slow: severityOf(owner, 'slowScrapeSeverity', props.slowScrapeSeverity, AlertSeverity.INFO),
  };

  const inputs: RuleInputs = {
    selector,
    node,
    pool,
    minNodes,
    ratio,
    timeoutSeconds,
    services,
    severity,
    alertLabels: Object.fromEntries(Object.entries(alertLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    fors: { tunnel: tunnelFor, pool: poolFor, node: nodeFor, exporter: exporterFor, slow: slowFor },
  };
  // A platform app writes the same rules for every cluster: built once per set of inputs.
  const built = RULES.get(JSON.stringify(inputs), () => buildRules(inputs));
  return { name, namespace, spec: built.spec, inhibitRules: built.inhibitRules };
}

/** The checked inputs the rules are made of. */
interface RuleInputs {
  readonly selector: string;
  readonly node: string;
  readonly pool?: string;
  readonly minNodes: number;
  readonly ratio: number;
  readonly timeoutSeconds: number;
  readonly services: string[];
  readonly severity: { readonly pool: string; readonly node: string; readonly exporter: string; readonly slow: string };
  readonly alertLabels: { [name: string]: string };
  readonly fors: { readonly tunnel: string; readonly pool: string; readonly node: string; readonly exporter: string; readonly slow: string };
}

const RULES = new BoundedCache<{ spec: PrometheusRuleSpecJson; inhibitRules: InhibitRule[] }>(32);

function buildRules(inputs: RuleInputs): { spec: PrometheusRuleSpecJson; inhibitRules: InhibitRule[] } {
  const { selector, node, pool, minNodes, ratio, timeoutSeconds, services, severity, alertLabels } = inputs;
  const { tunnel: tunnelFor, pool: poolFor, node: nodeFor, exporter: exporterFor, slow: slowFor } = inputs.fors;

  const up = `up{${selector}}`;
  const byNode = pool ? `${node}, ${pool}` : node;
  const othersAnswer = `on () (max(${up}) == 1)`;
  const poolTemplate = pool ? `{{ $labels.${pool} }}` : '';
  const nodeTemplate = `{{ $labels.${node} }}`;

  // A pool is down when none of its targets answers and it has enough nodes to be told from one node.
  const poolUp = pool ? `up{${selector}, ${pool}!=""}` : '';
  const poolDown = pool
    ? `(max by (${pool}) (${poolUp}) == 0) and on (${pool}) (count by (${pool}) (max by (${node}, ${pool}) (${poolUp})) >= ${minNodes})`
    : '';

  const rules: any[] = [];
  const labelsWith = (sev: string) => ({ ...alertLabels, severity: sev });

  rules.push({
    alert: ALERTS.tunnelDown,
    expr: `max(${up}) == 0`,
    for: tunnelFor,
    labels: labelsWith(AlertSeverity.CRITICAL),
    annotations: {
      summary: 'No edge target answers through Raven: the path to the edge is broken.',
      description: 'Every target Prometheus scrapes through the Raven proxy is down at once. Edge sites do not go offline all together: '
        + 'the cloud side of the path is the suspect. Check: `' + VERIFY + '` (it names the failure of each target); the Raven proxy '
        + '(Service kube-system/x-raven-proxy-internal-svc has endpoints, raven-agent pods on the gateway nodes run, the cloud '
        + 'Gateway proxies the scrape ports in spec.proxyConfig); node-name DNS (the tunnel-nodes hosts file in CoreDNS); '
        + 'Prometheus\' token (401/403 from the kubelet).',
    },
  });

  if (pool) {
    rules.push({
      alert: ALERTS.nodePool,
      expr: `(${poolDown}) and ${othersAnswer}`,
      for: poolFor,
      labels: labelsWith(severity.pool),
      annotations: {
        summary: `Node pool ${poolTemplate} is unreachable through Raven.`,
        description: `No node of pool ${poolTemplate} answers through Raven while other pools do: the pool's own link is the suspect. `
          + 'Check: the pool\'s uplink (the site\'s router or modem), the pool\'s Raven gateway (Gateway of the pool, its '
          + `raven-agent pod and its tunnel to the cloud gateway), power at the site; \`${VERIFY}\` lists the pool's targets and their errors.`,
      },
    });
  }

  rules.push({
    alert: ALERTS.node,
    expr: pool
      ? `((max by (${byNode}) (${up}) == 0) and ${othersAnswer}) unless on (${pool}) (${poolDown})`
      : `(max by (${byNode}) (${up}) == 0) and ${othersAnswer}`,
    for: nodeFor,
    labels: labelsWith(severity.node),
    annotations: {
      summary: `Edge node ${nodeTemplate} is unreachable through Raven.`,
      description: `No target of node ${nodeTemplate}${pool ? ` (pool ${poolTemplate})` : ''} answers through Raven while other nodes do. `
        + 'Edge nodes go offline as a matter of course (power, closing hours, coverage): check whether the node is expected to be '
        + 'down (`kubectl get node ' + nodeTemplate + '`: NotReady since when), then its link and its raven-agent; '
        + `\`${VERIFY}\` shows the error of each of its targets.`,
    },
  });

  rules.push({
    alert: ALERTS.exporter,
    expr: `(min by (job, namespace, service, ${byNode}) (${up}) == 0) and on (${node}) (max by (${node}) (${up}) == 1)`,
    for: exporterFor,
    labels: labelsWith(severity.exporter),
    annotations: {
      summary: `{{ $labels.job }} is down on edge node ${nodeTemplate}, whose other targets answer.`,
      description: `The {{ $labels.job }} target of node ${nodeTemplate} is down while another target of the same node answers `
        + 'through Raven: the link works, the problem is on the node or in the path of this port. Check: the exporter\'s pod on the node '
        + '(running, ready, listening on its port), the port in the cloud Gateway\'s proxyHTTPPort/proxyHTTPSPort, the kubelet\'s '
        + `answer to Prometheus' token (401/403); \`${VERIFY}\` names the error.`,
    },
  });

  const threshold = promNumber(ratio * timeoutSeconds);
  rules.push({
    alert: ALERTS.slow,
    expr: `max by (${byNode}) ((avg_over_time(scrape_duration_seconds{${selector}}[10m]) > ${threshold}) and ${up} == 1)`,
    for: slowFor,
    labels: labelsWith(severity.slow),
    annotations: {
      summary: `Scrapes of edge node ${nodeTemplate} take close to their timeout.`,
      description: `Scrapes of node ${nodeTemplate} through Raven took {{ $value | humanizeDuration }} on average over 10 minutes, `
        + `above ${promNumber(ratio * 100)}% of the ${promNumber(timeoutSeconds)}s scrape timeout: the link is degrading, and scrapes will start to fail. `
        + 'Check: the site\'s uplink (bandwidth, loss), the size of what is scraped (cAdvisor grows with the pods), the scrape '
        + 'interval of cAdvisor (`cadvisorInterval`).',
    },
  });

  const spec: PrometheusRuleSpecJson = { groups: [{ name: 'raven-edge.rules', rules }] };

  const below = [ALERTS.nodePool, ALERTS.node, ALERTS.exporter, ALERTS.slow].filter((a) => pool || a !== ALERTS.nodePool);
  const inhibitRules: InhibitRule[] = [
    {
      source_matchers: [`alertname=${quoted(ALERTS.tunnelDown)}`],
      target_matchers: [`alertname=~${quoted(below.join('|'))}`],
      equal: [...SCOPE_LABELS],
    },
    {
      source_matchers: [`alertname=${quoted(ALERTS.tunnelDown)}`],
      target_matchers: [`alertname=${quoted(STOCK_TARGET_DOWN)}`, `service=~${quoted(services.map(literalRegex).join('|'))}`],
      equal: [...SCOPE_LABELS],
    },
  ];
  if (pool) {
    inhibitRules.push({
      source_matchers: [`alertname=${quoted(ALERTS.nodePool)}`],
      target_matchers: [`alertname=~${quoted([ALERTS.node, ALERTS.exporter, ALERTS.slow].join('|'))}`],
      equal: [...SCOPE_LABELS, pool],
    });
  }
  return { spec, inhibitRules };
}

function ruleObjectProps(r: RenderedAlertRules, props: RavenAlertRulesProps) {
  return {
    apiVersion: PROMETHEUS_RULE_GVK.apiVersion,
    kind: PROMETHEUS_RULE_GVK.kind,
    metadata: { name: r.name, namespace: r.namespace, labels: props.labels },
    spec: r.spec,
  };
}

/**
 * Alerts for the library's edge targets, as a prometheus-operator `PrometheusRule`, that tell apart
 * what a cloud-made `TargetDown` cannot:
 *
 * | alert | fires when | default |
 * |---|---|---|
 * | `RavenEdgeTunnelDown` | every edge target is down: the Raven path (proxy, gateway, DNS, token) is broken | critical, 5m |
 * | `RavenEdgeNodePoolUnreachable` | every node of one pool (of 2 nodes or more) is down while other nodes answer | warning, 15m |
 * | `RavenEdgeNodeUnreachable` | every target of one node is down while other nodes answer (not while its pool is down) | info, 30m |
 * | `RavenEdgeExporterDown` | a target is down on a node whose other targets answer | warning, 15m |
 * | `RavenEdgeScrapeSlow` | a node's scrapes take more than 80% of the scrape timeout | info, 15m |
 *
 * Each outage is reported once, by the widest alert that explains it: the expressions exclude one
 * another, and `inhibitRules` (for Alertmanager) silences the narrower alerts and the stock
 * `TargetDown` of the library's groups while the tunnel or a pool is down.
 *
 * The construct is the PrometheusRule API object itself.
 *
 * @see https://prometheus-operator.dev/docs/developer/alerting/
 * @example
 * import { App, Chart, Duration } from 'cdk8s';
 * import { AlertSeverity, RavenAlertRules } from 'cdk8s-raven-prometheus';
 *
 * const app = new App();
 * const chart = new Chart(app, 'edge-monitoring', { namespace: 'monitoring' });
 * // Shops close at night: a node is reported after two hours, as a warning.
 * new RavenAlertRules(chart, 'edge-alerts', {
 *   labels: { release: 'kube-prometheus-stack' },
 *   nodeDownFor: Duration.hours(2),
 *   nodeSeverity: AlertSeverity.WARNING,
 * });
 */
export class RavenAlertRules extends ApiObject {
  /** The alert fired when every edge target is down. */
  public static readonly TUNNEL_DOWN_ALERT: string = ALERTS.tunnelDown;
  /** The alert fired when every node of one pool is down. */
  public static readonly NODE_POOL_UNREACHABLE_ALERT: string = ALERTS.nodePool;
  /** The alert fired when every target of one node is down. */
  public static readonly NODE_UNREACHABLE_ALERT: string = ALERTS.node;
  /** The alert fired when a target is down on a node whose other targets answer. */
  public static readonly EXPORTER_DOWN_ALERT: string = ALERTS.exporter;
  /** The alert fired when a node's scrapes take close to their timeout. */
  public static readonly SCRAPE_SLOW_ALERT: string = ALERTS.slow;

  /** The PrometheusRule's namespace. */
  public readonly namespace: string;
  private readonly _rendered: RenderedAlertRules;

  /**
   * @param scope the chart, or a construct in it, that the object is added to
   * @param id the construct id, unique within `scope`
   * @param props the targets the rules look at, the thresholds and durations
   */
  public constructor(scope: Construct, id: string, props: RavenAlertRulesProps = {}) {
    checkKnownProps('RavenAlertRules', 'props', props, 'RavenAlertRulesProps', scope, id);
    const r = inChart(scope, id, () => renderAlertRules(scope, 'RavenAlertRules', props));
    super(scope, id, ruleObjectProps(r, props ?? {}));
    checkObjectsOf(this);
    this.namespace = r.namespace;
    this._rendered = r;
  }

  /**
   * The Alertmanager `inhibit_rules` entries that keep one outage to one notification: the tunnel
   * alert silences the pool, node, exporter and slow-scrape alerts and the stock `TargetDown` of
   * the library's services; a pool alert silences those of its nodes. Add them to your
   * Alertmanager configuration (`RavenPrometheus.kubePrometheusStackValues()` does, for
   * kube-prometheus-stack).
   */
  public get inhibitRules(): { [key: string]: any }[] {
    return JSON.parse(JSON.stringify(this._rendered.inhibitRules));
  }

  /** The rules file Prometheus loads for this PrometheusRule (`groups:`), for a Prometheus without the operator. */
  public get ruleFileYaml(): string {
    return Yaml.stringify(JSON.parse(JSON.stringify(this._rendered.spec)));
  }

  /** The PrometheusRule API object: the rules themselves (kept for symmetry with the other constructs). */
  public get resource(): ApiObject {
    return this;
  }
}

/**
 * The same PrometheusRule as `RavenAlertRules`, as a plain `ApiObject` in `scope`, with its
 * inhibition rules: how the composite writes it without a construct class of its own.
 */
export function addAlertRulesObject(scope: Construct, id: string, owner: string, props: RavenAlertRulesProps): {
  object: ApiObject; rendered: RenderedAlertRules;
} {
  const r = renderAlertRules(scope, owner, props);
  return { object: new ApiObject(scope, id, ruleObjectProps(r, props)), rendered: r };
}

