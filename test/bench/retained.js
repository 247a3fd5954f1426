'use strict';
/**
 * Heap retained per stack once built (run with --expose-gc): heap used after a full GC with one
 * stack and with `stacks` more, divided by `stacks`. Not timed.
 * Usage: node --expose-gc retained.js library <stacks> | node --expose-gc retained.js floor <stacks> <generated module>
 */
const path = require('path');
const { LIB, report } = require('./common');
const { App, Chart } = require('cdk8s');

const [variant, stacksArg, floorModule] = process.argv.slice(2);
const stacks = Number(stacksArg);
const build = variant === 'library'
  ? ((buildExamplePlatform) => (app, i) => buildExamplePlatform(app, `cluster-${i}`))(require(path.join(LIB, 'src', 'example', 'platform.js')).buildExamplePlatform)
  : ((addStack) => (app, i) => addStack(new Chart(app, `cluster-${i}-raven-prometheus`)))(require(floorModule));

const app = new App();
build(app, 0);
global.gc();
const before = process.memoryUsage().heapUsed;
for (let i = 1; i <= stacks; i++) build(app, i);
global.gc();
const after = process.memoryUsage().heapUsed;
report({ variant, stacks, retainedKbPerStack: (after - before) / stacks / 1024, constructs: app.node.findAll().length });
