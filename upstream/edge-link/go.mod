module cdk8s-raven-prometheus/upstream/edge-link

go 1.26.0

require golang.org/x/sys v0.50.0
