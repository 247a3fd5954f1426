#!/usr/bin/env bash
# Synthesizes the TypeScript example platform stack (src/example/platform.ts, compiled to lib/) into
# OUTDIR: the reference every other language's app, and every app installed from the registries,
# must equal byte for byte.
#
#   bash test/bindings/reference.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash test/bindings/reference.sh OUTDIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
rm -rf "$out"
cd "$root"
node -e '
  const { App } = require("cdk8s");
  const { buildExamplePlatform } = require("./lib/src/example/platform");
  const app = new App({ outdir: process.argv[1] });
  buildExamplePlatform(app);
  app.synth();
' "$out"
