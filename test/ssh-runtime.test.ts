// `--runtime ssh` end to end, through the CLI, against real sshd servers: six netns machines (fl-
// namespaces on a reserved 10.77.k.0/24), each running its own sshd with a host key, an authorized
// key and a config made for this test (test/support/sshd.ts); the sixth lacks ZooKeeper. Real
// ZooKeeper ensembles of 3 and 5 and a real uWSGI/nginx stack run on them under partitions (fl-
// chains on the machines), kills, a pause and kill-all, and must be valid with nothing left on any
// machine; a broken scenario exits 1; clock faults (libfaketime on the machines, a strobe running
// there) and disk faults (a tmpfs mounted over the host's folder) work as on netns — a daemon sees
// each offset, full disks catch zk-lite's ignore-enospc bug; a SIGKILLed harness (mid-strobe, with
// full disks and a partition) is cleaned up by `faultline clean`; bad input is one line, exit 2, with
// nothing started anywhere.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';
import { NEMESIS, type FaultValue, type Op } from '../harness/history/op.ts';
import { Cleanup } from '../harness/cleanup.ts';
import { Ledger, ledgerDir } from '../harness/runtime/ledger.ts';
import netns from '../harness/runtime/netns/index.ts';
import ssh from '../harness/runtime/ssh/index.ts';
import type { Host } from '../harness/runtime/types.ts';
import { runCommand, waitFor } from '../harness/runtime/process.ts';
import { sshLeftovers, startSshdMachines, type SshdMachines } from './support/sshd.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = ['--import', 'tsx', path.join(ROOT, 'harness/cli.ts')];

const runIdOf = (stderr: string): string => {
  const id = /ssh run ([0-9a-f]{4}):/.exec(stderr)?.[1];
  assert.ok(id, `no ssh run id in:\n${stderr.slice(-2000)}`);
  return id;
};

