// The example platform stack of src/example/platform.ts, written as a Go cdk8s app.
//
// Usage: go run . OUTDIR
package main

import (
	"fmt"
	"os"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-raven-prometheus/cdk8s-raven-prometheus-go/cdk8sravenprometheus"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

// The cloud Gateway as `kubectl get gateways.raven.openyurt.io gw-cloud -o yaml` prints it
// (src/example/cloud-gateway.ts).
var cloudGateway = map[string]interface{}{
	"apiVersion": "raven.openyurt.io/v1beta1",
	"kind":       "Gateway",
	"metadata": map[string]interface{}{
		"creationTimestamp": "2026-09-14T08:21:05Z",
		"generation":        4,
		"name":              "gw-cloud",
		"resourceVersion":   "918273",
		"uid":               "7d3f1c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b",
	},
	"spec": map[string]interface{}{
		"endpoints": []interface{}{
			map[string]interface{}{"nodeName": "cloud-master-1", "type": "proxy", "port": 10262, "underNAT": false,
				"publicIP": "203.0.113.10", "config": map[string]interface{}{"enable-l7-proxy": "true"}},
			map[string]interface{}{"nodeName": "cloud-master-1", "type": "tunnel", "port": 4500, "underNAT": false,
				"publicIP": "203.0.113.10", "config": map[string]interface{}{"enable-l3-tunnel": "true"}},
		},
		"exposeType":   "PublicIP",
		"nodeSelector": map[string]interface{}{"matchLabels": map[string]interface{}{"raven.openyurt.io/gateway": "gw-cloud"}},
		"proxyConfig":  map[string]interface{}{"Replicas": 1, "proxyHTTPPort": "10255", "proxyHTTPSPort": "9445"},
		"tunnelConfig": map[string]interface{}{"Replicas": 1},
	},
	"status": map[string]interface{}{
		"activeEndpoints": []interface{}{
			map[string]interface{}{"nodeName": "cloud-master-1", "type": "proxy", "port": 10262, "publicIP": "203.0.113.10"},
		},
	},
}

func buildExamplePlatform(scope constructs.Construct, clusterName string) cdk8s.Chart {
	chart := cdk8s.NewChart(scope, jsii.String(clusterName+"-raven-prometheus"), &cdk8s.ChartProps{
		Namespace: jsii.String("monitor"),
	})
	cdk8sravenprometheus.NewRavenPrometheus(chart, jsii.String("raven"), &cdk8sravenprometheus.RavenPrometheusProps{
		Release: jsii.String("foundation-core"),
		Dns: cdk8sravenprometheus.DnsStrategy_EditClusterCoreDns(&cdk8sravenprometheus.RavenCoreDnsProps{
			Corefile:   cdk8sravenprometheus.Corefile_KubeadmDefault(nil).ToString(),
			Deployment: cdk8sravenprometheus.CoreDnsDeployment_Kubeadm(nil),
		}),
		Addressing: cdk8sravenprometheus.NodeAddressing_NodeName(),
		Nodes:      cdk8sravenprometheus.NodeSelection_EdgeOnly(),
		Gateway:    &cloudGateway,
		ExtraScrapes: &[]*cdk8sravenprometheus.ExtraEdgeScrape{{
			Name:     jsii.String("dcgm-exporter-raven"),
			JobLabel: jsii.String("dcgm-exporter"),
			Port:     jsii.Number(9400),
			Nodes: cdk8sravenprometheus.NodeSelection_WithLabels(&map[string]*string{
				"openyurt.io/is-edge-worker": jsii.String("true"),
				"nvidia.com/gpu.present":     jsii.String("true"),
			}),
		}},
	})
	return chart
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run . OUTDIR")
		os.Exit(2)
	}
	app := cdk8s.NewApp(&cdk8s.AppProps{Outdir: jsii.String(os.Args[1])})
	buildExamplePlatform(app, "edge-cluster")
	app.Synth()
}
