#!/usr/bin/env node
/*
 * The upstream toolchain: real upstream programs built from their pinned Go modules, and upstream
 * files (CRDs) taken from pinned Go module zips, all into a cache outside the repository.
 *
 *   node upstream/toolchain.js build [NAME...]   builds what is missing, prints `NAME VERSION PATH` per program
 *                                                (without names: all, listing the upstream programs, not the test helpers)
 *   node upstream/toolchain.js files [NAME...]   fetches the pinned upstream files, prints `NAME PATH` per file
 *
 * The cache is $RAVEN_UPSTREAM_CACHE, by default ~/.cache/cdk8s-raven-prometheus/upstream. A
 * program is rebuilt only when what it is built from changes (its wrapper module, the Go version,
 * its flags); every binary is run with its version flag before its line is printed.
 */
'use strict';

const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const HERE = __dirname;
const PROGRAMS = JSON.parse(fs.readFileSync(path.join(HERE, 'programs.json'), 'utf8')).programs;
const FILES = JSON.parse(fs.readFileSync(path.join(HERE, 'files', 'files.json'), 'utf8')).files;

/** Where binaries and files are kept between runs. */
function cacheDir() {
  const configured = process.env.RAVEN_UPSTREAM_CACHE;
  if (configured) {
    return path.resolve(configured);
  }
  return path.join(os.homedir(), '.cache', 'cdk8s-raven-prometheus', 'upstream');
}

function fail(message) {
  const error = new Error(message);
  error.toolchain = true;
  throw error;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) {
    if (result.error.code === 'ENOENT') {
      fail(`${command} not found: the upstream toolchain needs Go 1.26 (https://go.dev/dl/) on the PATH.`);
    }
    throw result.error;
  }
  return result;
}

let goVersionCache;
/** `go1.26.8 linux/amd64`: part of every build key. */
function goVersion() {
  if (goVersionCache === undefined) {
    const result = run('go', ['env', 'GOVERSION', 'GOOS', 'GOARCH'], { env: goEnv() });
    if (result.status !== 0) {
      fail(`go env failed: ${result.stderr}`);
    }
    goVersionCache = result.stdout.trim().split('\n').join(' ');
    const match = /^go1\.(\d+)/.exec(goVersionCache);
    if (!match || Number(match[1]) < 26) {
      fail(`the upstream toolchain needs Go 1.26 or later, found ${goVersionCache}`);
    }
  }
  return goVersionCache;
}

/** The environment of every go command: no cgo, the module proxy, the local toolchain only. */
function goEnv(extra = {}) {
  return {
    ...process.env,
    CGO_ENABLED: '0',
    GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local',
    // No VCS stamp: the binaries depend on the pinned modules only, not on this repository's state.
    GOFLAGS: '-mod=readonly -buildvcs=false',
    ...extra,
  };
}

/** The files a wrapper module consists of: go.mod, go.sum and its Go sources, sorted. */
function wrapperFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'testdata') {
          walk(file);
        }
      } else if (entry.name === 'go.mod' || entry.name === 'go.sum' || entry.name.endsWith('.go')) {
        out.push(file);
      }
    }
  };
  walk(dir);
  return out;
}

/** Checks that the wrapper's go.mod requires exactly the pinned module version. */
function checkPin(program) {
  const goMod = fs.readFileSync(path.join(HERE, program.dir, 'go.mod'), 'utf8');
  const escaped = program.module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const required = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(\\S+)`, 'm').exec(goMod);
  if (!required) {
    fail(`upstream/${program.dir}/go.mod does not require ${program.module}; run \`go get ${program.module}@${program.moduleVersion}\` there`);
  }
  if (required[1] !== program.moduleVersion) {
    fail(`upstream/${program.dir}/go.mod requires ${program.module} ${required[1]}, but programs.json pins ${program.moduleVersion}; `
      + `run \`go get ${program.module}@${program.moduleVersion} && go mod tidy\` in upstream/${program.dir}`);
  }
}

