// @integration: seeded schedules and shrinking through the real pipeline — real ZooKeeper on the
// local runtime (no root needed), the `faultline scenario` command, result.json. zk-register passes
// with exactly the schedule its seed plans; a deliberately broken client's violation is found,
// replayed by the printed command with a byte-identical schedule, and shrunk (faults, clients, time)
// to a smaller run that still fails when replayed by its own printed command.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planFaults } from '../harness/nemesis/arbitrary.ts';
import { planSchedule } from '../harness/nemesis/index.ts';
import { Rng } from '../harness/rng.ts';
import zkRegister from '../scenarios/zk-register.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const CLI = new URL('../bin/faultline.js', import.meta.url).pathname;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command line from the repository root (bounded), as a user would type it. */
function sh(command: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGTERM');
      reject(new Error(`'${command}' did not finish within ${timeoutMs / 1000} s\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const line = (out: string, prefix: string): string => {
  const found = out.split('\n').find((l) => l.startsWith(prefix));
  assert.ok(found, `no '${prefix}' line in:\n${out}`);
  return found.slice(prefix.length).trim();
};

const resultOf = (out: string) => {
  const dir = line(out, 'ops ').replace(/.*run folder /, '');
  return { dir, result: JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) };
};

describe('@integration seeded schedules and --shrink on the local runtime (real ZooKeeper)', function () {
  this.timeout(600_000);
  let scratch: string;
  const outs: string[] = [];

  before(function () {
    if (!existsSync('/usr/share/java/zookeeper.jar')) this.skip();
    scratch = mkdtempSync(path.join(tmpdir(), 'fl-test-shrink-'));
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    for (const d of outs) rmSync(d, { recursive: true, force: true });
  });

  it('zk-register passes on --runtime local with exactly the schedule its seed plans', async () => {
    const seed = 4242;
    const ran = await sh(`${process.execPath} ${CLI} scenario zk-register --runtime local --seed ${seed} --time-limit 16`, 180_000);
    const { dir, result } = resultOf(ran.stdout);
    outs.push(dir);
    assert.equal(ran.code, 0, `zk-register failed on local:\n${ran.stdout}\n${ran.stderr.slice(-3000)}`);
    const n = zkRegister.nemesis!;
    const planned = planSchedule(new Rng(seed).fork('schedule'), {
      faults: n.faults, interval: n.interval, duration: n.duration, timeLimitMs: 16_000, quietMs: (n.quiet ?? 1) * 1000,
    });
    assert.ok(planned.length > 0);
    assert.equal(JSON.stringify(result.schedule), JSON.stringify(planned));
  });

  it('a violation is found, replayed by its printed command, and shrunk to a smaller run that still fails', async () => {
    // a broken client (reads from its cache) under a few seeded faults
    const faults = planFaults(7, { faults: ['partition-one', 'pause'], interval: [0.5, 1], duration: [1, 1.5], timeLimitMs: 7000, quietMs: 1000 });
    assert.ok(faults.length >= 2, JSON.stringify(faults));
    const scheduleFile = path.join(scratch, 'faults.json');
    writeFileSync(scheduleFile, JSON.stringify(faults));
    const first = await sh(`${process.execPath} ${CLI} scenario zk-register-broken --runtime local --seed 99 --time-limit 7 --schedule ${scheduleFile} --shrink --shrink-attempts 3`, 400_000);
    const { dir, result } = resultOf(first.stdout);
    outs.push(dir);
    assert.equal(first.code, 1, `expected a violation (exit 1):\n${first.stdout}\n${first.stderr.slice(-3000)}`);
    assert.equal(line(first.stdout, 'seed 99; fault schedule:'), JSON.stringify(faults));
    assert.deepEqual(result.schedule, faults);

    // the shrunk run: smaller, recorded in result.json next to the original
    const shrink = result.shrink;
    assert.ok(shrink.attempts.length >= 1 && shrink.attempts.length <= 3);
    for (const a of shrink.attempts) outs.push(a.dir);
    const size = (s: { schedule: unknown[]; concurrency: number; timeLimit: number }) => [s.schedule.length, s.concurrency, s.timeLimit];
    console.log(`      shrunk ${JSON.stringify(size(shrink.original))} → ${JSON.stringify(size(shrink.shrunk))} (faults, clients, seconds) in ${shrink.attempts.length} attempts: ${shrink.attempts.map((a: { change: string; failed: boolean }) => `${a.change} (${a.failed ? 'still fails' : 'passes'})`).join('; ')}`);
    assert.deepEqual(result.shrunkSchedule, shrink.shrunk.schedule);
    assert.ok(size(shrink.shrunk).every((v, i) => v <= size(shrink.original)[i]) && size(shrink.shrunk).some((v, i) => v < size(shrink.original)[i]), 'shrunk run is not smaller');
    assert.ok(shrink.shrunk.schedule.length < faults.length, 'the broken reads fail without faults, so faults must be dropped');

    // replay the original by its printed command: same schedule, same verdict
    const replay = await sh(line(first.stdout, 'replay:'), 180_000);
    const again = resultOf(replay.stdout);
    outs.push(again.dir);
    assert.equal(replay.code, 1, replay.stdout);
    assert.equal(JSON.stringify(again.result.schedule), JSON.stringify(result.schedule));

    // replay the shrunk run by its printed command: its schedule, still failing
    const shrunkReplay = await sh(line(first.stdout, 'replay the shrunk run:'), 180_000);
    const shrunkAgain = resultOf(shrunkReplay.stdout);
    outs.push(shrunkAgain.dir);
    assert.equal(shrunkReplay.code, 1, `the shrunk run no longer fails:\n${shrunkReplay.stdout}`);
    assert.equal(JSON.stringify(shrunkAgain.result.schedule), JSON.stringify(shrink.shrunk.schedule));
  });
});
