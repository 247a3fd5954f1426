/**
 * What a release publishes and how, read from the files projen generates: the package metadata
 * Construct Hub lists by, and the release workflow's publish jobs (the build in artifacts/, publib
 * at the version the release rehearsal runs). The rehearsal itself (npm run test:release) publishes
 * to local registries; these are the checks that need no registry.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json'));
const workflow = YAML.parse(read('.github/workflows/release.yml'));
const PUBLISH_JOBS: Record<string, string> = {
  release_npm: 'publib-npm artifacts/js',
  release_pypi: 'publib-pypi artifacts/python',
  release_maven: 'publib-maven artifacts/java',
  release_golang: 'publib-golang artifacts/go',
};

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }
const steps = (job: string): Step[] => workflow.jobs[job].steps;

describe('the npm package, as Construct Hub lists it', () => {
  test('GIVEN package.json WHEN read THEN it carries the keyword cdk8s, a permissive license and a jsii assembly', () => {
    expect(pkg.keywords).toContain('cdk8s');
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.jsii.targets).toEqual(expect.objectContaining({
      python: { distName: 'cdk8s-raven-prometheus', module: 'cdk8s_raven_prometheus' },
      java: expect.objectContaining({ maven: { groupId: 'io.github.cdk8s-raven-prometheus', artifactId: 'cdk8s-raven-prometheus' } }),
      go: expect.objectContaining({ moduleName: 'github.com/cdk8s-raven-prometheus/cdk8s-raven-prometheus-go' }),
    }));
    expect(read('.npmignore')).toMatch(/^!\.jsii$/m);
  });

  test('GIVEN package.json WHEN read THEN it names its repository', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: 'https://github.com/cdk8s-raven-prometheus/cdk8s-raven-prometheus.git' });
  });
});

describe('the release workflow', () => {
  test('GIVEN a push to main WHEN the workflow runs THEN the release job versions, builds and tests with Go set up', () => {
    expect(workflow.on.push.branches).toEqual(['main']);
    const release = steps('release');
    expect(release.map((s) => s.run)).toContain('npx projen release');
    expect(release.find((s) => s.uses?.startsWith('actions/setup-go@'))?.with).toEqual({ 'go-version': '1.26' });
  });

  test.each(Object.entries(PUBLISH_JOBS))('GIVEN job %s WHEN it publishes THEN publib reads the build from artifacts/: %s', (job, command) => {
    const jobSteps = steps(job);
    const download = jobSteps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with?.path).toBe('artifacts');
    const publish = jobSteps.find((s) => s.name === 'Release');
    const pinned = JSON.parse(read('test/release/tools/package.json')).dependencies.publib;
    expect(publish?.run).toBe(`npx '-p' 'publib@${pinned}' '${command.split(' ')[0]}' ${command.split(' ')[1]}`);
  });

  test('GIVEN the publish jobs WHEN they authenticate THEN every credential is a secret of the workflow', () => {
    for (const job of Object.keys(PUBLISH_JOBS)) {
      const env = steps(job).find((s) => s.name === 'Release')?.env ?? {};
      for (const [name, value] of Object.entries(env)) {
        if (/TOKEN|PASSWORD|USERNAME|KEY/.test(name)) expect([job, name, value]).toEqual([job, name, expect.stringMatching(/^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/)]);
      }
    }
  });

  test('GIVEN all four registries WHEN they succeeded THEN the GitHub release is made from the release notes', () => {
    expect(workflow.jobs.release_github.needs).toEqual(expect.arrayContaining(['release', ...Object.keys(PUBLISH_JOBS)]));
    const release = workflow.jobs.release_github.steps.find((s: Step) => s.name === 'Release');
    expect(release.env).toEqual(expect.objectContaining({ RELEASE_TAG_FILE: 'artifacts/releasetag.txt', CHANGELOG_FILE: 'artifacts/changelog.md' }));
    expect(workflow.jobs.release_github.steps.find((s: Step) => s.uses?.startsWith('actions/download-artifact@')).with.path).toBe('artifacts');
  });
});

describe('the API check', () => {
  test('GIVEN api/baseline WHEN read THEN there is exactly one baseline, named after the version it describes', () => {
    const baselines = fs.readdirSync(path.join(ROOT, 'api/baseline'));
    expect(baselines).toHaveLength(1);
    const assembly = JSON.parse(read(`api/baseline/${baselines[0]}/.jsii`));
    expect(assembly.name).toBe('cdk8s-raven-prometheus');
    expect(assembly.version).toBe(baselines[0]);
  });

  test('GIVEN the recorded breaking changes WHEN read THEN each key has its reason on the comment line above', () => {
    const lines = read('api/allowed-breaking-changes.txt').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '' || line.trim().startsWith('#')) return;
      expect([line, lines[i - 1] ?? '']).toEqual([line, expect.stringMatching(/^\s*#\s*\S/)]);
    });
  });
});
