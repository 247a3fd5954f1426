#!/usr/bin/env bash
# Packs the library as npm would publish it, installs the tarball into a throwaway cdk8s
# app that has only the peer dependencies, and synthesizes from it with both the
# compiled JavaScript and the TypeScript typings. A broken main/types/files entry fails here.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
npx projen compile >/dev/null
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)

peer() { node -p "require('$root/node_modules/$1/package.json').version"; }
mkdir -p "$work/app"
cp "$root/test/consumer/app.ts" "$work/app/app.ts"
cd "$work/app"
cat > package.json <<JSON
{ "name": "consumer-app", "private": true, "version": "0.0.0" }
JSON
npm install --no-audit --no-fund --silent \
  "cdk8s@$(peer cdk8s)" "cdk8s-plus-28@$(peer cdk8s-plus-28)" "constructs@$(peer constructs)" \
  "$work/$tarball"

# TypeScript: the published typings must resolve and type-check the app.
"$root/node_modules/.bin/tsc" --strict --module commonjs --target es2022 --moduleResolution node --skipLibCheck false \
  --types node --typeRoots "$root/node_modules/@types" app.ts
node app.js

manifest=dist/consumer.k8s.yaml
test -s "$manifest" || { echo "consumer app wrote no $manifest" >&2; exit 1; }
count=$(grep -c '^kind: ScrapeConfig$' "$manifest")
if [ "$count" -ne 4 ]; then
  echo "expected 4 ScrapeConfigs from the packed library, found $count" >&2
  exit 1
fi
# No token by default: through Raven the kubelet authorizes the proxy's client certificate; the
# proxy's own certificate is verified instead (ScrapeTls.ravenProxy()).
if grep -q '^kind: Secret$' "$manifest" || grep -q 'authorization:' "$manifest"; then
  echo "the packed library's defaults send a token (a Secret or authorization in $manifest)" >&2
  exit 1
fi
verified=$(grep -c 'serverName: x-raven-proxy-internal-svc.kube-system.svc' "$manifest")
if [ "$verified" -ne 3 ] || grep -q 'insecureSkipVerify' "$manifest"; then
  echo "expected the 3 kubelet ScrapeConfigs to verify Raven's proxy certificate, found $verified and no insecureSkipVerify" >&2
  exit 1
fi
stack=dist/stack.k8s.yaml
for kind in ConfigMap Deployment ClusterRole ClusterRoleBinding; do
  grep -q "^kind: $kind\$" "$stack" || { echo "the RavenPrometheus stack has no $kind" >&2; exit 1; }
done
grep -q 'hosts /etc/edge/tunnel-nodes {' "$stack" || { echo "the Corefile edit is missing from the packed library's output" >&2; exit 1; }
grep -q 'scrapeTimeout: 20s' "$stack" || { echo "the JSON patch on nodeExporterScrape is missing" >&2; exit 1; }
labelled=$(grep -c '^    team: platform$' "$stack")
if [ "$labelled" -ne 4 ]; then
  echo "expected the team label on the 4 ScrapeConfigs of the stack, found $labelled" >&2
  exit 1
fi
if [ -e "node_modules/cdk8s-raven-prometheus/imports" ] || [ -e "node_modules/cdk8s-raven-prometheus/src" ]; then
  echo "the package ships TypeScript sources it does not need" >&2
  exit 1
fi
# The bin entry: verify against a loopback port where nothing listens must exit 2 (cannot reach Prometheus).
set +e
./node_modules/.bin/cdk8s-raven-prometheus verify --prometheus http://127.0.0.1:9 > verify.out 2>&1
code=$?
set -e
if [ "$code" -ne 2 ]; then
  echo "cdk8s-raven-prometheus verify exited $code, expected 2; output:" >&2
  cat verify.out >&2
  exit 1
fi
# The drift command's bin entry: a missing kubeconfig is a usage error (exit 2), before any network.
set +e
./node_modules/.bin/cdk8s-raven-prometheus drift -f "$stack" --kubeconfig "$work/no-kubeconfig" > drift.out 2>&1
code=$?
set -e
if [ "$code" -ne 2 ] || ! grep -q "cannot read the kubeconfig" drift.out; then
  echo "cdk8s-raven-prometheus drift exited $code, expected 2 with the missing kubeconfig named; output:" >&2
  cat drift.out >&2
  exit 1
fi

