// The fake host clock on real processes: an offset written to the control file reaches a running
// process's wall clock at once and never its monotonic clock, and waits on the monotonic clock keep
// working under libfaketime thanks to the wait shim (Python 3.11's time.sleep fails with EINVAL under
// Debian's libfaketime 0.9.10 alone).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileClock, fakeClockUnavailable, offsetSpec, waitShim } from '../harness/runtime/clock/fake-clock.ts';
import { runCommand } from '../harness/runtime/process.ts';

describe('fake host clock (libfaketime + wait shim)', function () {
  this.timeout(60_000);
  let dir: string;
  let clock: FileClock;
  before(async function () {
    if (fakeClockUnavailable()) this.skip();
    dir = mkdtempSync(path.join(tmpdir(), 'fl-clock-test-'));
    clock = new FileClock(path.join(dir, 'clock'), await waitShim());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes offsets in libfaketime\'s syntax', () => {
    assert.deepEqual([60_000, -250, 0, 1234].map(offsetSpec), ['+60', '-0.25', '+0', '+1.234']);
  });

  it('a step reaches a running process\'s Date.now at once, never its performance.now', async () => {
    // the child compares its Date.now with the kernel's real time (a file's mtime: file times are not faked)
    const probe = path.join(dir, 'probe');
    const script = `const fs=require('fs');const seen=[];const p=performance.now();const t=setInterval(()=>{fs.writeFileSync(${JSON.stringify(probe)},'');seen.push(Date.now()-fs.statSync(${JSON.stringify(probe)}).mtimeMs);if(seen.length===40){clearInterval(t);console.log(Math.min(...seen),Math.max(...seen),performance.now()-p)}},50)`;
    await clock.set(0);
    const child = runCommand(process.execPath, ['-e', script], { env: clock.env(), timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1200));
    await clock.set(60_000);
    const [min, max, mono] = (await child).stdout.trim().split(' ').map(Number);
    await clock.set(0);
    assert.ok(Math.abs(min) < 100, `before the step the child's wall clock was off by ${min} ms`);
    assert.ok(Math.abs(max - 60_000) < 100, `after the step the child's wall clock was off by ${max} ms, not 60 s`);
    assert.ok(mono > 1900 && mono < 5000, `monotonic clock moved ${mono} ms over 40 ticks of 50 ms`);
  });

  it('Python sleeps on the monotonic clock under a -60 s offset', async () => {
    await clock.set(-60_000);
    const r = await runCommand('python3', ['-c', 'import time;t=time.monotonic();time.sleep(0.2);print(round((time.monotonic()-t)*1000), round(time.time()))'], { env: clock.env(), timeoutMs: 10_000 });
    await clock.set(0);
    assert.equal(r.code, 0, r.stderr);
    const [slept, wall] = r.stdout.trim().split(' ').map(Number);
    assert.ok(slept >= 195 && slept < 1000, `slept ${slept} ms`);
    assert.ok(Math.abs(wall - (Date.now() / 1000 - 60)) < 5, `python's wall clock ${wall} is not 60 s behind`);
  });
});
