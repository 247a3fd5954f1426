'use strict';
/**
 * Module load time. Usage: node load.js <variant>
 *   cdk8s          cdk8s alone
 *   cdk8s-plus-28  cdk8s + cdk8s-plus-28 (the peer dependency, whole)
 *   k8s-imports    cdk8s + cdk8s-plus-28/lib/imports/k8s (what the library itself imports of it)
 *   library        the library's entry point (lib/src/index.js), which loads cdk8s itself
 */
const path = require('path');
const { LIB, ms, report } = require('./common');
const t0 = process.hrtime.bigint();
const variant = process.argv[2];
const modules = {
  'cdk8s': ['cdk8s'],
  'cdk8s-plus-28': ['cdk8s', 'cdk8s-plus-28'],
  'k8s-imports': ['cdk8s', 'cdk8s-plus-28/lib/imports/k8s'],
  'library': [path.join(LIB, 'src', 'index.js')],
}[variant];
if (!modules) throw new Error(`unknown variant ${variant}`);
for (const m of modules) require(m);
const t1 = process.hrtime.bigint();
const loaded = Object.keys(require.cache);
report({
  variant,
  loadMs: ms(t0, t1),
  modules: loaded.length,
  sourceKb: loaded.reduce((sum, f) => sum + require('fs').statSync(f).size, 0) / 1024,
  generatedImportsLoaded: loaded.filter((f) => /imports[\\/](monitoring\.coreos\.com|raven\.openyurt\.io|k8s)\.js$/.test(f)).map((f) => path.basename(f)),
});
