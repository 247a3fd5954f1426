import { readFileSync } from 'fs';
import { cdk8s, Component, github, javascript, release } from 'projen';

// publib, the publishing tool of the release workflow, at the version the rehearsal runs.
const PUBLIB_VERSION: string = JSON.parse(readFileSync('test/release/tools/package.json', 'utf8')).dependencies.publib;

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-raven-prometheus',
  description:
    'cdk8s constructs that let a cloud Prometheus scrape OpenYurt edge nodes through the Raven L7 proxy: CoreDNS tunnel-nodes wiring, kubelet and node-exporter ScrapeConfigs, RBAC and Gateway ports.',
  author: 'cdk8s-raven-prometheus developers',
  authorAddress: 'dev@cdk8s-raven-prometheus.local',
  repositoryUrl: 'https://github.com/cdk8s-raven-prometheus/cdk8s-raven-prometheus.git',
  license: 'Apache-2.0',
  keywords: ['cdk8s', 'openyurt', 'raven', 'prometheus', 'prometheus-operator', 'coredns', 'edge', 'kubernetes'],
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  projenrcTsOptions: { projenCodeDir: '.projen/rc' },
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',

  // jsii and TypeScript must share a minor version.
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',

  // Peer dependencies, as construct libraries declare them.
  cdk8sVersion: '2.70.106',
  constructsVersion: '10.4.2',
  peerDeps: ['cdk8s-plus-28@^2.5.6'],

  devDeps: [
    'cdk8s-cli@^2.207.0',
    'ajv@^8.17.0',
    'fast-check@^4.0.0',
    'yaml@^2.8.0',
    'kubernetes-models@^4.5.1',
  ],

  // ---- Releases ----
  // GitHub Actions: .github/workflows/build.yml on pull requests, release.yml on every push to main.
  // The release workflow computes the version from the conventional commits since the last tag,
  // writes the release notes from them, builds once, and publishes that build to npm, PyPI, Maven
  // Central and the Go module repository with publib (docs/releasing.md).
  github: true,
  release: true,
  releaseTrigger: release.ReleaseTrigger.continuous(),
  // 0.x until the API is declared stable: a breaking change bumps the minor version, a feature or a
  // fix the patch version.
  majorVersion: 0,
  // The first release is 0.1.0 (projen would start at 0.0.0); after it, the conventional commits decide.
  nextVersionCommand: "git tag --list 'v0.*' | grep -q . || echo 0.1.0",
  // The release workflow runs publib at the version test/release/tools/ pins, which the release
  // rehearsal (`npm run test:release`) runs against local registries.
  jsiiReleaseVersion: PUBLIB_VERSION,
  npmAccess: javascript.NpmAccess.PUBLIC,
  // The workflows run `npx projen build`, which needs Go for the pinned upstream CRDs.
  workflowBootstrapSteps: [
    { name: 'Set up Go', uses: 'actions/setup-go@v5', with: { 'go-version': '1.26' } },
  ],
  workflowNodeVersion: '20',
  // Dependency upgrades are made by hand: the bindings' pinned Python, Maven and Go sets and the
  // upstream programs move with them (docs/development.md).
  depsUpgrade: false,
  githubOptions: { mergify: false },
  // Released API changes are checked against the stored assembly, not the npm one (`compat` below).
  compat: false,
  docgen: true,

  // Packages for the other cdk8s languages (jsii-pacmak, `npx projen package-all`). They go to
  // artifacts/, apart from dist/, where the example's manifests are synthesized.
  // .NET is not built: no .NET toolchain here.
  artifactsDirectory: 'artifacts',
  publishToPypi: {
    distName: 'cdk8s-raven-prometheus',
    module: 'cdk8s_raven_prometheus',
  },
  publishToMaven: {
    // The Maven Central namespace a GitHub organization can verify (io.github.<org>).
    mavenGroupId: 'io.github.cdk8s-raven-prometheus',
    mavenArtifactId: 'cdk8s-raven-prometheus',
    javaPackage: 'io.github.cdk8s_raven_prometheus',
  },
  publishToGo: {
    // Generated Go code lives in its own repository, as cdk8s-core-go and cdk8s-plus-go do:
    // the module is github.com/cdk8s-raven-prometheus/cdk8s-raven-prometheus-go/cdk8sravenprometheus.
    moduleName: 'github.com/cdk8s-raven-prometheus/cdk8s-raven-prometheus-go',
    packageName: 'cdk8sravenprometheus',
  },

  jestOptions: {
    // CI must compare snapshots, never rewrite them.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    // A run that finds no test must fail, not pass.
    passWithNoTests: false,
    jestConfig: {
      coveragePathIgnorePatterns: ['/node_modules/', '/imports/'],
      testPathIgnorePatterns: ['/node_modules/', '/lib/', '/dist/', '/test/upstream/'],
      // The pinned upstream CRDs are fetched once, before the workers start.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', '.projenrc.ts'],
    // The consumer app is a user's app, compiled against the packed library by the package check.
    ignorePatterns: ['imports/', 'lib/', 'dist/', 'node_modules/', 'test/consumer/'],
  },
  tsconfig: {
    compilerOptions: {
      rootDir: '.',
      // Source maps beside the code (.js.map, sources inlined) rather than inside it: Node never
      // reads them unless asked (--enable-source-maps), so requiring the library does not load
      // three times its code into the heap.
      sourceMap: true,
      inlineSourceMap: false,
      inlineSources: true,
    },
    include: ['imports/**/*.ts'],
  },
  tsconfigDev: {
    include: ['imports/**/*.ts'],
    // The consumer app imports the packed library by name: the package check compiles it there.
    exclude: ['consumer/**'],
  },
  gitignore: ['dist/', '/.tmp/'],
  // The package is the library: no upstream toolchain, no development docs, no API baseline or workflows (the example app: below).
  npmIgnoreOptions: { ignorePatterns: ['/dist/', '/.ci/', '/.tmp/', '/imports/', '/upstream/', '/docs/', '/api/', '/.github/'] },
});

