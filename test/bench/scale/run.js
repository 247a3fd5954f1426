#!/usr/bin/env node
/*
 * `npm run bench:scale`: many edge nodes through one Raven proxy, scraped by a Prometheus of two
 * shards, and CoreDNS with a tunnel-nodes file of 5,000 lines (test/bench/scale/bench.ts;
 * docs/scale.md). It needs root (network namespaces), Go (the toolchain builds the programs) and
 * iproute2. Where one is missing it prints one line naming it and exits 0: the bench is not a test.
 */
const { spawnSync } = require('child_process');
const path = require('path');

function missing() {
  const out = [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) out.push('root (network namespaces)');
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) out.push('Go 1.26 on the PATH (the toolchain builds the programs)');
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (ip.error || ip.status !== 0) out.push('the ip command (apt-get install -y iproute2)');
  return out;
}

const lacking = missing();
if (lacking.length > 0) {
  console.log(`scale bench skipped: it needs ${lacking.join(', ')}.`);
  process.exit(0);
}

const root = path.resolve(__dirname, '..', '..', '..');
// Building what is missing first, so that its output does not mix with the bench's.
const build = spawnSync(process.execPath, [path.join(root, 'upstream', 'toolchain.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  console.log('scale bench failed: the upstream toolchain did not build (node upstream/toolchain.js build).');
  process.exit(1);
}
// The bench handles SIGINT and SIGTERM itself (it stops its lab): forward them, then wait for it.
const child = require('child_process').spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'bench.ts'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code === null ? (signal ? 130 : 1) : code));
