import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Corefile } from '../../src/corefile';
import { upstreamProgram } from '../support/upstream';

/**
 * Two server blocks serving the root zone on one port: real CoreDNS v1.14.7 refuses to load the
 * file, and the library refuses to edit it, with CoreDNS's own words. CoreDNS stops while reading
 * the file, before it listens on anything, so no root or namespace is needed.
 */
describe('two root server blocks on one port', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-root-blocks-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function coredns(text: string): { status: number | null; output: string } {
    const file = path.join(dir, 'Corefile');
    fs.writeFileSync(file, text);
    const result = spawnSync(upstreamProgram('coredns'), ['-conf', file], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  test.each([
    ['.:1053 twice', '.:1053 {\n    whoami\n}\n.:1053 {\n    whoami\n}\n', '1053'],
    ['dns://.:1053 and .:1053', 'dns://.:1053 {\n    whoami\n}\n.:1053 {\n    errors\n}\n', '1053'],
  ])('GIVEN %s THEN CoreDNS does not load it, and the library refuses it with CoreDNS\'s message', (_name, text, port) => {
    const real = coredns(text);
    expect(real.status).not.toBe(0);
    expect(real.output).toContain(`cannot serve dns://.:${port} - it is already defined`);
    expect(() => Corefile.parse(text).addTunnelHosts()).toThrow(`CoreDNS refuses such a file ("cannot serve dns://.:${port} - it is already defined")`);
  });
});
