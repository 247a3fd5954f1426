export * from './scrape-options';
export * from './service-account-token-secret';
export * from './edge-node-scrape';
export * from './node-exporter-scrape';
export * from './kubelet-scrape';
