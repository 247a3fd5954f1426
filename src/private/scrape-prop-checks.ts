import {
  BearerToken, InstanceLabel, NodeAddressing, NodeSelection, RelabelAction, ScrapeScheme, ScrapeTls, TargetDiscovery,
} from '../scrape-options';
import { checkKnownProps } from './known-props';
import {
  checkBoolean, checkDuration, checkEnumValue, checkInstance, checkList, checkObject, invalid,
} from './validation';

/**
 * The types of a scrape's props, checked at run time (`EdgeNodeScrape`, `NodeExporterScrape`,
 * `KubeletScrape` and the scrapes of `RavenPrometheus`): from plain JavaScript, or values read
 * from a file, a string can arrive where a factory's result belongs (`nodes: 'edge'`), and would
 * otherwise crash deep inside or be taken for the default.
 */
export function checkScrapePropTypes(owner: string, props: { [prop: string]: any }): void {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    invalid(owner, 'props', props, 'the props object');
  }
  checkInstance(owner, 'nodes', props.nodes, NodeSelection);
  checkInstance(owner, 'addressing', props.addressing, NodeAddressing);
  checkInstance(owner, 'instance', props.instance, InstanceLabel);
  checkInstance(owner, 'discovery', props.discovery, TargetDiscovery);
  checkInstance(owner, 'tls', props.tls, ScrapeTls);
  checkInstance(owner, 'bearerToken', props.bearerToken, BearerToken);
  checkEnumValue(owner, 'scheme', props.scheme, ScrapeScheme, 'ScrapeScheme');
  checkDuration(owner, 'scrapeInterval', props.scrapeInterval);
  checkDuration(owner, 'scrapeTimeout', props.scrapeTimeout);
  for (const flag of ['nodeLabel', 'markerLabel', 'keepNodeLabels', 'honorLabels', 'honorTimestamps', 'trackTimestampsStaleness']) {
    checkBoolean(owner, flag, props[flag]);
  }
  checkObject(owner, 'labels', props.labels, 'a map of label keys to values');
  checkObject(owner, 'targetLabels', props.targetLabels, 'a map of Prometheus label names to values');
  checkObject(owner, 'versions', props.versions, 'a ClusterVersions object such as { prometheusOperator: \'0.93.0\' }');
  checkList(owner, 'metricRelabelings', props.metricRelabelings, 'a list of metric relabelings ({ action, sourceLabels, ... })');
  (props.metricRelabelings ?? []).forEach((r: any, i: number) => {
    if (r === null || typeof r !== 'object') invalid(owner, `metricRelabelings[${i}]`, r, 'a metric relabeling ({ action, sourceLabels, ... })');
    checkKnownProps(owner, `metricRelabelings[${i}]`, r, 'MetricRelabeling');
    checkEnumValue(owner, `metricRelabelings[${i}].action`, r.action, RelabelAction, 'RelabelAction');
  });
}
