// The shared process helpers every runtime uses: bounded waits that say what they waited for,
// commands with deadlines, and daemons that stop even when they ignore SIGTERM.
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HarnessError } from '../harness/errors.ts';
import { pidAlive, runCommand, spawnLogged, waitFor } from '../harness/runtime/process.ts';

describe('process helpers', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'faultline-test-process-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('waitFor returns the first ready value, and on timeout names what it waited for and the last error', async () => {
    let n = 0;
    assert.equal(await waitFor('n to reach 3', 2000, () => (++n >= 3 ? n : undefined), 10), 3);
    const t0 = Date.now();
    await assert.rejects(
      waitFor('the moon', 300, () => { throw new Error('still night'); }, 50),
      (err: Error) => err instanceof HarnessError && err.message === 'timed out after 0.3s waiting for the moon: still night',
    );
    assert.ok(Date.now() - t0 < 1500);
  });

  it('runCommand gives code and output, and kills a command that overruns its deadline', async () => {
    const r = await runCommand('sh', ['-c', 'cat; echo err >&2; exit 3'], { input: 'hello' });
    assert.deepEqual(r, { code: 3, stdout: 'hello', stderr: 'err\n' });
    const t0 = Date.now();
    await assert.rejects(runCommand('sleep', ['10'], { timeoutMs: 200 }), /timed out after 0\.2s running sleep 10/);
    assert.ok(Date.now() - t0 < 2000);
  });

  it('a spawned daemon logs to its file, and stop() escalates to SIGKILL when SIGTERM is ignored', async () => {
    const logFile = path.join(dir, 'stubborn.log');
    const p = await spawnLogged({ name: 'stubborn', command: 'sh', args: ['-c', "trap '' TERM; echo started; while :; do sleep 0.1; done"], logFile });
    await waitFor('the daemon to log', 5000, () => readFileSync(logFile, 'utf8').includes('started'));
    const t0 = Date.now();
    await p.stop(300);
    assert.ok(Date.now() - t0 >= 300 && Date.now() - t0 < 5000);
    assert.equal(p.alive, false);
    assert.equal(pidAlive(p.pid), false);
    await p.stop(); // idempotent
  });
});