// Corefile fixtures are byte-exact test data (CRLF, BOM, tabs, missing final newline).
project.gitattributes.addAttributes('*.Corefile', '-text');
// The source maps ship with the code.
project.addPackageIgnore('!/lib/**/*.js.map');
project.gitattributes.addAttributes('/test/corefile/cases/**', '-text');

// Entry points live under lib/src because imports/ is compiled beside src/.
project.package.addField('main', 'lib/src/index.js');
project.package.addField('types', 'lib/src/index.d.ts');
// `npx cdk8s-raven-prometheus verify --prometheus <url>`: the seed's Step 6 as a command.
project.addBins({ 'cdk8s-raven-prometheus': 'lib/src/cli.js' });

// Regenerate the typed CRD classes from the pinned upstream CRDs (fetched from their Go modules).
const crd = (name: string) => `$(node upstream/toolchain.js files ${name} | cut -d' ' -f2)`;
project.addTask('import', {
  description: 'Regenerate imports/ from the pinned upstream CRDs (upstream/files/files.json)',
  steps: [
    // cdk8s import writes one file per API group and reads one spec per run: the group's CRDs go in
    // as one multi-document file, or the second import would overwrite the first's file.
    { exec: `mkdir -p .tmp && cat ${crd('scrapeconfigs-crd')} ${crd('prometheusrules-crd')} > .tmp/monitoring.coreos.com-crds.yaml` },
    { exec: 'cdk8s import .tmp/monitoring.coreos.com-crds.yaml -l typescript -o imports --no-save --no-check-upgrade' },
    { exec: `cdk8s import ${crd('gateways-crd')} -l typescript -o imports --no-save --no-check-upgrade` },
  ],
});

// The showcase: synthesize the example platform stack into dist/*.k8s.yaml.
project.addTask('synth', {
  description: 'Synthesize the example platform stack into dist/',
  exec: 'ts-node --project tsconfig.json src/example/main.ts',
});

// Snapshots are reviewed by people: no task rewrites them (locally: `npx jest -u`, then read the diff).
project.tasks.removeTask('test:update');

// A user of the published package: pack, install into a throwaway app, synthesize.
project.addTask('test:package', {
  description: 'Pack the library and synthesize from it in a fresh cdk8s app',
  exec: 'bash test/consumer/run.sh',
});

// The upstream toolchain: real upstream programs built from their pinned Go modules into a cache
// outside the repository; prints `NAME VERSION PATH` per program.
project.addTask('upstream', {
  description: 'Build the pinned upstream programs (upstream/programs.json) from the Go module proxy into the cache',
  steps: [{ exec: 'node upstream/toolchain.js build', receiveArgs: true }],
});

