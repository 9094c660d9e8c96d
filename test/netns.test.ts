// The netns runtime on the real kernel: namespaces, the bridge, the harness's own link, processes
// started inside, iptables partitions, the nemesis fault kinds on real processes, and a cleanup that
// leaves nothing behind. Needs root.
import assert from 'node:assert/strict';
import { readFileSync, statSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cleanup } from '../harness/cleanup.ts';
import { faultKinds, runNemesis, type NemesisEvent } from '../harness/nemesis/index.ts';
import type { FaultContext } from '../harness/nemesis/types.ts';
import { Rng } from '../harness/rng.ts';
import netns from '../harness/runtime/netns/index.ts';
import { leftoversOf } from '../harness/runtime/netns/leftovers.ts';
import type { NetnsHost } from '../harness/runtime/netns/host.ts';
import { pidAlive, pidStartTime, runCommand, waitFor } from '../harness/runtime/process.ts';
import type { Host, HostProcess, Runtime } from '../harness/runtime/types.ts';
import type { Cluster } from '../harness/target.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORT = 7000;
const LOG_DIR = '/tmp/faultline-test-netns-logs';

/** Connects from the harness; resolves with what the node says, rejects on refusal or silence. */
function ask(host: string, port: number, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d) => (data += d));
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(data);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Connects from inside `from`'s namespace to `to`; the answer, or undefined when cut/refused. */
async function askFrom(from: Host, to: Host): Promise<string | undefined> {
  const r = await from.exec('timeout', ['1', 'bash', '-c', `exec 3<>/dev/tcp/${to.address}/${PORT} && cat <&3`], { timeoutMs: 5000 });
  return r.code === 0 ? r.stdout : undefined;
}

/** A one-line TCP server that answers its host name and its pid. */
function startListener(host: Host): Promise<HostProcess> {
  const script = `require('net').createServer((s) => s.end('${host.name} ' + process.pid)).listen(${PORT}, '${host.address}', () => console.log('listening'))`;
  return host.spawn({ name: 'listener', command: process.execPath, args: ['-e', script] });
}

/** A small real system for the fault kinds: one listener per host, killable, pausable, restartable. */
class ListenerCluster implements Cluster {
  readonly target = 'listeners';
  readonly metrics = {};
  constructor(private readonly runtime: Runtime, readonly procs: Map<string, HostProcess>, private readonly leaderName: string | undefined) {}
  get nodes() {
    return this.runtime.hosts.map((h) => h.name);
  }
  async kill(node: string) {
    await this.procs.get(node)!.signal('SIGKILL');
    await this.procs.get(node)!.waitExit(5000);
  }
  async restart(node: string) {
    const host = this.runtime.host(node);
    this.procs.set(node, await startListener(host));
    await waitFor(`${node} listening again`, 10_000, () => ask(host.address, PORT));
  }
  pause = async (node: string) => this.procs.get(node)!.pause();
  resume = async (node: string) => this.procs.get(node)!.resume();
  leader = async () => this.leaderName;
  async stop() {
    for (const p of this.procs.values()) await p.stop();
  }
}

