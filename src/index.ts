// The package's API, and nothing else: internals live under ./private/ and are never re-exported.
// test/source-layout.test.ts checks that every class, interface and enum of a top-level file is here.

// The whole stack in one construct
export {
  type ExtraEdgeScrape,
  type KubePrometheusStackValuesOptions,
  RavenPrometheus,
  type RavenPrometheusProps,
} from './raven-prometheus';
export { DnsStrategy } from './dns-strategy';
export { type ClusterVersions } from './versions';

// Single constructs
export { EdgeNodeScrape, type EdgeNodeScrapeOptions, type EdgeNodeScrapeProps } from './edge-node-scrape';
export { NodeExporterScrape, type NodeExporterScrapeProps } from './node-exporter-scrape';
export { KubeletEndpoint, KubeletScrape, type KubeletScrapeProps } from './kubelet-scrape';
export { ServiceAccountTokenSecret, type ServiceAccountTokenSecretProps } from './service-account-token-secret';
export { PrometheusNodeRbac, type PrometheusNodeRbacProps } from './prometheus-node-rbac';
export { RavenGatewayPorts, type RavenGatewayPortsProps } from './raven-gateway-ports';

// Alerts for the edge targets
export { AlertSeverity, RavenAlertRules, type RavenAlertRulesOptions, type RavenAlertRulesProps } from './raven-alert-rules';

// Cluster DNS for node names
export { RavenCoreDns, type RavenCoreDnsProps } from './raven-core-dns';
export { RavenProxyDns, type RavenProxyDnsProps } from './raven-proxy-dns';
export { CoreDnsDeployment, type KubeadmCoreDnsDeploymentOptions } from './coredns-deployment';

// The Corefile engine
export { Corefile, type CorefileEdit, type KubeadmCorefileOptions } from './corefile';
export { type DirectiveInfo, type ImportInfo, type ServerBlockInfo, type SnippetInfo } from './corefile-model';
export { type TunnelHostsOptions } from './tunnel-hosts-options';

// What and how to scrape
export {
  BearerToken,
  CertificateAuthority,
  InstanceLabel,
  type MetricRelabeling,
  NodeAddressing,
  NodeSelection,
  type PodDiscoveryOptions,
  type ProxyQueryOptions,
  type RavenProxyTlsOptions,
  RelabelAction,
  ScrapeScheme,
  ScrapeTls,
  type ServiceAccountTokenOptions,
  TargetDiscovery,
  type VerifiedTlsOptions,
} from './scrape-options';
export { type EdgeLinkProfileOptions, type LinkBudgetOptions, ScrapeProfile } from './scrape-profile';

// Outputs for other Prometheus setups
export { type PrometheusConfigFragmentOptions, ScrapeOutput } from './scrape-output';
export { type OperatorRenderOptions, type PlainRenderOptions, PrometheusConfig } from './prometheus-config';
export { KubePrometheusStack, type KubePrometheusStackRelease } from './kube-prometheus-stack';
export { KubePrometheusStackValues, type KubePrometheusStackValuesProps } from './kube-prometheus-stack-values';

// Checks on a running cluster
export { type TargetDiagnosis, TargetProblem, TargetsReport, type VerifyOptions } from './verify';
export { type DriftFinding, type DriftOptions, DriftReport, DriftStatus } from './drift';
