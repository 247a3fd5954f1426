#!/usr/bin/env bash
# The Python, Java and Go packages, used the way their users use them: an app in each language
# (test/bindings/<lang>/) synthesizes the example platform stack of src/example/platform.ts from
# the package that `npx projen package-all` wrote to artifacts/, and its YAML must equal the
# TypeScript example's byte for byte. One line per language, then `bindings: N passed, N failed`.
#
#   npx projen test:bindings            compile, then this script
#   bash test/bindings/run.sh [LANG...]  python, java, go (default: all three); needs lib/ (compile)
#
# Packages are rebuilt (package-all) only when lib/, .jsii or package.json changed since the last
# build. Everything this script makes goes under .tmp/bindings; the example's own output in dist/
# is neither read nor written. Downloads go to the usual caches (pip's, the Maven local repository,
# the Go module cache), so set PIP_CACHE_DIR, MAVEN_OPTS=-Dmaven.repo.local=..., GOMODCACHE and
# GOCACHE to measure a cold run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/test/bindings
work=$root/.tmp/bindings
cd "$root"

langs=("$@")
[ "${#langs[@]}" -gt 0 ] || langs=(python java go)
for lang in "${langs[@]}"; do
  case "$lang" in python | java | go) ;; *) echo "unknown language '$lang': python, java or go" >&2; exit 2 ;; esac
done
needs() { [[ " ${langs[*]} " == *" $1 "* ]]; }
seconds() { echo $(( $(date +%s) - $1 )); }

[ -s .jsii ] && [ -f lib/src/index.js ] || { echo "no compiled library: run 'npx projen compile' first" >&2; exit 1; }
mkdir -p "$work"

# One Maven local repository for jsii-pacmak's builds and the Java app (jsii-pacmak alone would use a
# throwaway one per build and download everything again, several minutes through version ranges).
case "${MAVEN_OPTS:-}" in
  *maven.repo.local=*) ;;
  *) export MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$HOME/.m2/repository" ;;
esac
m2=$(sed -E 's/.*-Dmaven\.repo\.local=([^ ]+).*/\1/' <<<"$MAVEN_OPTS")

# --- the packages -------------------------------------------------------------------------------
if needs java || needs go; then bash "$here/peers.sh"; fi

bash "$here/packages.sh"
wheel=artifacts/python/cdk8s_raven_prometheus-0.0.0-py3-none-any.whl
jar_base=artifacts/java/io/github/cdk8s-raven-prometheus/cdk8s-raven-prometheus/0.0.0/cdk8s-raven-prometheus-0.0.0

# --- the TypeScript example, the reference --------------------------------------------------------
expected=$work/typescript
bash test/bindings/reference.sh "$expected"

# --- the apps -------------------------------------------------------------------------------------
run_python() {
  local venv=$work/python/venv
  local want
  want=$( { sha256sum "$here/python/requirements.txt"; python3 --version; } | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$here/python/requirements.txt"
    echo "$want" > "$venv/.requirements.sha256"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel"
  # The pinned set must satisfy what the wheel declares (cdk8s, constructs, jsii ranges).
  "$venv/bin/pip" check --disable-pip-version-check
  "$venv/bin/python" "$here/python/app.py" "$1"
}

install_jar() {  # install_jar PATH_WITHOUT_EXTENSION GROUP ARTIFACT VERSION: into the local repository, if it differs
  local dest
  dest="$m2/${2//.//}/$3/$4/$3-$4"
  # Skipped only when the same files are there as a local install: Maven does not use an artifact
  # it cached from a repository the build does not declare (such as jsii-pacmak's local ones).
  if cmp -s "$1.jar" "$dest.jar" && cmp -s "$1.pom" "$dest.pom" \
    && grep -qx "$3-$4.jar>=" "$(dirname "$dest")/_remote.repositories" 2>/dev/null; then return; fi
  mvn -B -q org.apache.maven.plugins:maven-install-plugin:3.1.2:install-file -Dfile="$1.jar" -DpomFile="$1.pom"
}

run_java() {
  local cdk8s plus
  cdk8s=$(node -p "require('./node_modules/cdk8s/package.json').version")
  plus=$(node -p "require('./node_modules/cdk8s-plus-28/package.json').version")
  install_jar "node_modules/cdk8s/dist/java/org/cdk8s/cdk8s/$cdk8s/cdk8s-$cdk8s" org.cdk8s cdk8s "$cdk8s"
  install_jar "node_modules/cdk8s-plus-28/dist/java/org/cdk8s/cdk8s-plus-28/$plus/cdk8s-plus-28-$plus" org.cdk8s cdk8s-plus-28 "$plus"
  install_jar "$jar_base" io.github.cdk8s-raven-prometheus cdk8s-raven-prometheus 0.0.0
  mvn -B -q -f "$here/java/pom.xml" compile exec:java -Dexec.args="$1"
}

run_go() {
  (cd "$here/go" && go build -buildvcs=false -o "$work/go/edge-monitoring" .)
  "$work/go/edge-monitoring" "$1"
}

passed=0
failed=0
for lang in "${langs[@]}"; do
  out=$work/$lang/out
  log=$work/$lang/run.log
  rm -rf "$out" && mkdir -p "$work/$lang"
  start=$(date +%s)
  if ! "run_$lang" "$out" > "$log" 2>&1; then
    tail -n 40 "$log" >&2
    printf 'bindings: %-6s FAILED: the app did not synthesize (log: %s) [%ss]\n' "$lang" "${log#"$root"/}" "$(seconds "$start")"
    failed=$((failed + 1))
    continue
  fi
  if diff -r "$expected" "$out" > "$work/$lang/diff.txt"; then
    files=$(cd "$out" && ls | tr '\n' ' ')
    printf 'bindings: %-6s identical to the TypeScript example: %s(%s bytes) [%ss]\n' "$lang" "$files" "$(cat "$out"/* | wc -c)" "$(seconds "$start")"
    passed=$((passed + 1))
  else
    head -n 40 "$work/$lang/diff.txt" >&2
    printf 'bindings: %-6s FAILED: differs from the TypeScript example (diff: %s) [%ss]\n' "$lang" "${work#"$root"/}/$lang/diff.txt" "$(seconds "$start")"
    failed=$((failed + 1))
  fi
done
echo "bindings: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
