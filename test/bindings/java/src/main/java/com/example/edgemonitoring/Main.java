package com.example.edgemonitoring;

import static java.util.Map.entry;

import io.github.cdk8s_raven_prometheus.CoreDnsDeployment;
import io.github.cdk8s_raven_prometheus.Corefile;
import io.github.cdk8s_raven_prometheus.DnsStrategy;
import io.github.cdk8s_raven_prometheus.ExtraEdgeScrape;
import io.github.cdk8s_raven_prometheus.NodeAddressing;
import io.github.cdk8s_raven_prometheus.NodeSelection;
import io.github.cdk8s_raven_prometheus.RavenCoreDnsProps;
import io.github.cdk8s_raven_prometheus.RavenPrometheus;
import java.util.List;
import java.util.Map;
import org.cdk8s.App;
import org.cdk8s.AppProps;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import software.constructs.Construct;

/**
 * The example platform stack of src/example/platform.ts, written as a Java cdk8s app.
 *
 * <p>Usage: {@code mvn exec:java -Dexec.args=OUTDIR}
 */
public final class Main {
  /**
   * The cloud Gateway as {@code kubectl get gateways.raven.openyurt.io gw-cloud -o yaml} prints it
   * (src/example/cloud-gateway.ts).
   */
  static final Map<String, Object> CLOUD_GATEWAY = Map.of(
      "apiVersion", "raven.openyurt.io/v1beta1",
      "kind", "Gateway",
      "metadata", Map.of(
          "creationTimestamp", "2026-09-14T08:21:05Z",
          "generation", 4,
          "name", "gw-cloud",
          "resourceVersion", "918273",
          "uid", "7d3f1c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b"),
      "spec", Map.of(
          "endpoints", List.of(
              Map.of("nodeName", "cloud-master-1", "type", "proxy", "port", 10262, "underNAT", false,
                  "publicIP", "203.0.113.10", "config", Map.of("enable-l7-proxy", "true")),
              Map.of("nodeName", "cloud-master-1", "type", "tunnel", "port", 4500, "underNAT", false,
                  "publicIP", "203.0.113.10", "config", Map.of("enable-l3-tunnel", "true"))),
          "exposeType", "PublicIP",
          "nodeSelector", Map.of("matchLabels", Map.of("raven.openyurt.io/gateway", "gw-cloud")),
          "proxyConfig", Map.of("Replicas", 1, "proxyHTTPPort", "10255", "proxyHTTPSPort", "9445"),
          "tunnelConfig", Map.of("Replicas", 1)),
      "status", Map.of(
          "activeEndpoints", List.of(
              Map.of("nodeName", "cloud-master-1", "type", "proxy", "port", 10262,
                  "publicIP", "203.0.113.10"))));

  private Main() {}

  static Chart buildExamplePlatform(Construct scope, String clusterName) {
    Chart chart = new Chart(scope, clusterName + "-raven-prometheus",
        ChartProps.builder().namespace("monitor").build());
    RavenPrometheus.Builder.create(chart, "raven")
        .release("foundation-core")
        .dns(DnsStrategy.editClusterCoreDns(RavenCoreDnsProps.builder()
            .corefile(Corefile.kubeadmDefault().toString())
            .deployment(CoreDnsDeployment.kubeadm())
            .build()))
        .addressing(NodeAddressing.nodeName())
        .nodes(NodeSelection.edgeOnly())
        .gateway(CLOUD_GATEWAY)
        .extraScrapes(List.of(ExtraEdgeScrape.builder()
            .name("dcgm-exporter-raven")
            .jobLabel("dcgm-exporter")
            .port(9400)
            .nodes(NodeSelection.withLabels(Map.ofEntries(
                entry("openyurt.io/is-edge-worker", "true"),
                entry("nvidia.com/gpu.present", "true"))))
            .build()))
        .build();
    return chart;
  }

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: Main OUTDIR");
      System.exit(2);
    }
    App app = new App(AppProps.builder().outdir(args[0]).build());
    buildExamplePlatform(app, "edge-cluster");
    app.synth();
  }
}