# Every TypeScript block of the README, as a newcomer pastes it into the main.ts of an app made by
# 'cdk8s init typescript-app': compiled with that template's tsconfig.json (es2016 lib, strict, no
# skipLibCheck) against the packed library, then run. The files the blocks read are the ones the
# README tells to export: a kubeadm Corefile, the kubeadm Deployment fixture, the example Gateway.
# helm itself is not under test: a stub on PATH renders no objects for the Helm construct.
readme="$work/readme"
mkdir -p "$readme/bin"
printf '#!/bin/sh\nexit 0\n' > "$readme/bin/helm"
chmod +x "$readme/bin/helm"
node - "$root/README.md" "$readme" <<'JS'
const fs = require('fs');
const path = require('path');
const [readmeFile, out] = process.argv.slice(2);
const lines = fs.readFileSync(readmeFile, 'utf8').split('\n');
let n = 0;
for (let i = 0; i < lines.length; i++) {
  const open = /^(\s*)```ts\s*$/.exec(lines[i]);
  if (!open) continue;
  const indent = open[1];
  const body = [];
  for (i++; i < lines.length && lines[i] !== `${indent}\`\`\``; i++) body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i]);
  const dir = path.join(out, `block-${++n}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'main.ts'), `${body.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'line'), String(i - body.length));
}
JS
blocks=$(ls -d "$readme"/block-* | wc -l)
if [ "$blocks" -lt 10 ]; then
  echo "expected at least 10 TypeScript blocks in README.md, found $blocks" >&2
  exit 1
fi
node -e '
const fs = require("fs");
const { Corefile } = require("cdk8s-raven-prometheus");
const { Yaml } = require("cdk8s");
// The example Gateway from the build in the repository: the example app is not in the package.
const { EXAMPLE_CLOUD_GATEWAY } = require(process.argv[1] + "/lib/src/example/cloud-gateway");
fs.writeFileSync("Corefile", Corefile.kubeadmDefault().toString());
fs.writeFileSync("Corefile.edited", Corefile.kubeadmDefault().addTunnelHosts().corefile.toString());
fs.writeFileSync("gw-cloud.yaml", Yaml.stringify(EXAMPLE_CLOUD_GATEWAY));
// The alertmanager.config value of a user, as the alerting section passes it.
fs.writeFileSync("alertmanager-config.yaml", Yaml.stringify({
  route: { receiver: "team-pager", group_by: ["alertname", "namespace"], routes: [{ receiver: "null", matchers: ["alertname = \"Watchdog\""] }] },
  receivers: [{ name: "team-pager" }, { name: "null" }],
  inhibit_rules: [{ source_matchers: ["severity = \"critical\""], target_matchers: ["severity =~ \"warning|info\""], equal: ["namespace", "alertname"] }],
}));
' "$root"
template="$root/node_modules/cdk8s-cli/templates/typescript-app/tsconfig.json"
for dir in "$readme"/block-*; do
  cp Corefile Corefile.edited gw-cloud.yaml alertmanager-config.yaml "$dir/"
  cp "$root/test/fixtures/coredns-deployment.exported.yaml" "$dir/coredns-deployment.yaml"
  ln -s "$work/app/node_modules" "$dir/node_modules"
  node -e '
    const fs = require("fs");
    const config = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    config.compilerOptions.typeRoots = [process.argv[2]];
    config.compilerOptions.types = ["node"];
    config.include = ["main.ts"];
    fs.writeFileSync(process.argv[3], JSON.stringify(config, null, 2));
  ' "$template" "$root/node_modules/@types" "$dir/tsconfig.json"
  where="README.md block at line $(cat "$dir/line")"
  if ! (cd "$dir" && "$root/node_modules/.bin/tsc" -p tsconfig.json > tsc.out 2>&1); then
    echo "$where does not compile as main.ts of a 'cdk8s init typescript-app' app:" >&2
    cat "$dir/tsc.out" "$dir/main.ts" >&2
    exit 1
  fi
  if ! (cd "$dir" && PATH="$readme/bin:$PATH" node main.js > run.out 2>&1); then
    echo "$where fails when run:" >&2
    cat "$dir/run.out" "$dir/main.ts" >&2
    exit 1
  fi
  if grep -q 'app.synth()' "$dir/main.ts" && ! ls "$dir"/dist/*.k8s.yaml > /dev/null 2>&1; then
    echo "$where synthesized nothing" >&2
    exit 1
  fi
done
echo "README: $blocks TypeScript blocks compiled as a cdk8s app's main.ts and run"
echo "package: 1 passed, 0 failed"
