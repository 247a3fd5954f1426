// The end of a CI run: what failed in the Jest reports, in full enough to diagnose from the end of
// the log (a suite can fail with every test passed, e.g. an error in afterAll), then one closing line
// with the totals. Usage: node .ci/report.js BINDINGS_LOG RELEASE_LOG JEST_JSON...
// CI_FAILED_REPORTS names the reports whose step exited non-zero (a failure Jest does not count,
// such as the type check or lint of `npm test`, still counts as one).
const fs = require('fs');
const path = require('path');

const MAX_LINES = 60;
const [bindingsLog, releaseLog, ...reports] = process.argv.slice(2);
const plain = (text) => String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
const clip = (text) => {
  const lines = plain(text).split('\n');
  return lines.length <= MAX_LINES ? lines : [...lines.slice(0, MAX_LINES), `... (${lines.length - MAX_LINES} more lines)`];
};

const failedSteps = (process.env.CI_FAILED_REPORTS ?? '').split(' ').filter((r) => r !== '');
let passed = 0;
let failed = 0;
for (const report of reports) {
  const before = failed;
  if (!fs.existsSync(report)) {
    console.log(`\nci: ${report} was not written (its step stopped before Jest reported: see the step's output)`);
    failed += 1;
    continue;
  }
  const results = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  for (const suite of results.testResults) {
    if (suite.status !== 'failed') continue;
    const name = path.relative(process.cwd(), suite.name);
    const failedTests = suite.assertionResults.filter((t) => t.status === 'failed');
    if (failedTests.length === 0) {
      // Every test passed, yet the suite failed: the reason is only in the suite's message.
      failed += 1;
      console.log(`\nci: ${name} failed outside its tests:`);
    } else {
      console.log(`\nci: ${name}: ${failedTests.length} failed`);
    }
    for (const line of clip(suite.message)) console.log(`  ${line}`);
  }
  if (failedSteps.includes(report) && failed === before) {
    console.log(`\nci: the step that wrote ${report} failed with every suite passed (its type check or lint: see the step's output)`);
    failed += 1;
  }
}
const bindings = fs.existsSync(bindingsLog) ? /bindings: (\d+) passed, (\d+) failed/.exec(fs.readFileSync(bindingsLog, 'utf8')) : null;
if (bindings) {
  // + the package check (the run stops before this point when it fails), + one per language of the bindings check
  passed += 1 + Number(bindings[1]);
  failed += Number(bindings[2]);
} else {
  console.log(`ci: ${bindingsLog} holds no bindings result`);
  failed += 1;
}
const release = fs.existsSync(releaseLog) ? /^release: (\d+) passed, (\d+) failed$/m.exec(plain(fs.readFileSync(releaseLog, 'utf8'))) : null;
if (release) {
  // One per check of the release rehearsal: the API check and its two proofs, the version, one per registry.
  passed += Number(release[1]);
  failed += Number(release[2]);
} else {
  console.log(`ci: ${releaseLog} holds no release rehearsal result`);
  failed += 1;
}
console.log(`ci: ${passed} passed, ${failed} failed (${Math.round(Date.now() / 1000 - Number(process.env.CI_STARTED))} s)`);
process.exitCode = failed === 0 ? 0 : 1;