const faultsStarted = (out: string): string[] =>
  readFileSync(path.join(out, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Op)
    .filter((o) => o.process === NEMESIS && o.f === 'fault-start').map((o) => (o.value as FaultValue).fault);

describe('ssh runtime against sshd machines @integration', function () {
  this.timeout(120_000);
  let m: SshdMachines;
  let work: string;
  const three = () => m.machines.slice(0, 3).map((x) => `root@${x.address}`).join(',');

  before(async function () {
    if (await netns.unavailable()) this.skip();
    assert.ok(existsSync('/usr/sbin/sshd'), 'the ssh runtime tests need sshd: install openssh-server (scripts/setup-system.sh does)');
    this.timeout(60_000);
    m = await startSshdMachines(['m1', 'm2', 'm3', 'm4', 'm5', 'm6'], { withoutJava: ['m6'], logDir: '/tmp/faultline-test-sshd-logs' });
    work = path.join(path.dirname(m.keyFile), 'work');
    mkdirSync(work);
  });

  after(async function () {
    this.timeout(60_000);
    if (m) assert.deepEqual(await m.stop(), []);
  });

  const scenario = (args: string[], timeoutMs = 110_000) => runCommand(process.execPath, [...CLI, 'scenario', ...args], { timeoutMs, cwd: ROOT });
  const outDir = (name: string) => path.join(work, name);

  /** Nothing of the run on any machine, and no ledger left. */
  async function assertNothingLeft(runId: string): Promise<void> {
    // the resident shells end once they read the end of their input, moments after the harness exits
    await waitFor('the run\'s resident shells to end', 5000, async () => (await sshLeftovers(runId, m)).length === 0, 100).catch(() => {});
    assert.deepEqual(await sshLeftovers(runId, m), []);
    assert.equal(existsSync(path.join(ledgerDir(), `${runId}.json`)), false, 'the run removed its ledger');
  }

  it('zk-register on 3 machines: partition, kill and leader isolation — valid, logs fetched, nothing left', async () => {
    const out = outDir('zk3');
    const r = await scenario(['zk-register', '--hosts', three(), '--ssh-key', m.keyFile, '--seed', '11', '--time-limit', '12', '--schedule', path.join(ROOT, 'test/fixtures/ssh-3-schedule.json'), '--out', out]);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    assert.match(r.stdout, /^VALID: linearizable/m);
    assert.deepEqual(faultsStarted(out), ['partition-halves', 'kill', 'partition-leader']);
    assert.match(r.stderr, /ssh partitions: [4-9] changes, applied on every machine in median \d+ ms/);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    assert.equal(result.runtime, 'ssh');
    assert.match(result.replay, new RegExp(`--runtime ssh --hosts ${three().replace(/\./g, '\\.')} --ssh-key `));
    for (const n of ['n1', 'n2', 'n3']) assert.ok(statSync(path.join(out, 'logs', `${n}-zookeeper.log`)).size > 1000, `${n}'s ZooKeeper log came back`);
    assert.match(readFileSync(path.join(out, 'logs', 'known_hosts'), 'utf8'), new RegExp(`^${m.machines[0].address} ssh-ed25519 `, 'm'));
    await assertNothingLeft(runIdOf(r.stderr));
  });

  it('zk-register on 5 machines: a ring partition with a pause inside it, then kill-all — valid, nothing left', async () => {
    const out = outDir('zk5');
    const schedule = path.join(ROOT, 'test/fixtures/ssh-5-schedule.json');
    const hosts = m.hostsFile(m.machines.slice(0, 5).map((x, i) => `root@${x.address} n${5 - i}`), 'five.txt');
    const r = await scenario(['zk-register', '--nodes', '5', '--hosts-file', hosts, '--ssh-key', m.keyFile, '--seed', '12', '--time-limit', '9', '--schedule', schedule, '--out', out]);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    assert.deepEqual(faultsStarted(out), ['partition-ring', 'pause', 'kill-all']);
    assert.match(r.stderr, new RegExp(`n1=root@${m.machines[4].address.replace(/\./g, '\\.')}:22`), 'named lines take their roles');
    await assertNothingLeft(runIdOf(r.stderr));
  });

  it('uwsgi-harakiri on 2 machines (nginx, app): valid, nginx and uWSGI logs fetched, nothing left', async () => {
    const out = outDir('harakiri');
    const r = await scenario(['uwsgi-harakiri', '--hosts', three(), '--ssh-key', m.keyFile, '--seed', '13', '--time-limit', '8', '--out', out]);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    assert.match(r.stdout, /ok {3}harakiri: \d+ request\(s\) killed by harakiri/);
    for (const f of ['app-uwsgi.log', 'nginx-nginx.log', 'nginx/logs/access.log']) assert.ok(existsSync(path.join(out, 'logs', f)), `${f} came back`);
    await assertNothingLeft(runIdOf(r.stderr));
  });

  it('zk-register-broken exits 1 over ssh too', async () => {
    const out = outDir('broken');
    const r = await scenario(['zk-register-broken', '--hosts', three(), '--ssh-key', m.keyFile, '--seed', '3', '--time-limit', '4', '--out', out]);
    assert.equal(r.code, 1, `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    assert.match(r.stdout, /INVALID: not linearizable/);
    await assertNothingLeft(runIdOf(r.stderr));
  });

  it('clock and disk on 3 machines: a daemon there sees each offset and the strobe, a disk fills to ENOSPC and frees, nothing left', async () => {
    const cleanup = new Cleanup();
    const lines: string[] = [];
    let runId = '';
    try {
      const rt = await ssh.create({ hosts: ['n1', 'n2', 'n3'], logDir: outDir('direct'), cleanup, log: (l) => lines.push(l), features: { clock: true, diskMb: 8 }, ssh: { hosts: three(), key: m.keyFile } });
      runId = rt.runId;
      const [n1, n2] = [rt.host('n1'), rt.host('n2')];
      // every 20 ms, how far the daemon's wall clock is from the kernel's (a file's mtime: file times are not faked), in whole seconds
      const seen = `${n1.dir}/seen`;
      const probe = `const fs=require('fs');const f=${JSON.stringify(seen)};setInterval(()=>{fs.writeFileSync(f+'.t','');fs.appendFileSync(f,Math.round((Date.now()-fs.statSync(f+'.t').mtimeMs)/1000)+'\\n')},20)`;
      await n1.spawn({ name: 'clock-probe', command: process.execPath, args: ['-e', probe] });
      const lastSeen = async (n: number) => (await n1.exec('tail', ['-n', String(n), seen])).stdout.trim().split('\n').filter(Boolean).map(Number);
      const settled = (offset: number) => waitFor(`the daemon on n1 to see ${offset} s`, 5000, async () => {
        const xs = await lastSeen(3);
        return xs.length === 3 && xs.every((x) => x === offset);
      }, 50);
      await settled(0);
      await n1.clock!.set(60_000);
      await settled(60);
      await n1.clock!.set(0);
      await settled(0);
      // what the daemon saw from the strobe's start on (not the last samples: on a loaded machine the
      // stop's round trip may outlast them, and the strobe's last side is 0 too)
      const seenBefore = Number.parseInt((await n1.exec('wc', ['-l', seen])).stdout, 10);
      const sinceStrobe = async () => new Set((await n1.exec('tail', ['-n', `+${seenBefore + 1}`, seen])).stdout.trim().split('\n').filter(Boolean).map(Number));
      const strobe = await n1.clock!.strobe(0, 5000, 10);
      await new Promise((r) => setTimeout(r, 700));
      await waitFor('the daemon on n1 to see both sides of the strobe', 5000, async () => (await sinceStrobe()).size >= 2, 50);
      const { flips, offsetMs } = await strobe.stop();
      assert.deepEqual([...await sinceStrobe()].sort(), [0, 5], 'the daemon saw both sides of the strobe, and nothing else');
      assert.ok(flips >= 20, `${flips} flips in ~700 ms at a 10 ms period`);
      assert.equal(n1.clock!.offsetMs, offsetMs);
      await n1.clock!.set(0);

      assert.match((await n2.exec('findmnt', ['-n', '-o', 'SOURCE,SIZE', '--mountpoint', n2.dir])).stdout, new RegExp(`^fl-${runId}-n2 +8M$`, 'm'));
      const write = (h: Host) => h.exec('dd', ['if=/dev/zero', `of=${h.dir}/more`, 'bs=4k', 'count=1']);
      const { bytes } = await n2.disk!.fill();
      assert.ok(bytes > 7 * 2 ** 20, `filled ${bytes} bytes of 8 MiB`);
      assert.match((await write(n2)).stderr, /No space left on device/);
      assert.equal((await write(rt.host('n3'))).code, 0, 'the other machines have room');
      await n2.disk!.free();
      assert.equal((await write(n2)).code, 0, 'room again once freed');
    } finally {
      assert.deepEqual(await cleanup.runAll(), []);
    }
    assert.match(lines.join('\n'), /ssh clocks: 4 changes, on the machine in median \d+ ms/);
    assert.match(lines.join('\n'), /ssh clock strobes: 1, \d+ flips in \d+\.\d s \(\d+ flips\/s\)/); // ~0.7 s; longer when the stop is slow on a loaded machine
    assert.match(lines.join('\n'), /ssh disks: 1 filled in median \d+ ms, max \d+ ms; freed in median \d+ ms/);
    await assertNothingLeft(runId);
  });

  it('zk-register-clock on 3 machines: the leader\'s clock strobing, a follower\'s stepped 60 s — valid, not felt, nothing left', async () => {
    const out = outDir('clock');
    const r = await scenario(['zk-register-clock', '--hosts', three(), '--ssh-key', m.keyFile, '--seed', '14', '--time-limit', '6', '--schedule', path.join(ROOT, 'test/fixtures/ssh-clock-schedule.json'), '--out', out]);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    assert.deepEqual(faultsStarted(out), ['clock-strobe-leader', 'clock-jump']);
    assert.match(r.stdout, /ok {3}clock-faults: 2 clock faults applied, none felt/);
    assert.match(r.stdout, /ok {3}session-expiry: no session expired/);
    // the fault's 2 s, and what the stop over ssh adds on a loaded machine (3.1 s seen in a CI run)
    const strobeS = Number(/ssh clock strobes: 1, \d+ flips in (\d+\.\d) s/.exec(r.stderr)?.[1]);
    assert.ok(strobeS >= 1 && strobeS < 10, `strobe lasted ${strobeS} s:\n${r.stderr.slice(-1500)}`);
    assert.ok(existsSync(path.join(out, 'logs', 'n1-zookeeper.log')), 'the daemons\' logs come from the harness folder');
    await assertNothingLeft(runIdOf(r.stderr));
  });

  it('zk-register-disk-full on 3 machines: full disks and a power loss catch zk-lite\'s ignore-enospc bug, nothing left', async () => {
    const out = outDir('disk');
    const r = await scenario(['zk-register-disk-full', '--target', 'zk-lite:bug=ignore-enospc', '--hosts', three(), '--ssh-key', m.keyFile, '--seed', '1', '--time-limit', '13', '--schedule', path.join(ROOT, 'test/fixtures/ssh-disk-schedule.json'), '--out', out]);
    assert.equal(r.code, 1, `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    assert.match(r.stdout, /INVALID: not linearizable/);
    assert.deepEqual(faultsStarted(out), ['disk-full-leader', 'disk-full-all', 'kill-all']);
    assert.match(r.stderr, /ssh disks: 4 filled in median \d+ ms/);
    await assertNothingLeft(runIdOf(r.stderr));
  });

  it('a SIGKILLed harness leaves chains, mounts, daemons, a strobe and its folder on every machine; faultline clean removes them all', async () => {
    const out = outDir('killed');
    const child = spawn(process.execPath, [...CLI, 'scenario', 'zk-register-disk-full', '--hosts', three(), '--ssh-key', m.keyFile, '--time-limit', '30', '--schedule', path.join(ROOT, 'test/fixtures/ssh-kill-schedule.json'), '--out', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor('the disks to be full, with a partition and a strobe on', 60_000, () => stderr.includes('disk-full-all #2 started'), 50);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const runId = runIdOf(stderr);
    const left = await sshLeftovers(runId, m);
    for (const what of ['m1: iptables -A INPUT', 'm2: iptables -A INPUT', 'm3: iptables -A INPUT', `m1: mount fl-${runId}-n1 `, `m2: mount fl-${runId}-n2 `, `m3: mount fl-${runId}-n3 `, 'process', `folder /tmp/fl-${runId}`]) {
      assert.ok(left.some((l) => l.startsWith(what)), `a killed run leaves ${what}; found:\n${left.join('\n')}`);
    }
    const ledger = JSON.parse(readFileSync(path.join(ledgerDir(), `${runId}.json`), 'utf8'));
    const strobe = ledger.state.machines.flatMap((x: { processes: { pid: number; name: string }[] }) => x.processes).find((p: { name: string }) => p.name.endsWith('/clock-strobe'));
    assert.ok(strobe, 'the strobe is in the ledger');
    const clean = await runCommand(process.execPath, [...CLI, 'clean'], { timeoutMs: 60_000, cwd: ROOT });
    assert.equal(clean.code, 0, clean.stderr);
    for (const n of ['n1', 'n2', 'n3']) {
      const said = new RegExp(`ssh: ${n} \\(root@[0-9.]+:22\\) of run ${runId}: `);
      assert.match(clean.stdout, new RegExp(`${said.source}removed iptables chain fl-${runId}`));
      assert.match(clean.stdout, new RegExp(`${said.source}unmounted fl-${runId}-${n} from /tmp/fl-${runId}/${n}`));
    }
    // (a ZooKeeper whose disk filled may have exited by itself already: there is not a daemon to kill on every machine)
    assert.match(clean.stdout, new RegExp(`: killed ${strobe.pid} \\(recorded daemon\\)`), 'the strobe was killed');
    assert.ok(existsSync(path.join(out, 'logs', 'n1-zookeeper.log')), 'clean fetched the logs of the killed run into its folder');
    await assertNothingLeft(runId);
  });

  it('bad input is one line and exit 2, with nothing started on any machine', async () => {
    const remote = path.join(work, 'remote');
    mkdirSync(remote);
    const [a, b, c, , , f] = m.machines.map((x) => `root@${x.address}`);
    const wrongKey = path.join(work, 'wrong_key');
    writeFileSync(wrongKey, ssh2.utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
    const cases: [string, string[], RegExp][] = [
      ['unreachable', ['--hosts', `${a},${b},${b.replace(/\.\d+$/, '.99')}`], /^faultline: cannot reach n3 \(root@10\.77\.\d+\.99:22\): (EHOSTUNREACH|no TCP connection within)/],
      ['no sshd there', ['--hosts', `${a},${b}:2222,${c}`], /^faultline: cannot reach n2 \(root@[0-9.]+:2222\): ECONNREFUSED$/],
      ['wrong key', ['--hosts', `${a},${b},${c}`, '--ssh-key', wrongKey], /^faultline: n1 \(root@[0-9.]+:22\) refused the key .*wrong_key \(is its public key in the user's authorized_keys\?\)/],
      ['no ZooKeeper', ['--hosts', `${a},${b},${f}`], /^faultline: n3 \(root@[0-9.]+:22\) lacks the ZooKeeper jar \/usr\/share\/java\/zookeeper\.jar, the slf4j logging binding \/usr\/share\/java\/slf4j-simple\.jar; run with --install \(apt-get install libzookeeper-java libslf4j-java\) or install them$/],
      ['no libfaketime', ['zk-register-clock', '--hosts', `${a},${b},${f}`], /^faultline: n3 \(root@[0-9.]+:22\) lacks Debian's libfaketime \(clock faults\), the ZooKeeper jar .*; run with --install \(apt-get install libfaketime libzookeeper-java libslf4j-java\) or install them$/],
      ['duplicate line', ['--hosts-file', m.hostsFile([a, b, `${a}:22`], 'dup.txt')], /^faultline: .*dup\.txt:4: 10\.77\.\d+\.\d+:22 is listed twice \(also .*dup\.txt:2\)$/],
      ['malformed line', ['--hosts-file', m.hostsFile([a, `${b} n2 n3`, c], 'bad.txt')], /^faultline: .*bad\.txt:3: unexpected 'n3' \(a line is: \[user@\]host\[:port\] \[name\] \[address=IP\]\)$/],
    ];
    const ledgersBefore = Ledger.list().filter((l) => l.data.kind === 'ssh').length;
    const results = await Promise.all(cases.map(([name, args]) =>
      scenario([...(args[0].startsWith('-') ? ['zk-register'] : []), ...args, ...(args.includes('--ssh-key') ? [] : ['--ssh-key', m.keyFile]), '--remote-dir', remote, '--time-limit', '3', '--out', outDir(`bad-${name.replace(/ /g, '-')}`)], 60_000)));
    results.forEach((r, i) => {
      const [name, , expected] = cases[i];
      const errors = r.stderr.trim().split('\n').filter((l) => !/^faultline: zk-register(-clock)? on zookeeper \(ssh\), seed/.test(l));
      assert.equal(r.code, 2, `${name}: exit ${r.code}\n${r.stderr}`);
      assert.equal(errors.length, 1, `${name}: one line on stderr, got:\n${r.stderr}`);
      assert.match(errors[0], expected, name);
    });
    assert.deepEqual(readdirSync(remote), [], 'no run folder was made on any machine');
    for (const x of m.machines) {
      const rules = await runCommand('ip', ['netns', 'exec', x.host.namespace, 'iptables-save'], { timeoutMs: 10_000 });
      assert.doesNotMatch(rules.stdout, /fl-/, `no chain on ${x.name}`);
    }
    assert.equal(Ledger.list().filter((l) => l.data.kind === 'ssh').length, ledgersBefore, 'no ledger left behind');
  });
});
