module cdk8s-raven-prometheus/upstream/operator-render

go 1.26.0

require github.com/prometheus-operator/prometheus-operator v0.93.1 // indirect
