// @integration: real ZooKeeper on the local runtime (plain processes on loopback, every quorum and
// client link through the proxy). A partition through the proxy must really cut the minority off —
// a client of the isolated old leader gets no write through while the majority elects a new leader
// and accepts writes — and heal must bring the old leader back. Needs Java and the Debian zookeeper
// package, no root.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cleanup } from '../harness/cleanup.ts';
import local from '../harness/runtime/local/index.ts';
import { isolate } from '../harness/net/grudge.ts';
import type { Runtime } from '../harness/runtime/types.ts';
import zookeeper, { type ZooKeeperEnsemble } from '../targets/zookeeper/index.ts';
import { ZkSession } from '../harness/clients/zk-client.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tries a create until one succeeds or `ms` pass; returns ms until success, or undefined. */
async function firstWrite(session: ZkSession, prefix: string, ms: number): Promise<number | undefined> {
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < ms) {
    try {
      await session.create(`${prefix}-${i++}`, 'x');
      return performance.now() - t0;
    } catch {
      await sleep(200);
    }
  }
  return undefined;
}

describe('@integration local runtime: ZooKeeper through proxied links', function () {
  this.timeout(120_000);
  let cleanup: Cleanup;
  let runtime: Runtime;
  let zk: ZooKeeperEnsemble;
  let logDir: string;
  const sessions: ZkSession[] = [];

  before(async function () {
    if (!existsSync('/usr/share/java/zookeeper.jar')) this.skip();
    cleanup = new Cleanup();
    logDir = mkdtempSync(path.join(tmpdir(), 'fl-test-localzk-'));
    runtime = await local.create({ hosts: zookeeper.hostNames(3, {}), logDir, cleanup, log: () => {} });
    const t0 = performance.now();
    zk = await zookeeper.start({ runtime, hosts: runtime.hosts, options: {}, cleanup, log: () => {}, startTimeoutMs: 60_000 });
    console.log(`      3-node quorum serving through the proxies after ${Math.round(performance.now() - t0)} ms`);
  });

  after(async () => {
    for (const s of sessions) s.close();
    const errors = (await cleanup?.runAll()) ?? [];
    if (logDir) rmSync(logDir, { recursive: true, force: true });
    assert.deepEqual(errors, []);
  });

  it('isolating the leader stops the minority\'s writes, the majority elects and writes, heal restores', async () => {
    const leader = await zk.leader();
    assert.ok(leader, 'no leader before the partition');
    const other = zk.nodes.find((n) => n !== leader)!;
    const open = async (node: string) => {
      const s = await ZkSession.open({ connectString: await zk.connectString(node), sessionTimeoutMs: 10_000, connectTimeoutMs: 10_000, callTimeoutMs: 1500 });
      sessions.push(s);
      return s;
    };
    const minority = await open(leader);
    const majority = await open(other);
    await minority.create('/fl-minority', 'x');

    const cutAt = performance.now();
    await runtime.network.partition(isolate(zk.nodes, leader));
    const majorityMs = await firstWrite(majority, '/fl-majority', 20_000);
    const minorityMs = await firstWrite(minority, '/fl-minority/w', 6_000);
    console.log(`      leader ${leader} isolated: majority's first write after ${majorityMs?.toFixed(0)} ms; minority wrote ${minorityMs === undefined ? 'nothing in 6 s' : `after ${minorityMs.toFixed(0)} ms`}`);
    assert.ok(majorityMs !== undefined, 'the majority never accepted a write');
    assert.equal(minorityMs, undefined, 'the isolated old leader accepted a write: the partition did not cut it off');
    const newLeader = await zk.leader();
    assert.ok(newLeader && newLeader !== leader, `new leader ${newLeader}`);

    await runtime.network.heal();
    const healed = await open(leader); // the old session may have expired meanwhile
    const rejoinMs = await firstWrite(healed, '/fl-rejoined', 30_000);
    console.log(`      healed after ${((performance.now() - cutAt) / 1000).toFixed(1)} s; ${leader} serves writes again after ${rejoinMs?.toFixed(0)} ms`);
    assert.ok(rejoinMs !== undefined, `${leader} did not serve a write within 30 s of heal`);
  });

  it('slow-link latency on the client link is visible in ZooKeeper round trips', async () => {
    const node = zk.nodes[0];
    const s = await ZkSession.open({ connectString: await zk.connectString(node), sessionTimeoutMs: 10_000, connectTimeoutMs: 10_000, callTimeoutMs: 5000 });
    sessions.push(s);
    const rtt = async () => {
      const t0 = performance.now();
      await s.exists('/');
      return performance.now() - t0;
    };
    await rtt();
    const base = await rtt();
    const fault = await runtime.network.linkFault!({ from: 'client', to: node }, { type: 'latency', latencyMs: 200 });
    await rtt(); // the first call may straddle the change
    const slow = await rtt();
    await fault.end();
    console.log(`      exists('/') on ${node}: ${base.toFixed(1)} ms, with 200 ms each way ${slow.toFixed(0)} ms`);
    assert.ok(slow >= 390 && slow < 900, `round trip under 2×200 ms latency: ${slow} ms`);
  });
});
