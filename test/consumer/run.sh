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
grep -q '^kind: Secret$' "$manifest" || { echo "the token Secret is missing" >&2; exit 1; }
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
echo "package: 1 passed, 0 failed"