describe('netns runtime @integration', function () {
  this.timeout(60_000);
  let cleanup: Cleanup;
  let runtime: Runtime;
  const procs = new Map<string, HostProcess>();
  const spawned: { pid: number; start: number | undefined; name: string }[] = [];
  const log: string[] = [];

  before(async function () {
    const why = await netns.unavailable();
    if (why) this.skip();
    cleanup = new Cleanup();
    const t0 = performance.now();
    runtime = await netns.create({ hosts: ['n1', 'n2', 'n3'], logDir: LOG_DIR, cleanup, log: (l) => log.push(l) });
    console.log(`      netns create, 3 hosts: ${(performance.now() - t0).toFixed(0)} ms`);
    for (const h of runtime.hosts) {
      const p = await startListener(h);
      procs.set(h.name, p);
      spawned.push({ pid: p.pid, start: pidStartTime(p.pid), name: h.name });
    }
    for (const h of runtime.hosts) await waitFor(`${h.name} listening`, 10_000, () => ask(h.address, PORT));
  });

  after(async () => {
    await cleanup?.runAll();
  });

  it('gives each host a 10.77 address on its own subnet, conventional ports and a private folder', () => {
    const addresses = runtime.hosts.map((h) => h.address);
    assert.equal(new Set(addresses).size, 3);
    for (const [i, h] of runtime.hosts.entries()) {
      assert.match(h.address, new RegExp(`^10\\.77\\.\\d+\\.${i + 1}$`));
      assert.equal(h.port(2181), 2181);
      assert.ok(existsSync(h.dir) && h.dir.startsWith(`/tmp/fl-${runtime.runId}/`));
    }
    assert.match(runtime.runId, /^[0-9a-f]{4}$/);
  });

  it('the harness reaches every node at its endpoint', async () => {
    for (const h of runtime.hosts) {
      const { host, port } = await h.endpoint(PORT);
      assert.match(await ask(host, port), new RegExp(`^${h.name} \\d+$`));
    }
  });

  it('the pid is the daemon itself, inside its namespace, logging to the host log', () => {
    for (const h of runtime.hosts as NetnsHost[]) {
      const p = procs.get(h.name)!;
      assert.equal(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0')[0], process.execPath);
      const nsInode = statSync(`/run/netns/${h.namespace}`).ino;
      assert.equal(statSync(`/proc/${p.pid}/ns/net`).ino, nsInode, `${h.name}'s pid should live in ${h.namespace}`);
      assert.equal(p.logFile, `${LOG_DIR}/${h.name}-listener.log`);
      assert.match(readFileSync(p.logFile, 'utf8'), /listening/);
    }
  });

  it('nodes reach each other', async () => {
    const [n1, n2, n3] = runtime.hosts;
    const pairs = [[n1, n2], [n2, n1], [n1, n3], [n3, n1], [n2, n3], [n3, n2]];
    const answers = await Promise.all(pairs.map(([a, b]) => askFrom(a, b)));
    answers.forEach((answer, i) => assert.match(answer ?? 'CUT', new RegExp(`^${pairs[i][1].name} `), `${pairs[i][0].name} → ${pairs[i][1].name}`));
  });

  it('a partition cuts exactly the grudged links, both ways, spares the harness, and heal restores them', async () => {
    const [n1, n2, n3] = runtime.hosts;
    await runtime.network.partition({ n1: ['n2'] });
    const rules = await n1.exec('iptables-save', []);
    assert.match(rules.stdout, new RegExp(`--comment fl-${runtime.runId} -j DROP`));
    const [a12, a21, a13, a31, a23] = await Promise.all([askFrom(n1, n2), askFrom(n2, n1), askFrom(n1, n3), askFrom(n3, n1), askFrom(n2, n3)]);
    assert.equal(a12, undefined, 'n1 → n2 must be cut (n1 drops the answers)');
    assert.equal(a21, undefined, 'n2 → n1 must be cut');
    assert.match(a13 ?? 'CUT', /^n3 /);
    assert.match(a31 ?? 'CUT', /^n1 /);
    assert.match(a23 ?? 'CUT', /^n3 /);
    assert.match(await ask(n1.address, PORT), /^n1 /, 'the harness still reaches n1');
    assert.match(await ask(n2.address, PORT), /^n2 /, 'the harness still reaches n2');
    await runtime.network.heal();
    assert.match((await askFrom(n1, n2)) ?? 'CUT', /^n2 /);
    assert.match((await askFrom(n2, n1)) ?? 'CUT', /^n1 /);
  });

  it('pause stops the real process and resume lets it answer; SIGKILL ends it', async () => {
    const n3 = runtime.host('n3');
    const p = procs.get('n3')!;
    await p.pause();
    await waitFor('n3 to be stopped (state T)', 3000, () => /\) T /.test(readFileSync(`/proc/${p.pid}/stat`, 'utf8')), 20);
    await assert.rejects(ask(n3.address, PORT, 500), /no answer/);
    await p.resume();
    assert.match(await ask(n3.address, PORT), /^n3 /);
    await p.signal('SIGKILL');
    assert.deepEqual(await p.waitExit(5000), { code: null, signal: 'SIGKILL' });
    assert.equal(p.alive, false);
    await assert.rejects(ask(n3.address, PORT), /ECONNREFUSED/);
    procs.set('n3', await startListener(n3));
    spawned.push({ pid: procs.get('n3')!.pid, start: pidStartTime(procs.get('n3')!.pid), name: 'n3 again' });
    await waitFor('n3 listening again', 10_000, () => ask(n3.address, PORT));
  });

  it('fault kinds hit the real network and processes, and their end undoes them', async () => {
    const cluster = new ListenerCluster(runtime, procs, 'n2');
    const ctx: FaultContext = { cluster, runtime, rng: new Rng(1), log: (l) => log.push(l) };
    const [n1, n2] = runtime.hosts;

    const isolated = await faultKinds['partition-leader'].start(ctx, 0);
    assert.deepEqual(isolated.targets, ['n2']);
    assert.equal(await askFrom(n1, n2), undefined);
    assert.match(await ask(n2.address, PORT), /^n2 /);
    await isolated.end();
    assert.match((await askFrom(n1, n2)) ?? 'CUT', /^n2 /);

    const before = procs.get('n1')!.pid;
    const killed = await faultKinds.kill.start(ctx, 0); // pick 0 → the first node
    assert.deepEqual(killed.targets, ['n1']);
    assert.equal(pidAlive(before), false);
    await assert.rejects(ask(n1.address, PORT), /ECONNREFUSED/);
    await killed.end();
    const answer = await ask(n1.address, PORT);
    assert.match(answer, /^n1 \d+$/);
    assert.notEqual(answer, `n1 ${before}`, 'a restarted node has a new pid');
    spawned.push({ pid: procs.get('n1')!.pid, start: pidStartTime(procs.get('n1')!.pid), name: 'n1 again' });

    const noLeader = new ListenerCluster(runtime, procs, undefined);
    const paused = await faultKinds['pause-leader'].start({ ...ctx, cluster: noLeader }, 0.99);
    assert.deepEqual(paused.targets, ['n3']);
    assert.match(String(paused.detail), /not the leader/);
    await assert.rejects(ask(runtime.host('n3').address, PORT, 400), /no answer/);
    await paused.end();
    assert.match(await ask(runtime.host('n3').address, PORT), /^n3 /);
  });

  it('runNemesis records start/end pairs, and an abort ends what runs and heals', async () => {
    const cluster = new ListenerCluster(runtime, procs, 'n1');
    const ctx: FaultContext = { cluster, runtime, rng: new Rng(2), log: (l) => log.push(l) };
    const events: NemesisEvent[] = [];
    const controller = new AbortController();
    const schedule = [
      { kind: 'partition-ring', at: 0, duration: 300, pick: 0.1 },
      { kind: 'pause', at: 400, duration: 200, pick: 0.5 },
      { kind: 'partition-halves', at: 700, duration: 60_000, pick: 0.3 },
    ];
    const done = runNemesis(schedule, ctx, (e) => events.push(e), controller.signal);
    await waitFor('the third fault to start', 10_000, () => events.length >= 5);
    const [n1, n2, n3] = runtime.hosts;
    const cut = await Promise.all([askFrom(n1, n2), askFrom(n1, n3), askFrom(n2, n3)]);
    assert.ok(cut.some((a) => a === undefined), 'halves must cut some link');
    const t0 = Date.now();
    controller.abort();
    await done;
    assert.ok(Date.now() - t0 < 5000, 'abort ends the run promptly');
    assert.deepEqual(events.map((e) => `${e.f} ${e.value.fault} ${e.value.id}`), [
      'fault-start partition-ring 0', 'fault-end partition-ring 0',
      'fault-start pause 1', 'fault-end pause 1',
      'fault-start partition-halves 2', 'fault-end partition-halves 2',
    ]);
    assert.ok(events.every((e) => e.process === 'nemesis' && e.type === 'event'));
    assert.deepEqual(events[2].value.targets, ['n2']);
    const healed = await Promise.all([askFrom(n1, n2), askFrom(n1, n3), askFrom(n2, n3)]);
    assert.ok(healed.every((a) => a !== undefined), 'everything healed after the abort');
    for (const h of runtime.hosts) assert.match(await ask(h.address, PORT), new RegExp(`^${h.name} `));
  });

  it('cleanup leaves no namespace, link, rule, process, folder or ledger behind', async () => {
    const runId = runtime.runId;
    const t0 = performance.now();
    const errors = await cleanup.runAll();
    console.log(`      netns cleanup, 3 hosts with processes: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual(errors, []);
    assert.deepEqual(await leftoversOf(runId, spawned), []);
    for (const s of spawned) assert.equal(pidAlive(s.pid) && pidStartTime(s.pid) === s.start, false);
  });

  it('creates and removes 5 hosts (timed)', async () => {
    const c = new Cleanup();
    const t0 = performance.now();
    const rt = await netns.create({ hosts: ['n1', 'n2', 'n3', 'n4', 'n5'], logDir: LOG_DIR, cleanup: c, log: () => {} });
    const created = performance.now() - t0;
    await waitFor('n5 reachable', 5000, () => askFrom(rt.hosts[0], rt.hosts[4]).then(() => true));
    const t1 = performance.now();
    assert.deepEqual(await c.runAll(), []);
    console.log(`      netns create, 5 hosts: ${created.toFixed(0)} ms; cleanup: ${(performance.now() - t1).toFixed(0)} ms`);
    assert.deepEqual(await leftoversOf(rt.runId), []);
  });

  it('runs created at the same moment get their own subnets and cannot reach each other', async () => {
    const c = new Cleanup();
    try {
      const [a, b] = await Promise.all([1, 2].map(() => netns.create({ hosts: ['n1', 'n2'], logDir: LOG_DIR, cleanup: c, log: () => {} })));
      const subnet = (rt: Runtime) => rt.hosts[0].address.split('.').slice(0, 3).join('.');
      assert.notEqual(a.runId, b.runId);
      assert.notEqual(subnet(a), subnet(b));
      const probe = (from: Host, to: Host) => from.exec('timeout', ['1', 'bash', '-c', `exec 3<>/dev/tcp/${to.address}/9`], { timeoutMs: 5000 });
      const within = await probe(a.hosts[0], a.hosts[1]); // nothing listens: refused, but reachable
      assert.match(within.stderr, /Connection refused/);
      const across = await probe(a.hosts[0], b.hosts[1]);
      assert.match(across.stderr, /unreachable/i, across.stderr);
    } finally {
      assert.deepEqual(await c.runAll(), []);
    }
  });

  it('a create that fails half-way (out of file descriptors) undoes what it built and keeps the error', async () => {
    // a child with few file descriptors: building 12 hosts in parallel runs out while namespaces exist.
    // The child lowers its own limit once everything it needs is loaded (what tsx and the loader hold
    // varies from one start to the next), to a fixed headroom above what it holds: 12 parallel host
    // builds run out, the undo one by one does not. Node keeps the pipes of a spawn that failed with
    // EMFILE half-way, so the child lifts its limit again before it looks for leftovers itself.
    const code = `
      import { readdirSync, watch } from 'node:fs';
      import netns from '${ROOT}/harness/runtime/netns/index.ts';
      import { Ledger } from '${ROOT}/harness/runtime/ledger.ts';
      import { leftoversOf } from '${ROOT}/harness/runtime/netns/leftovers.ts';
      import { Cleanup } from '${ROOT}/harness/cleanup.ts';
      import { runChecked } from '${ROOT}/harness/runtime/process.ts';
      const ids = [];
      const claim = Ledger.claim.bind(Ledger);
      Ledger.claim = (runId, kind) => { const l = claim(runId, kind); if (l) ids.push(runId); return l; }; // to learn the run id
      const created = new Set();
      const watcher = watch('/run/netns', (_, name) => name && created.add(String(name)));
      const limit = async (soft) => runChecked('prlimit', ['--pid', String(process.pid), '--nofile=' + soft + ':'], { timeoutMs: 10_000 });
      const held = readdirSync('/proc/self/fd').length;
      await limit(held + 26);
      const cleanup = new Cleanup();
      let error = '';
      let undoErrors = [];
      try {
        await netns.create({ hosts: Array.from({ length: 12 }, (_, i) => 'n' + (i + 1)), logDir: '${LOG_DIR}', cleanup, log: () => {} });
      } catch (err) {
        error = String(err);
      } finally {
        undoErrors = await cleanup.runAll();
        watcher.close();
      }
      await limit(4096);
      const made = [...created].filter((n) => n.startsWith('fl-' + ids[0] + '-'));
      console.log(JSON.stringify({ error, undoErrors, runId: ids[0], made, left: await leftoversOf(ids[0]) }));
    `;
    const r = await runCommand(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { error: string; undoErrors: string[]; runId: string; made: string[]; left: string[] };
    assert.match(out.error, /EMFILE/, 'the original error comes back');
    assert.ok(out.made.length >= 2, `some namespaces existed before the failure: ${out.made.join(', ')}`);
    assert.deepEqual(out.undoErrors, []);
    assert.deepEqual(out.left, []);
    assert.deepEqual(await leftoversOf(out.runId), []);
  });

  it('refuses bad host lists before creating anything', async () => {
    const c = new Cleanup();
    const before = await leftoversOf();
    for (const hosts of [['n1', 'bad name'], ['n1', 'n1'], ['n1', 'br'], []]) {
      await assert.rejects(netns.create({ hosts, logDir: LOG_DIR, cleanup: c, log: () => {} }), /host/);
    }
    assert.deepEqual(await c.runAll(), []);
    const after = await leftoversOf();
    assert.deepEqual(after.filter((l) => !before.includes(l) && !/namespace|link/.test(l)), []);
  });
});
