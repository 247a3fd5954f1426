#!/usr/bin/env bash
# Java and Go bindings of the peer packages that the registries the build machines reach do not serve:
# Maven Central serves neither org.cdk8s:cdk8s 2.70.106 nor any org.cdk8s:cdk8s-plus-28, and the
# Go module proxy does not serve github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 v2.70.106.
# jsii-pacmak builds them from the npm packages at exactly the versions the library is built with
# (node_modules) into each package's own jsii output folder, node_modules/<package>/dist/<lang>,
# which is where jsii-pacmak looks for local builds of dependencies when it packages this library.
# The Java consumer installs these jars into its local Maven repository; the Go consumer points
# its go.mod at the cdk8s module with a `replace`. cdk8s-plus-28 for Go, constructs, the jsii
# runtimes and everything else come from the registries.
#
# Run first by `npx projen package-all` and by test/bindings/run.sh. Builds only what is missing
# (the first time, several minutes: Maven resolves jsii's version ranges); `npm ci` removes them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

version() { node -p "require('./node_modules/$1/package.json').version"; }
cdk8s=$(version cdk8s)
plus=$(version cdk8s-plus-28)

java_missing=()
[ -s "node_modules/cdk8s/dist/java/org/cdk8s/cdk8s/$cdk8s/cdk8s-$cdk8s.jar" ] || java_missing+=(node_modules/cdk8s)
[ -s "node_modules/cdk8s-plus-28/dist/java/org/cdk8s/cdk8s-plus-28/$plus/cdk8s-plus-28-$plus.jar" ] || java_missing+=(node_modules/cdk8s-plus-28)
if [ "${#java_missing[@]}" -gt 0 ]; then
  echo "peers: building the Java bindings of ${java_missing[*]#node_modules/} with jsii-pacmak" >&2
  npx jsii-pacmak "${java_missing[@]}" --target=java >&2
fi

if ! grep -qx 'module github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2' node_modules/cdk8s/dist/go/cdk8s/go.mod 2>/dev/null \
  || [ ! -s "node_modules/cdk8s/dist/go/cdk8s/jsii/cdk8s-$cdk8s.tgz" ]; then
  echo "peers: building the Go module of cdk8s $cdk8s with jsii-pacmak" >&2
  npx jsii-pacmak node_modules/cdk8s --target=go >&2
fi
