'use strict';
/**
 * Variant (a): the library's full example stack, one chart per cluster, synthesized to YAML in
 * memory. Usage: node synth-library.js <stacks>
 */
const t0 = process.hrtime.bigint();
const path = require('path');
const { LIB, ms, report } = require('./common');
const { App } = require('cdk8s');
const { buildExamplePlatform } = require(path.join(LIB, 'src', 'example', 'platform.js'));
const t1 = process.hrtime.bigint();

const stacks = Number(process.argv[2]);
const app = new App();
for (let i = 0; i < stacks; i++) buildExamplePlatform(app, `cluster-${i}`);
const t2 = process.hrtime.bigint();
const yaml = app.synthYaml();
const t3 = process.hrtime.bigint();

report({ stacks, loadMs: ms(t0, t1), buildMs: ms(t1, t2), synthMs: ms(t2, t3), yamlBytes: yaml.length });