// The metrics kube-prometheus-stack's default dashboards and rules read from a node
// (docs/edge-metrics.md): regenerated from the pinned chart and node_exporter files, rendered by
// Helm's engine and parsed by Prometheus's parser (the toolchain's mixin-metrics; Go 1.26).
project.addTask('required-metrics', {
  description: 'Regenerate test/fixtures/edge-profile/required-metrics.json and src/private/required-metrics.ts from the pinned upstream files',
  steps: [
    { exec: 'node upstream/toolchain.js build mixin-metrics >/dev/null' },
    { exec: 'ts-node --project test/tsconfig.json --transpile-only test/upstream/support/required-metrics.ts' },
  ],
});

// The upstream suite: the library's output judged by the real upstream programs (root; Go 1.26).
project.addTask('test:upstream', {
  description: 'Run the upstream suite: real CoreDNS, Prometheus, prometheus-operator code and kube-apiserver judge the output',
  steps: [
    { exec: 'node upstream/toolchain.js build >/dev/null' },
    // Its own global setup checks the machine first (root, iproute2, openssl, Go, /dev/net/tun) and
    // names everything missing once, instead of every suite failing on it.
    { exec: 'jest --coverage=false --globalSetup ./test/upstream/support/global-setup.ts --testPathIgnorePatterns=/node_modules/ --testPathPatterns test/upstream', receiveArgs: true },
  ],
});

// Performance: the library against a bare-cdk8s floor, module load, the Corefile engine. Not a test.
// What monitoring costs an edge node's uplink, on the real programs behind an emulated link (root and
// Go; without them it prints one line saying what is missing and skips). Not a test.
const benchEdge = project.addTask('bench:edge', {
  description: 'Benchmark: link bytes per scrape and per day of each scrape profile through Raven\'s proxy and an emulated edge link (root; not a test)',
  steps: [{ exec: 'node test/bench/edge-link/run.js', receiveArgs: true }],
});
// Many edge nodes through one Raven proxy, two Prometheus shards, CoreDNS with 5,000 tunnel-nodes
// lines (root and Go; about 5 GiB of memory and 8 minutes at 50 nodes). Not a test, and not part of
// `bench`: it needs far more of the machine than the rest.
project.addTask('bench:scale', {
  description: 'Benchmark: hollow kubelets with node-exporters through one Raven proxy, two Prometheus shards, CoreDNS with 5,000 tunnel-nodes lines (root; not a test)',
  steps: [{ exec: 'node test/bench/scale/run.js', receiveArgs: true }],
});
project.addTask('bench', {
  description: 'Benchmark: synth vs bare-cdk8s floor, module load, Corefile engine, and the edge link\'s cost (not a test)',
  steps: [{ spawn: 'compile' }, { exec: 'node test/bench/bench.js' }, { spawn: benchEdge.name }],
});

// ---- Packages for Python, Java and Go, and their consumer apps ----
// package-all writes the wheel, the jar with its POM and the Go module under artifacts/; the npm
// tarball must not carry them (jsii-pacmak packs the js target first, then the others).
project.gitignore.exclude('/artifacts/', '/test/bindings/java/target/');
// The same pattern jsii-pacmak looks for, so that packaging leaves .npmignore as projen wrote it.
project.addPackageIgnore('artifacts');
// The Java and Go builds compile against cdk8s (and Java against cdk8s-plus-28), which the
// registries the build machines reach do not serve at the peer versions: peers.sh builds their
// bindings from node_modules once, where jsii-pacmak looks for local builds of dependencies.
project.tasks.tryFind('package-all')?.prependExec('bash test/bindings/peers.sh');
// The README's and the API docs' TypeScript examples, translated for each language's package
// (jsii-pacmak reads the tablet jsii-rosetta writes beside .jsii); without it they are copied as
// TypeScript under the other language's name.
project.tasks.tryFind('package-all')?.prependExec('jsii-rosetta extract');
project.gitignore.exclude('.jsii.tabl.json');
project.addPackageIgnore('.jsii.tabl.json');
// One app per language, written as its users write them, synthesizes the example platform stack
// from the built package; each output must equal the TypeScript example's byte for byte. The
// script runs package-all only when the compiled library changed since the last build.
project.addTask('test:bindings', {
  description: 'Build the Python, Java and Go packages (when stale) and check that an app in each synthesizes the TypeScript example byte for byte',
  steps: [
    { spawn: 'compile' },
    { exec: 'bash test/bindings/run.sh', receiveArgs: true },
  ],
});

