// The publish steps of the release workflow, as the rehearsal runs them: for one job of
// .github/workflows/release.yml, the publib command of its "Release" step and that step's
// environment. Fails when the step is not `npx -p publib@VERSION publib-<target> DIR` with the
// VERSION test/release/tools pins, so the rehearsal cannot drift from the workflow.
//
// Usage: node workflow.js JOB   (release_npm, release_pypi, release_maven, release_golang)
// Prints `run<TAB>BIN<TAB>DIR`, then `env<TAB>NAME<TAB>VALUE` per variable, where a value read from
// the workflow's secrets is `secret:NAME` and the dry-run input is `input:dry_run`.
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const root = path.resolve(__dirname, '../..');
const job = process.argv[2];
const workflow = YAML.parse(fs.readFileSync(path.join(root, '.github/workflows/release.yml'), 'utf8'));
const fail = (message) => {
  console.error(`release: .github/workflows/release.yml ${job}: ${message}`);
  process.exit(1);
};
const steps = workflow.jobs?.[job]?.steps;
if (!steps) fail('no such job');
const release = steps.find((step) => step.name === 'Release');
if (!release) fail('no step named Release');
const pinned = JSON.parse(fs.readFileSync(path.join(__dirname, 'tools/package.json'), 'utf8')).dependencies.publib;
const match = /^npx '-p' 'publib@([^']+)' '(publib-[a-z]+)' (\S+)$/.exec(release.run);
if (!match) fail(`the Release step runs '${release.run}', expected npx '-p' 'publib@${pinned}' 'publib-<target>' <folder>`);
if (match[1] !== pinned) fail(`the workflow runs publib ${match[1]}, the rehearsal's tools pin ${pinned} (.projenrc.ts reads test/release/tools/package.json: run npx projen)`);
console.log(['run', match[2], match[3]].join('\t'));
for (const [name, value] of Object.entries(release.env ?? {})) {
  const text = String(value);
  const secret = /^\$\{\{ secrets\.([A-Z0-9_]+) \}\}$/.exec(text);
  const value2 = secret ? `secret:${secret[1]}` : text === '${{ inputs.dry_run }}' ? 'input:dry_run' : text;
  if (value2.includes('${{')) fail(`${name} has an expression the rehearsal cannot evaluate: ${text}`);
  console.log(['env', name, value2].join('\t'));
}
