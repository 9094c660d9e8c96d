// The clock and disk scripts of the ssh runtime, run for real under the local sh as sshd would run
// them: libfaketime found and a process under the clock's environment really offset, offsets written
// atomically, the strobe program (built here from clock/strobe.c) flipping a control file on its own
// and stopped with its count, the check that this machine fits the harness's own builds, and the
// tmpfs mount and unmount (in a private mount namespace, so nothing reaches this machine's table).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fakeClockEnv, fakeClockUnavailable, libfaketimePath, strobeProgram, waitShim } from '../harness/runtime/clock/fake-clock.ts';
import { processState, runCommand, waitFor } from '../harness/runtime/process.ts';
import { CLOCK_CHECK_SCRIPT, CLOCK_SETUP_SCRIPT, clockRequirements, localClockBuild, parseStrobeEnd, prebuiltFits, STROBE_START_SCRIPT, STROBE_STOP_SCRIPT, WRITE_OFFSET_SCRIPT } from '../harness/runtime/ssh/clock.ts';
import { DISK_REQUIREMENTS, MOUNT_SCRIPT, UNMOUNT_SCRIPT } from '../harness/runtime/ssh/disk.ts';
import { featureRequirements } from '../harness/runtime/ssh/preflight.ts';
import { asRootCommand, REMOVE_FOLDER_SCRIPT, shCommand } from '../harness/runtime/ssh/shell.ts';

const sh = (command: string, opts: { cwd?: string } = {}) => runCommand('bash', ['-c', command], { timeoutMs: 20_000, ...opts });
/** Exited (a zombie until whoever adopted it reaps it). */
const gone = (pid: number) => [undefined, 'Z'].includes(processState(pid));
const holds = async (test: string) => (await sh(shCommand(`(eval "$1") >/dev/null 2>&1`, [test]))).code === 0;

