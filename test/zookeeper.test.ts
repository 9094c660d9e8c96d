// The real ZooKeeper target and its client wrapper, on the default runtime (netns as root, local
// otherwise; FL_RUNTIME overrides): a 3-node ensemble starts and serves, its capabilities (leader,
// kill, restart, pause) act on the real JVMs, the client classifies outcomes as the workloads need,
// and stopping leaves no process behind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cleanup } from '../harness/cleanup.ts';
import { pidAlive } from '../harness/runtime/process.ts';
import { defaultRuntime, loadRuntime } from '../harness/runtime/registry.ts';
import type { Runtime, RuntimeKind } from '../harness/runtime/types.ts';
import { outcomeOf, ZkSession, type SessionEvent } from '../harness/clients/zk-client.ts';
import zookeeper, { pickLeader, type ZooKeeperEnsemble } from '../targets/zookeeper/index.ts';
import { parseSrvr } from '../targets/zookeeper/four-letter.ts';
import { zooCfg } from '../targets/zookeeper/config.ts';

const quiet = () => {};

describe('zookeeper target (unit)', () => {
  it('parses srvr answers, and a node that does not serve yields nothing', () => {
    const s = parseSrvr('Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nZxid: 0x200000003\nMode: leader\nNode count: 5\n');
    assert.deepEqual(s, { mode: 'leader', zxid: 0x200000003n, epoch: 2 });
    assert.equal(parseSrvr('This ZooKeeper instance is not currently serving requests\n'), undefined);
  });

  it('picks the leader of the newest epoch when a cut-off old leader still claims to lead', () => {
    const st = (mode: 'leader' | 'follower', epoch: number) => ({ mode, epoch, zxid: BigInt(epoch) << 32n });
    assert.equal(pickLeader(['n1', 'n2', 'n3'], [st('leader', 1), st('leader', 2), st('follower', 2)]), 'n2');
    assert.equal(pickLeader(['n1', 'n2'], [undefined, st('follower', 1)]), undefined);
  });

  it('writes one server line per node and the test timings into zoo.cfg', () => {
    const cfg = zooCfg({
      dataDir: '/d', clientAddress: '10.0.0.1', clientPort: 2181, tickTime: 500, initLimit: 10, syncLimit: 5,
      servers: [1, 2, 3].map((id) => ({ id, host: `10.0.0.${id}`, quorumPort: 2888, electionPort: 3888 })),
    });
    assert.match(cfg, /^server\.2=10\.0\.0\.2:2888:3888$/m);
    assert.match(cfg, /^tickTime=500$/m);
    assert.match(cfg, /^4lw\.commands\.whitelist=\*$/m);
    assert.match(cfg, /^admin\.enableServer=false$/m);
  });
});

