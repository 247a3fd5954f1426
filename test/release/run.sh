#!/usr/bin/env bash
# The release rehearsal: what the release workflow does, run here against registries on 127.0.0.1.
#
#   npm run test:release     (CI runs it after npm run test:bindings, whose packages it reuses)
#
# 1. The API check (api/check.sh) passes, and is shown able to fail: an API with a member removed
#    fails it, the same break recorded with its reason passes, a recorded key without a reason and a
#    baseline jsii-diff cannot load are refused.
# 2. The version step of the workflow (projen's bump, in a throwaway clone) gives 0.1.0 and release notes.
# 3. The packages in artifacts/ (built by test:bindings; built here only when missing or stale)
#    are published by publib, the tool and command each publish job of .github/workflows/release.yml
#    runs (read from that file), to:
#      npm    verdaccio, which proxies nothing: cdk8s, cdk8s-plus-28 and constructs are published
#             to it first, from the npm cache, at the versions in node_modules
#      PyPI   pypiserver, with the Python dependencies of test/bindings/python/requirements.txt
#      Maven  test/release/maven-repository.js (PUT and GET); what was not uploaded it serves from
#             the Maven local repository (plugins, jsii runtime, the cdk8s jars of test/bindings/peers.sh)
#      Go     a bare git repository standing for the -go repository publib pushes to; a module
#             proxy folder made from it (and from the cdk8s Go module of peers.sh), ahead of the
#             machine's module cache, also read as a proxy: nothing comes from the network
# 4. A fresh app per registry installs the package with the README's own install line (npm install,
#    pip install, the Maven dependency block, go get) and synthesizes the example platform stack;
#    its YAML must equal the TypeScript example's byte for byte.
# One line per check, then `release: N passed, N failed`. Everything is under .tmp/release; the
# servers are stopped at the end. Cold, it installs verdaccio and publib (test/release/tools),
# pypiserver (a venv) and twine (publib installs it, as in the workflow).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/test/release
work=$root/.tmp/release
cd "$root"
started=$(date +%s)
seconds() { echo $(( $(date +%s) - $1 )); }

