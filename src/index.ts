export * from './corefile';
export * from './scrape-options';
export * from './service-account-token-secret';
export * from './edge-node-scrape';
export * from './node-exporter-scrape';
export * from './kubelet-scrape';
export { CoreDnsDeployment, KubeadmCoreDnsDeploymentOptions } from './coredns-deployment';
export * from './raven-core-dns';
export * from './raven-proxy-dns';