// ---- API stability ----
// jsii-diff against the baseline assembly stored in api/baseline/, not against npm (projen's compat
// task downloads the last release, and jsii-diff passes when that download fails). A breaking change
// fails unless recorded with its reason in api/allowed-breaking-changes.txt.
project.tasks.tryFind('compat')!.reset('bash api/check.sh');
project.gitignore.addPatterns('!/api/baseline/*/.jsii');
project.tasks.tryFind('compat')!.description = 'Check the compiled API against api/baseline/<version>/ (jsii-diff; breaks allowed only when recorded in api/allowed-breaking-changes.txt)';
project.addTask('api:baseline', {
  description: 'Replace the API baseline by the current API: api/baseline/<version>/ (VERSION argument, default: the current baseline\'s)',
  steps: [{ exec: 'bash api/baseline.sh', receiveArgs: true }],
});

// ---- The release workflow with the packages in artifacts/ ----
// projen's publish jobs download the build to dist/ (publib's default folder) while the packaging
// steps around them use the artifacts directory; here dist/ holds the example's manifests, so every
// publish job downloads to artifacts/ and names that folder to publib.
const publibFolders: Record<string, string> = {
  'publib-npm': 'artifacts/js',
  'publib-maven': 'artifacts/java',
  'publib-pypi': 'artifacts/python',
  'publib-golang': 'artifacts/go',
};
class ReleaseArtifactsFolder extends Component {
  // The publish jobs are added when the project synthesizes: this component, made last, runs after.
  public preSynthesize(): void {
    const workflow = project.github?.tryFindWorkflow('release');
    for (const id of ['release_github', 'release_npm', 'release_maven', 'release_pypi', 'release_golang']) {
      const job = workflow?.getJob(id) as github.workflows.Job | undefined;
      if (!workflow || !job) throw new Error(`.projenrc.ts: the release workflow has no job '${id}': projen changed, review ReleaseArtifactsFolder`);
      const steps = job.steps.map((step) => {
        if (step.uses?.startsWith('actions/download-artifact@')) return { ...step, with: { ...step.with, path: 'artifacts' } };
        if (step.run === 'cd dist && setfacl --restore=permissions-backup.acl') return { ...step, run: 'cd artifacts && setfacl --restore=permissions-backup.acl' };
        const publib = /'(publib-[a-z]+)'$/.exec(step.run ?? '');
        if (publib) return { ...step, run: `${step.run} ${publibFolders[publib[1]]}` };
        return step;
      });
      workflow.updateJob(id, { ...job, steps });
    }
  }
}
new ReleaseArtifactsFolder(project);
// In the publish jobs, package:<lang> runs in a fresh checkout: the README's examples are translated
// there too (package-all extracts them once, before every language), and the Java and Go builds
// find the cdk8s bindings built from node_modules, as package-all does (peers.sh does nothing when
// they are there).
for (const lang of ['java', 'python', 'go']) {
  project.tasks.tryFind(`package:${lang}`)?.prependExec('jsii-rosetta extract', { condition: '! test -f .jsii.tabl.json' });
}
for (const lang of ['java', 'go']) {
  project.tasks.tryFind(`package:${lang}`)?.prependExec('bash test/bindings/peers.sh');
}

// The release rehearsal: the API check shown able to fail, the version step, then publib publishes
// the packages test:bindings built to npm, PyPI, Maven and Go registries on 127.0.0.1 as the release
// workflow's jobs run it, and an app per registry installs with the README's line and synthesizes
// the TypeScript example byte for byte (docs/releasing.md).
project.addTask('test:release', {
  description: 'Rehearse a release: API check, version, publib to local npm/PyPI/Maven/Go registries, install from each as the README says',
  steps: [
    { spawn: 'compile' },
    { exec: 'bash test/release/run.sh' },
  ],
});

// jest transpiles test files one by one (isolatedModules) and reports no type error: check them.
project.testTask.prependExec('tsc -p test/tsconfig.json --noEmit');

// The example app is no part of the package. Added last: a pattern under /lib/ given with the options
// comes before projen's `!/lib/**/*.js`, which would take the files back in.
project.npmignore?.addPatterns('/lib/src/example/');

project.synth();