describe('zookeeper target: 3-node ensemble @integration', function () {
  this.timeout(120_000);
  let cleanup: Cleanup;
  let runtime: Runtime;
  let zk: ZooKeeperEnsemble;
  let logDir: string;
  const pids: number[] = [];

  before(async () => {
    cleanup = new Cleanup();
    logDir = mkdtempSync(path.join(os.tmpdir(), 'fl-zktest-'));
    const kind = (process.env.FL_RUNTIME as RuntimeKind | undefined) ?? (await defaultRuntime(quiet));
    runtime = await (await loadRuntime(kind)).create({ hosts: zookeeper.hostNames(3, {}), logDir, cleanup, log: quiet });
    zk = await zookeeper.start({ runtime, hosts: runtime.hosts, options: {}, cleanup, log: quiet, startTimeoutMs: 60_000 });
    for (const n of zk.nodes) pids.push(zk.processOf(n)!.pid);
  });

  after(async () => {
    await cleanup?.runAll();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('serves: one leader, two followers, measured start time', async () => {
    assert.ok(zk.metrics.startMs > 0 && zk.metrics.startMs < 60_000, `startMs ${zk.metrics.startMs}`);
    const states = Object.values(await zk.states());
    assert.equal(states.filter((s) => s?.mode === 'leader').length, 1);
    assert.equal(states.filter((s) => s?.mode === 'follower').length, 2);
    assert.ok(zk.nodes.includes((await zk.leader())!));
  });

  it('client: ephemeral-sequential really is ephemeral; outcomes are classified', async () => {
    const events: SessionEvent[] = [];
    const a = await ZkSession.open({ connectString: await zk.connectString('n1'), onEvent: (e) => events.push(e) });
    const b = await ZkSession.open({ connectString: await zk.connectString('n2') });
    try {
      await a.ensurePath('/fl-test');
      const p = await a.create('/fl-test/e-', 'x', 'ephemeralSequential');
      assert.match(p, /^\/fl-test\/e-\d{10}$/);
      // b's server may not have applied a's create yet (ZooKeeper promises each session its own order,
      // not another's): a write of b's own comes after it in zxid order, so once it is answered b sees it
      const stale = await b.set('/fl-test', 'v', 0);
      const { stat } = await b.get(p);
      assert.notEqual(stat.ephemeralOwner, '0', 'created with the ephemeral flag');
      const gone = new Promise((resolve) => void b.exists(p, (ev) => resolve(ev)));
      a.close();
      assert.equal(await gone, 'deleted', 'watch fires when the owner session closes');
      assert.deepEqual(events, ['closed']);
      const bad = await b.set('/fl-test', 'w', stale.version - 1).catch((e: unknown) => e);
      assert.deepEqual(outcomeOf(bad), { type: 'fail', error: 'BadVersion' });
      assert.deepEqual(outcomeOf(await b.create('/fl-test', '').catch((e: unknown) => e)), { type: 'fail', error: 'NodeExists' });
    } finally {
      a.close();
      b.close();
    }
  });

  it('client notices a silent (SIGSTOPped) server: disconnected, then expired after resume', async () => {
    const leader = await zk.leader();
    const node = zk.nodes.find((n) => n !== leader)!;
    const events: { e: SessionEvent; t: number }[] = [];
    const t0 = performance.now();
    const s = await ZkSession.open({ connectString: await zk.connectString(node), sessionTimeoutMs: 2000, onEvent: (e) => events.push({ e, t: performance.now() - t0 }) });
    try {
      assert.equal(s.negotiatedTimeoutMs, 2000);
      await zk.pause(node);
      const waitFor = async (e: SessionEvent, ms: number) => {
        const end = performance.now() + ms;
        while (!events.some((x) => x.e === e) && performance.now() < end) await new Promise((r) => setTimeout(r, 50));
        return events.find((x) => x.e === e);
      };
      const lost = await waitFor('disconnected', 5000);
      assert.ok(lost, `disconnected within 5 s of the pause (events: ${JSON.stringify(events)})`);
      await new Promise((r) => setTimeout(r, 3000)); // past the session timeout: the leader expires it
      await zk.resume(node);
      assert.ok(await waitFor('expired', 15_000), `expired after resume (events: ${JSON.stringify(events)})`);
      assert.equal(s.isClosed, true);
      assert.deepEqual(outcomeOf(await s.get('/').catch((e: unknown) => e)), { type: 'fail', error: 'SessionExpired' });
    } finally {
      await zk.resume(node);
      s.close();
    }
  });

  it('kill a follower: the rest serves writes; restart: it serves again', async () => {
    const leader = (await zk.leader())!;
    const victim = zk.nodes.find((n) => n !== leader)!;
    const other = zk.nodes.find((n) => n !== leader && n !== victim)!;
    await zk.kill(victim);
    assert.equal(zk.processOf(victim)!.alive, false);
    const s = await ZkSession.open({ connectString: await zk.connectString(other) });
    try {
      await s.set('/fl-test', 'during-kill', -1);
    } finally {
      s.close();
    }
    await zk.restart(victim);
    pids.push(zk.processOf(victim)!.pid);
    const states = await zk.states();
    assert.ok(['leader', 'follower'].includes(states[victim]!.mode));
  });

  it('pause the leader: another node takes over; resume: the old one follows', async () => {
    const old = (await zk.leader())!;
    await zk.pause(old);
    const t0 = performance.now();
    let now: string | undefined;
    while (performance.now() - t0 < 30_000) {
      now = await zk.leader();
      if (now && now !== old) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(now && now !== old, `a new leader within 30 s (had ${old}, have ${now})`);
    await zk.resume(old);
  });

  it('stop leaves no ZooKeeper process behind', async () => {
    await zk.stop();
    await cleanup.runAll();
    for (const pid of pids) assert.equal(pidAlive(pid), false, `pid ${pid} still alive`);
  });
});