function buildKey(program) {
  const hash = crypto.createHash('sha256');
  hash.update(goVersion());
  hash.update(JSON.stringify(program));
  const dir = path.join(HERE, program.dir);
  for (const file of wrapperFiles(dir)) {
    hash.update(path.relative(dir, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function binaryPath(program) {
  return path.join(cacheDir(), 'bin', program.name, `${program.version}-${buildKey(program)}`, program.name);
}

/** Runs the binary's version flag; fails unless it prints the pinned version. */
function checkRuns(program, file) {
  const result = run(file, program.versionArgs, { timeout: 30_000 });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || !output.includes(program.versionOutput)) {
    fail(`${file} ${program.versionArgs.join(' ')} did not print "${program.versionOutput}" (exit ${result.status}):\n${output}`);
  }
}

function build(program, log) {
  checkPin(program);
  const file = binaryPath(program);
  if (!fs.existsSync(file)) {
    const started = Date.now();
    log(`building ${program.name} ${program.version} from ${program.module}@${program.moduleVersion} ...`);
    const tmp = `${file}.tmp-${process.pid}`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const args = ['build', '-trimpath', '-o', tmp];
    if (program.stubFiles?.length) {
      args.push(`-modfile=${stubbedModule(program)}`);
    }
    if (program.tags?.length) {
      args.push('-tags', program.tags.join(','));
    }
    args.push(`-ldflags=${['-s', '-w', ...(program.ldflags ?? [])].join(' ')}`, program.package);
    const result = run('go', args, { cwd: path.join(HERE, program.dir), env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) {
      fs.rmSync(tmp, { force: true });
      fail(`go ${args.join(' ')} failed in upstream/${program.dir}:\n${result.stdout}${result.stderr}`);
    }
    fs.renameSync(tmp, file);
    log(`built ${program.name} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  checkRuns(program, file);
  return file;
}

/**
 * For a module whose package embeds files its module zip does not hold (Alertmanager's `ui` embeds
 * the web UI's build output, `ui/app/dist`, made by npm in its release process): a copy of the
 * pinned module in the cache with those files present as empty stubs, and a go.mod beside the
 * wrapper's (returned, for `-modfile`) that replaces the module by the copy. The copy is taken from
 * the module zip the wrapper's go.sum verifies; only the stub files are added. The programs built so
 * serve no web UI; their APIs are the upstream code.
 */
function stubbedModule(program) {
  const dir = path.join(HERE, program.dir);
  const result = run('go', ['mod', 'download', '-json', `${program.module}@${program.moduleVersion}`], { cwd: dir, env: goEnv() });
  let info;
  try {
    info = JSON.parse(result.stdout);
  } catch {
    fail(`go mod download ${program.module}@${program.moduleVersion} failed: ${result.stdout}${result.stderr}`);
  }
  const copy = path.join(cacheDir(), 'src', `${program.module}@${program.moduleVersion}-stubbed`);
  if (!fs.existsSync(copy)) {
    const tmp = `${copy}.tmp-${process.pid}`;
    fs.cpSync(info.Dir, tmp, { recursive: true });
    // The module cache is read-only; the copy's folders must take the stubs.
    run('chmod', ['-R', 'u+w', tmp]);
    for (const file of program.stubFiles) {
      const target = path.join(tmp, file);
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      fs.writeFileSync(target, '');
    }
    fs.renameSync(tmp, copy);
  }
  const modDir = path.join(cacheDir(), 'src', `${program.name}-modfile-${process.pid}`);
  fs.mkdirSync(modDir, { recursive: true });
  const goMod = path.join(modDir, 'go.mod');
  fs.writeFileSync(goMod, `${fs.readFileSync(path.join(dir, 'go.mod'), 'utf8')}\nreplace ${program.module} => ${copy}\n`);
  fs.copyFileSync(path.join(dir, 'go.sum'), path.join(modDir, 'go.sum'));
  return goMod;
}

/** Builds the named programs (all by default); returns `{ name, version, path }` for each. */
function buildPrograms(names = [], log = () => undefined) {
  const unknown = names.filter((n) => !PROGRAMS.some((p) => p.name === n));
  if (unknown.length > 0) {
    fail(`unknown program ${unknown.join(', ')}; the toolchain has ${PROGRAMS.map((p) => p.name).join(', ')}`);
  }
  const wanted = names.length === 0 ? PROGRAMS : PROGRAMS.filter((p) => names.includes(p.name));
  return wanted.map((program) => ({ name: program.name, version: program.version, path: build(program, log) }));
}

/** The path of one program's binary, built if missing. */
function program(name, log) {
  return buildPrograms([name], log)[0].path;
}

/**
 * Fetches one pinned module zip through the Go module proxy and checks it against the hash our
 * go.sum records for it (`upstream/files/go.sum`); returns the folder the go command unpacked.
 */
function moduleDir(module, version) {
  const sums = fs.readFileSync(path.join(HERE, 'files', 'go.sum'), 'utf8');
  const line = sums.split('\n').find((l) => l.startsWith(`${module} ${version} h1:`));
  if (!line) {
    fail(`upstream/files/go.sum has no hash for ${module} ${version}`);
  }
  const expected = line.split(' ')[2];
  // Outside any module; the go.sum line above is the pin (some tags are unknown to the checksum
  // database, so the comparison below, not the database, is what verifies the download).
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-upstream-'));
  try {
    const result = run('go', ['mod', 'download', '-json', `${module}@${version}`], {
      cwd: scratch,
      env: goEnv({ GOFLAGS: '-mod=mod', GONOSUMDB: module, GO111MODULE: 'on' }),
    });
    let info;
    try {
      info = JSON.parse(result.stdout);
    } catch {
      fail(`go mod download ${module}@${version} failed: ${result.stdout}${result.stderr}`);
    }
    if (info.Error) {
      fail(`go mod download ${module}@${version} failed: ${info.Error}`);
    }
    if (info.Sum !== expected) {
      fail(`${module}@${version} has hash ${info.Sum}, but upstream/files/go.sum pins ${expected}: refusing it`);
    }
    return info.Dir;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The pinned upstream files (files.json), copied from their module zips into the cache; returns
 * `{ name, path }` for each.
 */
function fetchFiles(names = []) {
  const unknown = names.filter((n) => !FILES.some((f) => f.name === n));
  if (unknown.length > 0) {
    fail(`unknown file ${unknown.join(', ')}; the toolchain has ${FILES.map((f) => f.name).join(', ')}`);
  }
  const wanted = names.length === 0 ? FILES : FILES.filter((f) => names.includes(f.name));
  return wanted.map((entry) => {
    const target = path.join(cacheDir(), 'files', `${entry.module}@${entry.version}`, entry.path);
    if (!fs.existsSync(target)) {
      const source = path.join(moduleDir(entry.module, entry.version), entry.path);
      if (!fs.existsSync(source)) {
        fail(`${entry.module}@${entry.version} has no ${entry.path}`);
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const tmp = `${target}.tmp-${process.pid}`;
      fs.copyFileSync(source, tmp);
      fs.chmodSync(tmp, 0o444);
      fs.renameSync(tmp, target);
    }
    return { name: entry.name, path: target };
  });
}

module.exports = { PROGRAMS, FILES, cacheDir, buildPrograms, program, fetchFiles };

if (require.main === module) {
  const [command, ...names] = process.argv.slice(2);
  const log = (line) => process.stderr.write(`${line}\n`);
  try {
    if (command === 'build') {
      // Without names: everything is built, and the upstream programs are listed (not the test helpers).
      const listed = new Set(PROGRAMS.filter((p) => names.length > 0 || !p.testHelper).map((p) => p.name));
      for (const p of buildPrograms(names, log)) {
        if (listed.has(p.name)) {
          process.stdout.write(`${p.name} ${p.version} ${p.path}\n`);
        }
      }
    } else if (command === 'files') {
      for (const f of fetchFiles(names)) {
        process.stdout.write(`${f.name} ${f.path}\n`);
      }
    } else {
      process.stderr.write('usage: node upstream/toolchain.js build [NAME...] | files [NAME...]\n');
      process.exit(2);
    }
  } catch (e) {
    process.stderr.write(`${e.toolchain ? e.message : e.stack}\n`);
    process.exit(1);
  }
}
