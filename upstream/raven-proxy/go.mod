module cdk8s-raven-prometheus/upstream/raven-proxy

go 1.26.0

require k8s.io/apimachinery v0.36.3
