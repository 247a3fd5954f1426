import { checkUpstreamPrerequisites, missingPrerequisites, PrerequisiteProbe } from './upstream/support/prerequisites';

/** A machine where `present` commands run (go answering `goVersion`), `uid` is the user and /dev/net/tun is there when `tun`. */
function machine(options: { uid?: number; present?: string[]; goVersion?: string; tun?: boolean }): PrerequisiteProbe {
  const present = options.present ?? ['ip', 'tc', 'openssl', 'go'];
  return {
    uid: () => options.uid ?? 0,
    run: (command) => (present.includes(command)
      ? { status: 0, stdout: command === 'go' ? `${options.goVersion ?? 'go1.26.8'}\n` : 'ok\n' }
      : { status: null, stdout: '', error: Object.assign(new Error(`spawnSync ${command} ENOENT`), { code: 'ENOENT' }) }),
    exists: (file) => file === '/dev/net/tun' && (options.tun ?? true),
  };
}

describe('the upstream suite\'s prerequisites', () => {
  test('GIVEN root, iproute2, openssl, Go 1.26 and /dev/net/tun WHEN checked THEN nothing is missing', () => {
    expect(missingPrerequisites(machine({}))).toEqual([]);
    expect(() => checkUpstreamPrerequisites(machine({}))).not.toThrow();
  });

  test('GIVEN a bare machine WHEN checked THEN one error names each missing piece with how to get it', () => {
    const bare = machine({ uid: 1000, present: [], tun: false });
    expect(() => checkUpstreamPrerequisites(bare)).toThrow(/cannot run on this machine; missing:\n {2}- root: .*\n {2}- ip .*apt-get install -y iproute2\n {2}- tc .*apt-get install -y iproute2\n {2}- openssl .*apt-get install -y openssl\n {2}- Go 1\.26 or later on the PATH.*https:\/\/go\.dev\/dl\/\n {2}- \/dev\/net\/tun .*modprobe tun/);
    expect(missingPrerequisites(bare)).toHaveLength(6);
  });

  test('GIVEN only openssl missing WHEN checked THEN only openssl is named', () => {
    expect(missingPrerequisites(machine({ present: ['ip', 'tc', 'go'] }))).toEqual(['openssl (the lab\'s certificates): apt-get install -y openssl']);
  });

  test('GIVEN an older Go WHEN checked THEN the version found is named', () => {
    expect(missingPrerequisites(machine({ goVersion: 'go1.22.2' }))).toEqual(['Go 1.26 or later (found go1.22.2): https://go.dev/dl/']);
  });

  test('GIVEN a Go 1.100 WHEN checked THEN it is recent enough', () => {
    expect(missingPrerequisites(machine({ goVersion: 'go1.100.0' }))).toEqual([]);
  });
});