describe('ssh runtime: clock scripts under the local sh', function () {
  this.timeout(30_000);
  let dir: string;
  before(async function () {
    if (fakeClockUnavailable()) this.skip();
    dir = mkdtempSync(path.join(os.tmpdir(), 'fl-sshclock-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('finds libfaketime, writes +0, and a process under the clock\'s environment is offset', async () => {
    const setup = await sh(shCommand(CLOCK_SETUP_SCRIPT, [path.join(dir, 'clock')]));
    assert.equal(setup.code, 0, setup.stderr);
    assert.equal(setup.stdout.trim(), libfaketimePath());
    assert.equal(readFileSync(path.join(dir, 'clock'), 'utf8'), '+0\n');
    const env = fakeClockEnv({ shim: await waitShim(), libfaketime: setup.stdout.trim(), file: path.join(dir, 'clock.check') });
    const check = await sh(shCommand(CLOCK_CHECK_SCRIPT, [path.join(dir, 'clock.check'), await strobeProgram(), ...Object.entries(env).map(([k, v]) => `${k}=${v}`)]));
    const m = /^real (\d+) faked (\d+) strobe (\d+)$/m.exec(check.stdout);
    assert.ok(m, check.stdout + check.stderr);
    assert.ok(Math.abs(Number(m[2]) - Number(m[1]) - 100) <= 2, `faked ${m[2]} vs real ${m[1]}`);
    assert.equal(m[3], '2', 'the strobe program runs (and says its usage without arguments)');
    assert.equal(existsSync(path.join(dir, 'clock.check')), false, 'the check file is removed');
    const broken = await sh(shCommand(CLOCK_CHECK_SCRIPT, [path.join(dir, 'clock.check'), '/nonexistent/fl-strobe', 'LD_PRELOAD=/nonexistent/x.so']));
    assert.match(broken.stdout, /^real (\d+) faked \1 strobe 127$/m, 'without the preload nothing is offset, and a missing program is not 2');
  });

  it('writes an offset atomically', async () => {
    const file = path.join(dir, 'offset');
    assert.equal((await sh(shCommand(WRITE_OFFSET_SCRIPT, [file, '-0.25']))).code, 0);
    assert.equal(readFileSync(file, 'utf8'), '-0.25\n');
    assert.equal(existsSync(`${file}.tmp`), false);
  });

  it('the strobe flips the file on its own every period until stopped, then says how often and where it left it', async () => {
    const host = path.join(dir, 'n1');
    mkdirSync(host, { recursive: true });
    const file = path.join(dir, 'strobed');
    const log = path.join(dir, 'strobe.log');
    const started = await sh(shCommand(STROBE_START_SCRIPT, [host, await strobeProgram(), file, '+0', '+5', '10', '60', log]));
    const m = /^pid (\d+) (\d+)$/m.exec(started.stdout);
    assert.ok(m, started.stdout + started.stderr);
    // the first side was written before the strobe began; at a 10 ms period it may have flipped already
    assert.match(readFileSync(file, 'utf8'), /^\+[05]\n$/, 'a side is in force when the start returns');
    const seen = new Set<string>();
    await waitFor('both sides in the control file', 5000, () => (seen.add(readFileSync(file, 'utf8')), seen.size === 2), 3);
    assert.deepEqual([...seen].sort(), ['+0\n', '+5\n']);
    assert.equal((await runCommand('readlink', [`/proc/${m[1]}/cwd`])).stdout.trim(), host, 'it works in the host folder (a sweep finds it)');
    await new Promise((r) => setTimeout(r, 500));
    const stopped = await sh(shCommand(STROBE_STOP_SCRIPT, [m[1], m[2], log]));
    assert.equal(stopped.code, 0, stopped.stderr);
    const end = parseStrobeEnd(stopped.stdout);
    assert.ok(end && end.why === 'stopped', stopped.stdout);
    assert.ok(end.flips >= 20 && end.flips <= end.ms / 10 + 1, `${end.flips} flips in ${end.ms} ms at a 10 ms period`);
    assert.equal(readFileSync(file, 'utf8'), end.side ? '+5\n' : '+0\n', 'the side it reports is the one on the file');
    assert.ok(gone(Number(m[1])), 'gone');
    const again = await sh(shCommand(STROBE_STOP_SCRIPT, [m[1], m[2], log]));
    assert.deepEqual(parseStrobeEnd(again.stdout), end, 'stopping a strobe that is gone still reads its last line');
  });

  it('a strobe whose folder goes away ends by itself and says why', async () => {
    const folder = path.join(dir, 'gone');
    mkdirSync(folder);
    const log = path.join(dir, 'gone.log');
    const started = await sh(shCommand(STROBE_START_SCRIPT, [dir, await strobeProgram(), path.join(folder, 'clock'), '+0', '-1', '5', '60', log]));
    const pid = Number(/^pid (\d+)/m.exec(started.stdout)?.[1]);
    // gone at once by a rename (a recursive remove races the strobe's next write into the folder)
    renameSync(folder, `${folder}.removed`);
    await waitFor('the strobe to end', 5000, () => gone(pid));
    assert.match(parseStrobeEnd(readFileSync(log, 'utf8').trim().split('\n').pop()!)?.why ?? '', /No such file or directory/);
    assert.equal(parseStrobeEnd('flips 3 side 1 ms 31 (time limit)')?.side, 1);
    assert.equal(parseStrobeEnd('cannot write x'), undefined);
  });

  it('a machine fits the harness\'s builds only with the same architecture and a glibc at least as new', async () => {
    const build = await localClockBuild();
    assert.ok(build, 'cc builds here');
    const objdump = await runCommand('sh', ['-c', 'objdump -T "$1" "$2" | grep -o "GLIBC_[0-9.]*" | sort -t. -k2,2n | tail -n 1', 'sh', build.shim, build.strobe]);
    assert.equal(`GLIBC_${build.glibc.join('.')}`, objdump.stdout.trim().replace(/^(GLIBC_\d+\.\d+).*/, '$1'));
    assert.equal(await holds(prebuiltFits(build)), true);
    assert.equal(await holds(prebuiltFits({ machine: build.machine, glibc: [2, 99] })), false);
    assert.equal(await holds(prebuiltFits({ machine: build.machine, glibc: [3, 0] })), false);
    assert.equal(await holds(prebuiltFits({ machine: build.machine === 'aarch64' ? 'x86_64' : 'aarch64', glibc: [2, 0] })), false);
    assert.equal(prebuiltFits(undefined), 'false');
  });

  it('asks machines for libfaketime, and for cc and the C headers unless the harness\'s builds fit', async () => {
    const build = await localClockBuild();
    const needs = clockRequirements(build);
    assert.deepEqual(needs.map((n) => n.debian), ['libfaketime', 'gcc', 'libc6-dev']);
    for (const n of needs) assert.equal(await holds(n.test), true, `${n.what} holds here`);
    const foreign = clockRequirements({ machine: 'riscv64', glibc: [2, 34], shim: '', strobe: '' });
    assert.equal(await holds(foreign[1].test.replace('command -v cc', 'command -v fl-no-such-cc')), false, 'no cc and builds that do not fit: missing');
    assert.equal(await holds(needs[1].test.replace('command -v cc', 'command -v fl-no-such-cc')), true, 'no cc but builds that fit: fine');
    assert.match(needs[1].what, /^a C compiler \(cc\) for the clock's wait shim \(\S+ machines with glibc ≥ \d+\.\d+ take the harness machine's build instead\)$/);
    assert.deepEqual(featureRequirements({ clock: true, diskMb: 64 }, build).map((n) => n.what), [...needs, ...DISK_REQUIREMENTS].map((n) => n.what));
    assert.deepEqual(featureRequirements({}, build), []);
  });
});

describe('ssh runtime: disk scripts under the local sh', function () {
  this.timeout(30_000);
  let dir: string;
  before(async function () {
    if (process.getuid?.() !== 0 || (await runCommand('unshare', ['--version'])).code !== 0) this.skip();
    dir = mkdtempSync(path.join(os.tmpdir(), 'fl-sshdisk-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  /** Runs `script` in a mount namespace of its own: whatever it mounts never reaches this machine. */
  const privately = (script: string) => runCommand('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', script], { timeoutMs: 20_000 });

  it('mounts a size-limited tmpfs owned by the login, unmounts only faultline\'s own', async () => {
    const folder = path.join(dir, 'n1');
    mkdirSync(folder);
    const name = `fl-t${process.pid}-n1`;
    const script = [
      asRootCommand(true, MOUNT_SCRIPT, [folder, name, '4']),
      `findmnt -n -o SOURCE,FSTYPE,SIZE --mountpoint ${folder}`,
      `dd if=/dev/zero of=${folder}/fill bs=1M count=8 2>&1 | grep -o "No space left on device" | head -n 1`,
      `echo wrong: $(${asRootCommand(true, UNMOUNT_SCRIPT, [folder, 'fl-other'])} 2>&1; echo $?)`,
      `echo right: $(${asRootCommand(true, UNMOUNT_SCRIPT, [folder, name])}; echo $?)`,
      `findmnt --mountpoint ${folder} || echo "not mounted"`,
      `echo again: $(${asRootCommand(true, UNMOUNT_SCRIPT, [folder, name])}; echo $?)`,
    ].join('\n');
    const r = await privately(script);
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    assert.deepEqual(lines, [
      `${name} tmpfs 4M`,
      'No space left on device',
      `wrong: ${folder} has a mount that is not faultline's (${name}): left alone 1`,
      `right: unmounted ${folder} 0`,
      'not mounted',
      'again: 0',
    ], r.stderr);
    assert.equal(existsSync(path.join(folder, 'fill')), false, 'nothing reached this machine\'s own folder');
  });

  it('needs root (or sudo -n for mount) and findmnt; root has both here', async () => {
    for (const n of DISK_REQUIREMENTS) assert.equal(await holds(n.test), true, n.what);
    const nobody = await runCommand('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', DISK_REQUIREMENTS[0].test]);
    assert.notEqual(nobody.code, 0, 'an ordinary user without sudo cannot mount');
  });

  it('removes the host\'s folder, the harness folder beside it, and the run folder once empty', async () => {
    const run = path.join(dir, 'fl-run');
    for (const f of ['n1/data', 'n1.harness', 'n2']) mkdirSync(path.join(run, f), { recursive: true });
    writeFileSync(path.join(run, 'n1.harness', 'zookeeper.log'), 'x');
    assert.equal((await sh(shCommand(REMOVE_FOLDER_SCRIPT, [path.join(run, 'n1'), path.join(run, 'n1.harness'), run]))).code, 0);
    assert.equal(existsSync(path.join(run, 'n1.harness')) || existsSync(path.join(run, 'n1')), false);
    assert.equal(existsSync(path.join(run, 'n2')), true, 'another host\'s folder keeps the run folder');
    assert.equal((await sh(shCommand(REMOVE_FOLDER_SCRIPT, [path.join(run, 'n2'), path.join(run, 'n2.harness'), run]))).code, 0);
    assert.equal(existsSync(run), false);
  });
});
