#!/usr/bin/env bash
# Replaces the baseline of the API check by the current API: compiles, stores .jsii and the
# package.json fields jsii-diff reads as api/baseline/<VERSION>/ (removing the previous baseline) and empties the list of recorded
# breaking changes, which were relative to the previous baseline.
#
#   npm run api:baseline             keeps the current baseline's version (before the first
#                                    release: the API that 0.1.0 will have)
#   npm run api:baseline -- 0.3.0    after releasing 0.3.0, on the released commit
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shopt -s nullglob
current=(api/baseline/*/)
shopt -u nullglob
version=${1:-}
if [ -z "$version" ]; then
  [ "${#current[@]}" -eq 1 ] || { echo "api:baseline: give the version the baseline describes: npm run api:baseline -- 0.1.0" >&2; exit 2; }
  version=$(basename "${current[0]}")
fi
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "api:baseline: '$version' is not a version such as 0.1.0" >&2; exit 2; }
npx projen compile >/dev/null
rm -rf "${current[@]}"
mkdir -p "api/baseline/$version"
# The assembly as jsii wrote it, apart from its version (the one this API is or will be released
# as) and the README it embeds, which jsii-diff does not read.
# The dependencies are found from there in node_modules, as jsii-diff finds those of a package.
node -e '
  const fs = require("fs");
  const [dir, version] = process.argv.slice(1);
  const assembly = JSON.parse(fs.readFileSync(".jsii", "utf8"));
  assembly.version = version;
  delete assembly.readme;
  fs.writeFileSync(`${dir}/.jsii`, JSON.stringify(assembly, null, 2) + "\n");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const { name, jsii, dependencies, peerDependencies } = pkg;
  fs.writeFileSync(`${dir}/package.json`, JSON.stringify({ name, version, jsii, dependencies, peerDependencies }, null, 2) + "\n");
' "api/baseline/$version" "$version"
# Drop the reasons of the keys just removed: only the file's header (up to its first blank line) stays.
awk 'header && /^[[:space:]]*$/ { exit } { print; header = 1 }' api/allowed-breaking-changes.txt > api/allowed-breaking-changes.txt.new
mv api/allowed-breaking-changes.txt.new api/allowed-breaking-changes.txt
echo "api:baseline: api/baseline/$version/ written from the current code; api/allowed-breaking-changes.txt emptied"
