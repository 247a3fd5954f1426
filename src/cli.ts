#!/usr/bin/env node
/**
 * `cdk8s-raven-prometheus verify --prometheus <url> [--job <regex>]`
 *
 * Asks a Prometheus for its targets, checks those of the library and explains each failure.
 * Exit status: 0 every selected target is up; 1 a selected target is not up, or none was
 * selected; 2 usage error, or Prometheus could not be asked.
 *
 * `cdk8s-raven-prometheus drift -f <manifests> [--kubeconfig <path>] [--context <name>] [--field-manager <name>]`
 *
 * Reads, through the API server, the live objects the cluster owns that the synthesized stack
 * writes onto (the CoreDNS ConfigMap and Deployment, the Gateway) and says whether applying would
 * revert a change made since the export, or fail. Exit status: 0 applying changes only the
 * library's fields; 1 it would revert or fail; 2 usage error, or the API server could not be read.
 */
import { runCli } from './private/cli';

if (require.main === module) {
  runCli(process.argv.slice(2), {
    fetch: (url, init) => fetch(url, init),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  }, (e) => {
    process.stderr.write(`cdk8s-raven-prometheus: ${(e as Error).stack}\n`);
    process.exitCode = 2;
  });
}
