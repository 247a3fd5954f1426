"""The example platform stack of src/example/platform.ts, written as a Python cdk8s app.

Usage: python app.py OUTDIR
"""
import sys

from cdk8s import App, Chart
from cdk8s_raven_prometheus import (
    CoreDnsDeployment,
    Corefile,
    DnsStrategy,
    ExtraEdgeScrape,
    NodeAddressing,
    NodeSelection,
    RavenPrometheus,
)

# The cloud Gateway as `kubectl get gateways.raven.openyurt.io gw-cloud -o yaml` prints it
# (src/example/cloud-gateway.ts).
CLOUD_GATEWAY = {
    "apiVersion": "raven.openyurt.io/v1beta1",
    "kind": "Gateway",
    "metadata": {
        "creationTimestamp": "2026-09-14T08:21:05Z",
        "generation": 4,
        "name": "gw-cloud",
        "resourceVersion": "918273",
        "uid": "7d3f1c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b",
    },
    "spec": {
        "endpoints": [
            {"nodeName": "cloud-master-1", "type": "proxy", "port": 10262, "underNAT": False,
             "publicIP": "203.0.113.10", "config": {"enable-l7-proxy": "true"}},
            {"nodeName": "cloud-master-1", "type": "tunnel", "port": 4500, "underNAT": False,
             "publicIP": "203.0.113.10", "config": {"enable-l3-tunnel": "true"}},
        ],
        "exposeType": "PublicIP",
        "nodeSelector": {"matchLabels": {"raven.openyurt.io/gateway": "gw-cloud"}},
        "proxyConfig": {"Replicas": 1, "proxyHTTPPort": "10255", "proxyHTTPSPort": "9445"},
        "tunnelConfig": {"Replicas": 1},
    },
    "status": {
        "activeEndpoints": [
            {"nodeName": "cloud-master-1", "type": "proxy", "port": 10262, "publicIP": "203.0.113.10"},
        ],
    },
}


def build_example_platform(app: App, cluster_name: str = "edge-cluster") -> Chart:
    chart = Chart(app, f"{cluster_name}-raven-prometheus", namespace="monitor")
    RavenPrometheus(
        chart,
        "raven",
        release="foundation-core",
        dns=DnsStrategy.edit_cluster_core_dns(
            corefile=Corefile.kubeadm_default().to_string(),
            deployment=CoreDnsDeployment.kubeadm(),
        ),
        addressing=NodeAddressing.node_name(),
        nodes=NodeSelection.edge_only(),
        gateway=CLOUD_GATEWAY,
        extra_scrapes=[
            ExtraEdgeScrape(
                name="dcgm-exporter-raven",
                job_label="dcgm-exporter",
                port=9400,
                nodes=NodeSelection.with_labels({
                    "openyurt.io/is-edge-worker": "true",
                    "nvidia.com/gpu.present": "true",
                }),
            ),
        ],
    )
    return chart


if __name__ == "__main__":
    app = App(outdir=sys.argv[1])
    build_example_platform(app)
    app.synth()
