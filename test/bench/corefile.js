'use strict';
/**
 * Corefile engine throughput: parse + edit (add the tunnel-nodes hosts directive) + print, against
 * a baseline that only reads the same text (split into lines, each line split on whitespace).
 * Usage: node corefile.js <file> <label> [<repetitions>]; <file> may be `generated:<server blocks>`.
 */
const fs = require('fs');
const path = require('path');
const { LIB, ms, report } = require('./common');
const { Corefile } = require(path.join(LIB, 'src', 'index.js'));

/** A Corefile of `blocks` server blocks: every other one serves the root zone (on its own port), the rest a stub domain. */
function generated(blocks) {
  const lines = [];
  for (let i = 0; i < blocks; i++) {
    if (i % 2 === 0) {
      lines.push(
        `.:${10000 + i} {`, '    errors', '    health {', '       lameduck 5s', '    }', '    ready',
        '    kubernetes cluster.local in-addr.arpa ip6.arpa {', '       pods insecure', '       fallthrough in-addr.arpa ip6.arpa', '       ttl 30', '    }',
        '    prometheus :9153', '    forward . /etc/resolv.conf {', '       max_concurrent 1000', '    }', '    cache 30', '    loop', '    reload', '    loadbalance', '}',
      );
    } else {
      lines.push(`zone-${i}.example.com:53 {`, '    errors', '    cache 30', `    forward . 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, '}');
    }
  }
  return `${lines.join('\n')}\n`;
}

function engine(text) {
  return Corefile.parse(text).addTunnelHosts().corefile.toString().length;
}

function baseline(text) {
  let tokens = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed !== '') tokens += trimmed.split(/\s+/).length;
  }
  return tokens;
}

/** Median time of one call, over `reps` samples of `batch` calls each. */
function time(fn, text, batch, reps) {
  const samples = [];
  let sink = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink += fn(text);
    samples.push(ms(t0, process.hrtime.bigint()) / batch);
  }
  if (sink < 0) console.log(sink);
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const [source, label, repsArg] = process.argv.slice(2);
const text = source.startsWith('generated:') ? generated(Number(source.slice('generated:'.length))) : fs.readFileSync(source, 'utf8');
const reps = Number(repsArg ?? 7);

/** Warms `fn` up for about `budgetMs` (at least once) and returns its mean time per call then. */
function warm(fn, budgetMs) {
  let calls = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (calls < 1 || (elapsed < budgetMs && calls < 100000)) {
    fn(text);
    calls++;
    elapsed = ms(t0, process.hrtime.bigint());
  }
  return elapsed / calls;
}

// Warm both up (JIT), then time batches of about 100 ms each; the median batch gives the time per call.
const engineWarm = warm(engine, 1000);
const baselineWarm = warm(baseline, 1000);
const batchOf = (perCall) => Math.max(1, Math.round(100 / Math.max(perCall, 1e-4)));
const engineMs = time(engine, text, batchOf(engineWarm), reps);
const baselineMs = time(baseline, text, batchOf(baselineWarm), reps);

// Where the engine's time goes, once.
const p0 = process.hrtime.bigint();
const parsed = Corefile.parse(text);
const p1 = process.hrtime.bigint();
const edit = parsed.addTunnelHosts();
const p2 = process.hrtime.bigint();
edit.corefile.toString();
const p3 = process.hrtime.bigint();

report({
  label,
  bytes: Buffer.byteLength(text),
  lines: text.split('\n').length,
  serverBlocks: parsed.serverBlocks.length,
  editedBlocks: edit.editedBlocks.length,
  engineMs,
  baselineMs,
  ratio: engineMs / baselineMs,
  parseMs: ms(p0, p1),
  editMs: ms(p1, p2),
  printMs: ms(p2, p3),
});