# --- bookkeeping ----------------------------------------------------------------------------------
passed=0
failed=0
cleanup() {
  local pid i
  if [ -f "$work/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$work/pids"
    # They were started in subshells, so they are not this shell's children to wait for.
    while read -r pid; do
      for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    done < "$work/pids"
    rm -f "$work/pids"
  fi
  # Go makes its module cache read-only.
  if [ -d "$work/go" ]; then chmod -R u+w "$work/go" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# step LOG FUNCTION: runs FUNCTION in a subshell that stops at its first failing command, its
# output in LOG; its status in step_status. Never call it as the condition of an if, or with && or
# ||: bash then ignores set -e inside the subshell too.
step() {
  set +e
  ( set -e; "$2" ) > "$1" 2>&1
  step_status=$?
  set -e
}
# check NAME FUNCTION: one line, passed or FAILED.
check() {
  local name=$1 log=$work/$1.log start
  start=$(date +%s)
  step "$log" "$2"
  if [ "$step_status" -eq 0 ]; then
    printf 'release: %-14s passed: %s [%ss]\n' "$name" "$(tail -n 1 "$log" | sed -E 's/\x1b\[[0-9;]*m//g')" "$(seconds "$start")"
    passed=$((passed + 1))
  else
    tail -n 40 "$log" >&2
    printf 'release: %-14s FAILED (log: %s) [%ss]\n' "$name" "${log#"$root"/}" "$(seconds "$start")"
    failed=$((failed + 1))
  fi
}
background() {  # background LOG COMMAND...: a server, stopped at the end
  "${@:2}" > "$1" 2>&1 &
  echo $! >> "$work/pids"
}
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
wait_for() {  # wait_for URL WHAT LOG
  local i
  for i in $(seq 1 120); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "$2 did not answer on $1 within 60 s; its log:" >&2
  tail -n 30 "$3" >&2
  return 1
}
# The line of the README's Install section that starts with PREFIX: exactly one.
install_section() { awk '/^## Install$/ { inside = 1; next } inside && /^## / { exit } inside { print }' README.md; }
readme_line() {
  local lines
  lines=$(install_section | grep -E "^$1" || true)
  [ "$(grep -c . <<<"$lines")" -eq 1 ] || { echo "README.md must have exactly one line starting with '$1', found: $lines" >&2; return 1; }
  echo "$lines"
}

mkdir -p "$work"
version=$(node -p "require('./package.json').version")
# `npm run` exports its configuration (npm_config_userconfig among it) to the scripts it runs: the
# npm commands here, publib's among them, read their own.
while read -r name; do unset "$name"; done < <(compgen -e | grep -i '^npm_config_' || true)

# --- the tools ------------------------------------------------------------------------------------
tools=$work/tools
want=$(sha256sum "$here/tools/package.json" "$here/tools/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$tools/.installed" 2>/dev/null)" != "$want" ]; then
  start=$(date +%s)
  rm -rf "$tools" && mkdir -p "$tools"
  cp "$here/tools/package.json" "$here/tools/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --silent)
  echo "$want" > "$tools/.installed"
  echo "release: installed publib and verdaccio (test/release/tools) in $(seconds "$start")s"
fi
pypi_venv=$work/pypi/server-venv
want=$( { cat "$here/pypiserver.txt"; python3 --version; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$pypi_venv/.installed" 2>/dev/null)" != "$want" ]; then
  start=$(date +%s)
  rm -rf "$pypi_venv"
  python3 -m venv "$pypi_venv"
  "$pypi_venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/pypiserver.txt"
  echo "$want" > "$pypi_venv/.installed"
  echo "release: installed pypiserver in $(seconds "$start")s"
fi

# --- the packages: those test:bindings built, when current ------------------------------------------
bash test/bindings/peers.sh
bash test/bindings/packages.sh

# The TypeScript example: the reference every consumer app must equal.
expected=$work/typescript
bash test/bindings/reference.sh "$expected"
same_as_typescript() {  # same_as_typescript OUTDIR
  diff -r "$expected" "$1" > "$1.diff" || { head -n 40 "$1.diff"; echo "differs from the TypeScript example (diff: ${1#"$root"/}.diff)"; return 1; }
  echo "identical to the TypeScript example: $(cd "$1" && ls | tr '\n' ' ')($(cat "$1"/* | wc -c) bytes)"
}

# Runs the publish step of a workflow job: publib's command from release.yml with the step's own
# environment, secrets replaced by the local registry's credentials (associative array `secrets`),
# the dry-run input false, then the overrides given as NAME=VALUE (NAME= removes a variable).
declare -A secrets
publish() {  # publish JOB [NAME=VALUE...]
  local job=$1 kind name value bin= dir=
  shift
  local -a envs=()
  while IFS=$'\t' read -r kind name value; do
    case "$kind" in
      run) bin=$name dir=$value ;;
      env)
        case "$value" in
          secret:*) value=${secrets[${value#secret:}]:-} ;;
          input:dry_run) value=false ;;
        esac
        envs+=("$name=$value") ;;
    esac
  done < <(node "$here/workflow.js" "$job")
  [ -n "$bin" ] || return 1
  local override
  for override in "$@"; do
    envs=("${envs[@]/#${override%%=*}=*/}")
    [ -n "${override#*=}" ] && envs+=("$override")
  done
  local -a clean=()
  for value in "${envs[@]}"; do [ -n "$value" ] && clean+=("$value"); done
  echo "publish: $bin $dir with ${clean[*]%%=*}"
  # publib writes the npm token to ~/.npmrc and installs twine with pip --user: a HOME of its own.
  # python3 as found before HOME changes (a pyenv shim looks for its versions under HOME).
  local python_bin
  python_bin=$(dirname "$(python3 -c 'import sys; print(sys.executable)')")
  env "${clean[@]}" HOME="$work/home" PATH="$python_bin:$PATH" "$tools/node_modules/.bin/$bin" "$dir"
}
mkdir -p "$work/home"

# --- 1. the API check -----------------------------------------------------------------------------
api_current() { bash api/check.sh; }
broken=$work/api/broken
api_break_fails() {
  rm -rf "$work/api" && mkdir -p "$broken"
  cp package.json "$broken/"
  # The current API with one member removed: the first property of the first class that has one.
  removed=$(node -e '
    const fs = require("fs");
    const assembly = JSON.parse(fs.readFileSync(".jsii", "utf8"));
    const type = Object.values(assembly.types).find((t) => t.kind === "class" && (t.properties ?? []).length > 0);
    const prop = type.properties.shift();
    fs.writeFileSync(process.argv[1], JSON.stringify(assembly));
    console.log(`${type.fqn}.${prop.name}`);
  ' "$broken/.jsii")
  echo "removed $removed"
  if API_UPDATED=$broken bash api/check.sh > "$work/api/broken.out" 2>&1; then
    cat "$work/api/broken.out"; echo "the API check passed an API without $removed"; return 1
  fi
  cat "$work/api/broken.out"
  grep -q "\[removed:$removed\]" "$work/api/broken.out" || { echo "the API check failed without naming removed:$removed"; return 1; }
  echo "fails on the removal of $removed, with the key removed:$removed"
}
api_break_recorded() {
  key=$(grep -o '\[removed:[^]]*\]' "$work/api/broken.out" | head -n 1 | tr -d '[]')
  { cat api/allowed-breaking-changes.txt; printf '\n# Rehearsal: the property goes, its replacement is documented.\n%s\n' "$key"; } > "$work/api/allowed.txt"
  API_UPDATED=$broken API_ALLOWED=$work/api/allowed.txt bash api/check.sh
  { cat api/allowed-breaking-changes.txt; printf '\n%s\n' "$key"; } > "$work/api/no-reason.txt"
  if API_UPDATED=$broken API_ALLOWED=$work/api/no-reason.txt bash api/check.sh > "$work/api/no-reason.out" 2>&1; then
    echo "a recorded break without a reason was accepted"; return 1
  fi
  grep -q 'has no reason' "$work/api/no-reason.out" || { cat "$work/api/no-reason.out"; echo "no 'has no reason' message"; return 1; }
  mkdir -p "$work/api/unreadable" && echo '{"name":"cdk8s-raven-prometheus","jsii":{}}' > "$work/api/unreadable/package.json" && echo '{' > "$work/api/unreadable/.jsii"
  if API_BASELINE=$work/api/unreadable bash api/check.sh > "$work/api/unreadable.out" 2>&1; then
    echo "a baseline jsii-diff cannot read was accepted"; return 1
  fi
  echo "passes with $key recorded and its reason; refuses a key without a reason and an unreadable baseline"
}
check api api_current
check api-break api_break_fails
check api-recorded api_break_recorded

# --- 2. the version and the release notes ------------------------------------------------------------
bump() {
  local clone=$work/bump
  rm -rf "$clone"
  git clone --quiet --no-hardlinks "$root" "$clone"
  ln -s "$root/node_modules" "$clone/node_modules"
  (cd "$clone" && git tag --list | xargs -r git tag -d >/dev/null && npx projen bump)
  local bumped tag
  bumped=$(cat "$clone/artifacts/version.txt")
  tag=$(cat "$clone/artifacts/releasetag.txt")
  [ "$bumped" = 0.1.0 ] && [ "$tag" = v0.1.0 ] || { echo "the first release would be $bumped (tag $tag), expected 0.1.0"; return 1; }
  grep -q '^## 0.1.0 ' "$clone/artifacts/changelog.md" || { echo "no release notes for 0.1.0"; return 1; }
  echo "the first release is 0.1.0 (tag v0.1.0) with its release notes"
}
check version bump

# --- 3 and 4. publish, install, synthesize ----------------------------------------------------------

# npm: verdaccio, no uplink.
npm_registry() {
  local dir=$work/npm port token peer
  rm -rf "$dir" && mkdir -p "$dir/peers"
  port=$(free_port)
  cat > "$dir/config.yaml" <<YAML
storage: $dir/storage
auth:
  htpasswd:
    file: $dir/htpasswd
    max_users: 1
uplinks: {}
packages:
  '**':
    access: \$all
    publish: \$authenticated
web:
  enable: false
log: { type: stdout, format: pretty, level: warn }
YAML
  background "$dir/verdaccio.log" node "$tools/node_modules/verdaccio/bin/verdaccio" --config "$dir/config.yaml" --listen "127.0.0.1:$port"
  wait_for "http://127.0.0.1:$port/-/ping" verdaccio "$dir/verdaccio.log"
  token=$(curl -fsS -X PUT -H 'content-type: application/json' \
    -d '{"name":"rehearsal","password":"rehearsal-password"}' \
    "http://127.0.0.1:$port/-/user/org.couchdb.user:rehearsal" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')
  # The peers, as npm serves them: their published tarballs, from the npm cache when there.
  for peer in cdk8s cdk8s-plus-28 constructs; do
    (cd "$dir/peers" && npm pack --silent --prefer-offline "$peer@$(node -p "require('$root/node_modules/$peer/package.json').version")" >/dev/null)
  done
  printf '//127.0.0.1:%s/:_authToken=%s\n' "$port" "$token" > "$dir/publisher.npmrc"
  for peer in "$dir"/peers/*.tgz; do
    npm publish --silent --userconfig "$dir/publisher.npmrc" --registry "http://127.0.0.1:$port/" "$peer"
  done
  secrets[NPM_TOKEN]=$token
  publish release_npm NPM_REGISTRY="127.0.0.1:$port" DISABLE_HTTPS=1 NPM_CONFIG_PROVENANCE=
  echo "$port" > "$dir/port"
}
npm_consumer() {
  local app=$work/npm/app line npm_port
  npm_port=$(cat "$work/npm/port")
  line=$(readme_line 'npm install cdk8s-raven-prometheus')
  mkdir -p "$app"
  echo '{ "name": "edge-monitoring", "private": true, "version": "0.0.0" }' > "$app/package.json"
  # The example as a user writes it: src/example, importing the library by its package name.
  sed "s#from '../index'#from 'cdk8s-raven-prometheus'#" src/example/platform.ts > "$app/platform.ts"
  cp src/example/cloud-gateway.ts "$app/cloud-gateway.ts"
  cat > "$app/main.ts" <<'TS'
import { App } from 'cdk8s';
import { buildExamplePlatform } from './platform';

const app = new App({ outdir: process.argv[2] });
buildExamplePlatform(app);
app.synth();
TS
  (cd "$app" && env npm_config_registry="http://127.0.0.1:$npm_port/" npm_config_cache="$work/npm/consumer-cache" \
    npm_config_userconfig=/dev/null npm_config_audit=false npm_config_fund=false bash -c "$line")
  local got
  got=$(node -p "require('$app/node_modules/cdk8s-raven-prometheus/package.json').version")
  [ "$got" = "$version" ] || { echo "npm installed cdk8s-raven-prometheus $got, published $version"; return 1; }
  (cd "$app" && "$root/node_modules/.bin/tsc" --strict --module commonjs --target es2022 --moduleResolution node \
    --types node --typeRoots "$root/node_modules/@types" main.ts && node main.js "$app/out")
  same_as_typescript "$app/out"
}

# PyPI: pypiserver, with the pinned Python dependencies.
pypi_registry() {
  local dir=$work/pypi port
  rm -rf "$dir/packages" && mkdir -p "$dir/packages" "$dir/mirror"
  local want
  want=$(sha256sum test/bindings/python/requirements.txt | cut -d' ' -f1)
  if [ "$(cat "$dir/mirror/.requirements" 2>/dev/null)" != "$want" ]; then
    rm -rf "$dir/mirror" && mkdir -p "$dir/mirror"
    "$pypi_venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --require-hashes \
      -r test/bindings/python/requirements.txt -d "$dir/mirror"
    echo "$want" > "$dir/mirror/.requirements"
  fi
  cp "$dir"/mirror/*.whl "$dir/packages/" 2>/dev/null || true
  cp "$dir"/mirror/*.tar.gz "$dir/packages/" 2>/dev/null || true
  port=$(free_port)
  background "$dir/pypiserver.log" "$pypi_venv/bin/pypi-server" run -i 127.0.0.1 -p "$port" -a . -P . "$dir/packages"
  wait_for "http://127.0.0.1:$port/simple/" pypiserver "$dir/pypiserver.log"
  secrets[TWINE_USERNAME]=rehearsal
  secrets[TWINE_PASSWORD]=rehearsal-password
  publish release_pypi TWINE_REPOSITORY_URL="http://127.0.0.1:$port/" PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}"
  ls "$dir/packages" | grep -q "^cdk8s_raven_prometheus-$version-" || { echo "the wheel is not on the server"; return 1; }
  echo "$port" > "$dir/port"
}
pypi_consumer() {
  local app=$work/pypi/app line pypi_port
  pypi_port=$(cat "$work/pypi/port")
  line=$(readme_line 'pip install cdk8s-raven-prometheus')
  rm -rf "$app" && python3 -m venv "$app/venv"
  (source "$app/venv/bin/activate" && cd "$app" && env PIP_INDEX_URL="http://127.0.0.1:$pypi_port/simple/" PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CONFIG_FILE=/dev/null bash -c "$line" && pip check)
  "$app/venv/bin/python" -c "import importlib.metadata as m; v = m.version('cdk8s-raven-prometheus'); assert v == '$version', v"
  "$app/venv/bin/python" test/bindings/python/app.py "$app/out"
  same_as_typescript "$app/out"
}

# Maven: a repository that takes PUTs; the rest from the Maven local repository.
m2=$HOME/.m2/repository
case "${MAVEN_OPTS:-}" in *maven.repo.local=*) m2=$(sed -E 's/.*-Dmaven\.repo\.local=([^ ]+).*/\1/' <<<"$MAVEN_OPTS") ;; esac
group_path=/io/github/cdk8s-raven-prometheus/
maven_registry() {
  local dir=$work/maven
  rm -rf "$dir" && mkdir -p "$dir/uploads"
  # The cdk8s jars test/bindings/peers.sh builds (Maven Central has them, the mirror here does not).
  cp -r node_modules/cdk8s/dist/java/. node_modules/cdk8s-plus-28/dist/java/. "$dir/uploads/"
  background "$dir/requests.log" node "$here/maven-repository.js" "$dir/uploads" "$m2" "$group_path" "$dir/port"
  local i
  for i in $(seq 1 40); do [ -s "$dir/port" ] && break; sleep 0.25; done
  local maven_port
  maven_port=$(cat "$dir/port")
  secrets[MAVEN_USERNAME]=rehearsal
  secrets[MAVEN_PASSWORD]=rehearsal-password
  # publib's deploy to a repository other than Maven Central: deploy:deploy-file, without the
  # signing and staging of Central (MAVEN_SERVER_ID central-ossrh), which need Sonatype.
  publish release_maven MAVEN_SERVER_ID=rehearsal MAVEN_REPOSITORY_URL="http://127.0.0.1:$maven_port/" \
    MAVEN_GPG_PRIVATE_KEY= MAVEN_GPG_PRIVATE_KEY_PASSPHRASE= MAVEN_STAGING_PROFILE_ID= \
    MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$m2"
  [ -s "$dir/uploads${group_path}cdk8s-raven-prometheus/$version/cdk8s-raven-prometheus-$version.jar" ] || { echo "no jar uploaded"; return 1; }
}
maven_consumer() {
  local app=$work/maven/app block maven_port
  maven_port=$(cat "$work/maven/port")
  rm -rf "$app" && mkdir -p "$app"
  cp -r test/bindings/java/src "$app/src"
  # The README's dependency block (our version replaced by the one published here) in the
  # bindings' Java app.
  # (awk reads to the end: with pipefail, a reader that stops early fails the pipe.)
  block=$(install_section | awk '!done && /^```xml$/ { inside = 1; next } inside && /^```$/ { inside = 0; done = 1 } inside { print }')
  grep -q '<artifactId>cdk8s-raven-prometheus</artifactId>' <<<"$block" || { echo "README.md has no xml block with the cdk8s-raven-prometheus dependency"; return 1; }
  BLOCK=$block VERSION=$version node -e '
    const fs = require("fs");
    const pom = fs.readFileSync("test/bindings/java/pom.xml", "utf8");
    const block = process.env.BLOCK.replace(/(<artifactId>cdk8s-raven-prometheus<\/artifactId>\s*<version>)[^<]*(<\/version>)/, `$1${process.env.VERSION}$2`);
    const out = pom.replace(/  <dependencies>[\s\S]*?  <\/dependencies>\n\n  <!--/, `  <dependencies>\n${block}\n  </dependencies>\n\n  <!--`);
    if (out === pom) throw new Error("test/bindings/java/pom.xml: no <dependencies> block to replace");
    fs.writeFileSync(process.argv[1], out);
  ' "$app/pom.xml"
  cat > "$app/settings.xml" <<XML
<settings>
  <mirrors>
    <mirror><id>rehearsal</id><mirrorOf>*</mirrorOf><url>http://127.0.0.1:$maven_port/</url></mirror>
  </mirrors>
</settings>
XML
  (cd "$app" && MAVEN_OPTS= mvn -B -q -Dstyle.color=never -s settings.xml -Dmaven.repo.local="$app/m2" compile exec:java -Dexec.args="$app/out")
  grep -q "GET ${group_path}cdk8s-raven-prometheus/$version/cdk8s-raven-prometheus-$version.jar 200" "$work/maven/requests.log" \
    || { echo "the app did not download the jar from the rehearsal repository"; return 1; }
  same_as_typescript "$app/out"
}

# Go: publib pushes to a bare repository; a module proxy folder is made from it.
go_module=github.com/cdk8s-raven-prometheus/cdk8s-raven-prometheus-go/cdk8sravenprometheus
go_registry() {
  local dir=$work/go cdk8s
  [ -d "$dir" ] && chmod -R u+w "$dir" 2>/dev/null || true
  rm -rf "$dir" && mkdir -p "$dir"
  git init --quiet --bare "$dir/cdk8s-raven-prometheus-go.git"
  # The cdk8s Go module peers.sh builds, as a repository at its tag (the proxy here lacks it).
  cdk8s=$(node -p "require('./node_modules/cdk8s/package.json').version")
  mkdir -p "$dir/cdk8s-core-go/cdk8s"
  cp -r node_modules/cdk8s/dist/go/cdk8s/. "$dir/cdk8s-core-go/cdk8s/"
  git -C "$dir/cdk8s-core-go" init --quiet
  git -C "$dir/cdk8s-core-go" add -A
  git -C "$dir/cdk8s-core-go" -c user.name=rehearsal -c user.email=rehearsal@localhost commit --quiet -m "cdk8s v$cdk8s"
  git -C "$dir/cdk8s-core-go" tag "cdk8s/v$cdk8s"
  # GitHub as publib and go reach it, here: the bare repositories.
  cat > "$dir/gitconfig" <<GIT
[url "$dir/cdk8s-raven-prometheus-go.git"]
	insteadOf = https://rehearsal-token@github.com/cdk8s-raven-prometheus/cdk8s-raven-prometheus-go.git
	insteadOf = https://github.com/cdk8s-raven-prometheus/cdk8s-raven-prometheus-go
[url "$dir/cdk8s-core-go"]
	insteadOf = https://github.com/cdk8s-team/cdk8s-core-go
[protocol "file"]
	allow = always
GIT
  secrets[GO_GITHUB_TOKEN]=rehearsal-token
  publish release_golang GIT_CONFIG_GLOBAL="$dir/gitconfig" GIT_CONFIG_NOSYSTEM=1
  git -C "$dir/cdk8s-raven-prometheus-go.git" tag --list | grep -qx "cdk8sravenprometheus/v$version" \
    || { echo "publib pushed no tag cdk8sravenprometheus/v$version"; return 1; }
  # The module proxy: what go downloads from the pushed repository, in the proxy's layout.
  (cd "$dir" && env GIT_CONFIG_GLOBAL="$dir/gitconfig" GIT_CONFIG_NOSYSTEM=1 GOMODCACHE="$dir/fetch" GOPROXY=direct \
    GOSUMDB=off GOFLAGS=-mod=mod GOTOOLCHAIN=local \
    go mod download -json "$go_module@v$version" "github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2@v$cdk8s" > "$dir/download.json")
  chmod -R u+w "$dir/fetch"
  mv "$dir/fetch/cache/download" "$dir/proxy"
  echo "module proxy: $(cd "$dir/proxy" && find . -name '*.zip' | sed 's#^\./##' | tr '\n' ' ')"
}
go_consumer() {
  local app=$work/go/app line
  line=$(readme_line "go get $go_module")
  mkdir -p "$app"
  cp test/bindings/go/main.go "$app/"
  # Only the proxy folder, then the machine's module cache read as a proxy: no network.
  (cd "$app" && env GOPROXY="file://$work/go/proxy,file://$(go env GOMODCACHE)/cache/download" GOSUMDB=off \
    GOMODCACHE="$work/go/consumer-modcache" GOTOOLCHAIN=local \
    bash -c "go mod init example.com/edge-monitoring && $line && go build -buildvcs=false -o edge-monitoring . && ./edge-monitoring '$app/out'")
  grep -q "^	$go_module v$version\$" "$app/go.mod" || grep -q "$go_module v$version" "$app/go.mod" \
    || { cat "$app/go.mod"; echo "go.mod does not require $go_module v$version"; return 1; }
  same_as_typescript "$app/out"
}

for registry in npm pypi maven go; do
  start=$(date +%s)
  step "$work/$registry-publish.log" "${registry}_registry"
  if [ "$step_status" -eq 0 ]; then
    echo "release: published to the local $registry registry in $(seconds "$start")s"
    check "$registry" "${registry}_consumer"
  else
    tail -n 40 "$work/$registry-publish.log" >&2
    printf 'release: %-14s FAILED: publishing failed (log: %s) [%ss]\n' "$registry" "${work#"$root"/}/$registry-publish.log" "$(seconds "$start")"
    failed=$((failed + 1))
  fi
done

echo "release: rehearsal took $(seconds "$started")s"
echo "release: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
