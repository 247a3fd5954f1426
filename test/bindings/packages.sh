#!/usr/bin/env bash
# The packages for every language in artifacts/ (npx projen package-all: the npm tarball, the wheel,
# the jar with its POM, the Go module), built only when lib/, .jsii, package.json or jsii-pacmak
# changed since the last build, or one is missing. Used by test/bindings/run.sh and by the release
# rehearsal (test/release/run.sh), which publishes the same build. Needs lib/ (compile).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/.tmp/bindings
cd "$root"
mkdir -p "$work"
seconds() { echo $(( $(date +%s) - $1 )); }

[ -s .jsii ] && [ -f lib/src/index.js ] || { echo "no compiled library: run 'npx projen compile' first" >&2; exit 1; }
version=$(node -p "require('./package.json').version")
expected=(
  "artifacts/js/cdk8s-raven-prometheus@$version.jsii.tgz"
  "artifacts/python/cdk8s_raven_prometheus-$version-py3-none-any.whl"
  "artifacts/java/io/github/cdk8s-raven-prometheus/cdk8s-raven-prometheus/$version/cdk8s-raven-prometheus-$version.jar"
  "artifacts/go/cdk8sravenprometheus/go.mod"
)
inputs=$( { find lib -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum .jsii package.json;
  node -p "require('jsii-pacmak/package.json').version"; } | sha256sum | cut -d' ' -f1)
stamp=$work/packages.sha256
current=yes
[ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ] || current=no
for file in "${expected[@]}"; do [ -s "$file" ] || current=no; done
if [ "$current" = no ]; then
  start=$(date +%s)
  echo "bindings: building the packages (npx projen package-all)"
  rm -f "$stamp"
  npx projen package-all > "$work/package-all.log" 2>&1 || { tail -n 60 "$work/package-all.log" >&2; echo "bindings: package-all failed (log: $work/package-all.log)" >&2; exit 1; }
  for file in "${expected[@]}"; do [ -s "$file" ] || { echo "bindings: package-all wrote no $file" >&2; exit 1; }; done
  echo "$inputs" > "$stamp"
  echo "bindings: packages built in $(seconds "$start")s"
fi
