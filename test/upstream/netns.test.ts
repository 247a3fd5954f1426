import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { NetworkNamespace, printed } from './support/netns';

/**
 * The lab's own process handling, which every upstream test stands on: a program that prints as it
 * stops (CoreDNS logs its shutdown on stdout) must neither lose those lines nor, when the lab is
 * torn down, write into the removed folder after the test has moved on.
 *
 * Needs root (network namespaces).
 */

/** Prints `ready`; on SIGTERM prints far more than a pipe holds (about 1 MiB), then `last words`, and exits. */
const CHATTY_ON_STOP = 'process.on("SIGTERM", () => {'
  + ' const line = "x".repeat(1023) + "\\n";'
  + ' for (let i = 0; i < 1024; i++) process.stdout.write(line);'
  + ' process.stdout.write("last words\\n", () => process.exit(0)); });'
  + ' process.stdout.write("ready\\n"); setInterval(() => undefined, 1000);';

describe('the lab stopping its processes', () => {
  let ns: NetworkNamespace | undefined;

  beforeAll(() => {
    NetworkNamespace.checkPrerequisites();
  });

  afterEach(async () => {
    await ns?.destroy();
    ns = undefined;
  });

  function createNamespace(): NetworkNamespace {
    const created = new NetworkNamespace('labproc');
    created.create([], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.1\n' });
    return created;
  }

  test('GIVEN a process that prints a lot as it stops WHEN it is stopped THEN its log holds everything it printed', async () => {
    ns = createNamespace();
    const proc = await ns.start('chatty', process.execPath, ['-e', CHATTY_ON_STOP], printed('ready'));
    await ns.stop(proc);
    const log = fs.readFileSync(path.join(ns.dir, 'chatty.log'), 'utf8');
    expect(log.endsWith('last words\n')).toBe(true);
    expect(log.length).toBe('ready\n'.length + 1024 * 1024 + 'last words\n'.length);
  });

  test('GIVEN such processes WHEN the lab is destroyed THEN their output is complete in the kept folder and nothing is written after destroy returns', async () => {
    const kept = createNamespace();
    for (let i = 0; i < 4; i++) {
      await kept.start(`chatty-${i}`, process.execPath, ['-e', CHATTY_ON_STOP], printed('ready'));
    }
    await kept.destroy(true);
    try {
      const sizes = [0, 1, 2, 3].map((i) => fs.statSync(path.join(kept.dir, `chatty-${i}.log`)).size);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const later = [0, 1, 2, 3].map((i) => fs.statSync(path.join(kept.dir, `chatty-${i}.log`)).size);
      expect(sizes).toEqual([0, 1, 2, 3].map(() => 'ready\n'.length + 1024 * 1024 + 'last words\n'.length));
      expect(later).toEqual(sizes);
    } finally {
      fs.rmSync(kept.dir, { recursive: true, force: true });
    }
  });

  test('GIVEN such processes WHEN the lab is destroyed with its folder THEN the folder is gone and no write fails afterwards', async () => {
    const removed = createNamespace();
    for (let i = 0; i < 4; i++) {
      await removed.start(`chatty-${i}`, process.execPath, ['-e', CHATTY_ON_STOP], printed('ready'));
    }
    await removed.destroy();
    // A write into the removed folder would throw here, in the pipe's data handler, failing this test.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fs.existsSync(removed.dir)).toBe(false);
  });
});

describe('the lab torn down as its processes exit', () => {
  test('GIVEN processes that printed and exited WHEN the lab is destroyed at once THEN their output is in their logs when destroy returns', async () => {
    // Node can report a process's exit before it has read what the process printed last (seen here
    // with CoreDNS refusing a Corefile); the lab must not remove the folder in between.
    for (let round = 0; round < 10; round++) {
      const lab = new NetworkNamespace('labexit');
      lab.create([], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.1\n' });
      let sizes: number[] = [];
      try {
        await startQuickExits(lab);
      } finally {
        await lab.destroy(true);
        // Read before anything else can run: what is not in the logs now was written after destroy returned.
        sizes = logSizes(lab);
        fs.rmSync(lab.dir, { recursive: true, force: true });
      }
      expect(sizes).toEqual(Array(QUICK).fill('failed: some reason\n'.length));
    }
  });

  test('GIVEN processes that printed and exited WHEN the lab is destroyed with its folder THEN no late write into the removed folder fails', async () => {
    for (let round = 0; round < 10; round++) {
      const lab = new NetworkNamespace('labexit');
      lab.create([], { hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.0.0.1\n' });
      await startQuickExits(lab);
      await lab.destroy();
      // The CI failure this guards against: ENOENT thrown from the pipe's data handler, after the test
      // that destroyed the lab had passed, failing whichever test file ran then.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fs.existsSync(lab.dir)).toBe(false);
    }
  });
});

const QUICK = 8;

/** Starts QUICK processes that print one line and exit at once; resolves when Node has seen every exit. */
async function startQuickExits(lab: NetworkNamespace): Promise<void> {
  const procs: ChildProcess[] = [];
  for (let i = 0; i < QUICK; i++) {
    // Ready at once: the process may be running or already gone when the test goes on.
    procs.push(await lab.start(`quick-${i}`, '/bin/sh', ['-c', 'echo "failed: some reason"; exit 1'], () => Promise.resolve()));
  }
  await Promise.all(procs.map((p) => (p.exitCode !== null ? undefined : new Promise((resolve) => p.once('exit', resolve)))));
}

function logSizes(lab: NetworkNamespace): number[] {
  return Array.from({ length: QUICK }, (_, i) => fs.statSync(path.join(lab.dir, `quick-${i}.log`)).size);
}
