#!/usr/bin/env bash
# The API check: the compiled library (.jsii, from `npx projen compile`) against the baseline
# assembly, api/baseline/<version>/ (its .jsii and package.json), with jsii-diff. A change that breaks a user of the baseline
# (a removed type or member, a prop made required, a narrowed type...) fails, unless its key is
# recorded in api/allowed-breaking-changes.txt with the reason on the comment line above it.
#
#   npm run compat                     the check (CI runs it in npm run test:release)
#   npm run api:baseline [-- VERSION]  replace the baseline by the current API (docs/releasing.md)
#
# The paths can be changed for the release rehearsal's own checks of this script:
# API_BASELINE and API_UPDATED (folders with package.json and .jsii), API_ALLOWED.
# jsii-diff skips the analysis and exits 0 when it cannot load an assembly (a missing file, an
# npm: download that fails): that is a failure here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

updated=${API_UPDATED:-.}
allowed=${API_ALLOWED:-api/allowed-breaking-changes.txt}
if [ -n "${API_BASELINE:-}" ]; then
  baseline=$API_BASELINE
else
  shopt -s nullglob
  baselines=(api/baseline/*/)
  shopt -u nullglob
  if [ "${#baselines[@]}" -ne 1 ]; then
    echo "api: expected exactly one baseline api/baseline/<version>/, found ${#baselines[@]}${baselines[*]:+: ${baselines[*]}}; make one with 'npm run api:baseline'" >&2
    exit 2
  fi
  baseline=${baselines[0]%/}
fi
[ -s "$baseline/.jsii" ] && [ -s "$baseline/package.json" ] || { echo "api: the baseline $baseline has no .jsii or package.json" >&2; exit 2; }
[ -s "$updated/.jsii" ] || { echo "api: no compiled assembly $updated/.jsii: run 'npx projen compile' first" >&2; exit 2; }
[ -f "$allowed" ] || { echo "api: $allowed is missing (it may list no change, but it must exist)" >&2; exit 2; }

# Every recorded break has its reason: a comment line right above its key.
recorded=$(awk -v file="$allowed" '
  /^[[:space:]]*$/ { reason = 0; next }
  /^[[:space:]]*#/ { text = $0; sub(/^[[:space:]]*#[[:space:]]*/, "", text); reason = (text != ""); next }
  {
    if ($0 !~ /^[a-z-]+:[A-Za-z0-9_.$-]+$/) { printf "api: %s line %d: \"%s\" is not a jsii-diff key (such as removed:cdk8s-raven-prometheus.KubeletScrapeProps.port)\n", file, NR, $0 > "/dev/stderr"; bad = 1 }
    else if (!reason) { printf "api: %s line %d: %s has no reason: write it on a comment line (# ...) right above the key\n", file, NR, $0 > "/dev/stderr"; bad = 1 }
    n++
  }
  END { if (bad) exit 1; print n + 0 }
' "$allowed")

out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
"$root/node_modules/.bin/jsii-diff" --keys --error-on prod --ignore-file "$allowed" "$baseline" "$updated" > "$out" 2>&1
code=$?
set -e
cat "$out"
if grep -q 'Skipping analysis' "$out"; then
  echo "api: jsii-diff could not load an assembly and compared nothing: failing instead" >&2
  exit 1
fi
if [ "$code" -ne 0 ]; then
  echo "api: breaking changes against $baseline (keys above). If they are intended, record each key in $allowed with its reason on the comment line above it; see docs/releasing.md" >&2
  exit 1
fi
echo "api: compatible with the baseline $baseline ($recorded recorded breaking changes allowed)"
