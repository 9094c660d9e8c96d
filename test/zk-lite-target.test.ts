// The zk-lite target through faultline's own plumbing: option parsing (unit), and (@integration)
// a 3-node ensemble started by the target on the local runtime — same zoo.cfg as the zookeeper
// target, nodes behind the proxy — answering the harness's client, naming its leader, surviving a
// leader kill and restart, and cutting off an isolated leader's writes while the majority goes on.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cleanup } from '../harness/cleanup.ts';
import { isolate } from '../harness/net/grudge.ts';
import local from '../harness/runtime/local/index.ts';
import type { Runtime } from '../harness/runtime/types.ts';
import { ZkSession } from '../harness/clients/zk-client.ts';
import zkLite, { zkLiteOptions, type ZkLiteEnsemble } from '../targets/zk-lite/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tries creates until one succeeds or `ms` pass; ms until success, or undefined. */
async function firstWrite(session: ZkSession, prefix: string, ms: number): Promise<number | undefined> {
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < ms; i++) {
    try {
      await session.create(`${prefix}-${i}`, 'x');
      return performance.now() - t0;
    } catch {
      await sleep(150);
    }
  }
  return undefined;
}

describe('zk-lite target options', () => {
  it('takes bug=a,b and bare bug names, and rejects unknown bugs and bad numbers', () => {
    assert.deepEqual(zkLiteOptions({ bug: 'stale-read' }).bugs, ['stale-read']);
    assert.deepEqual(zkLiteOptions({ 'early-ack': 'true', bug: 'no-fsync' }).bugs, ['early-ack', 'no-fsync']);
    assert.equal(zkLiteOptions({}).tickTime, 500);
    assert.throws(() => zkLiteOptions({ bug: 'nonsense' }), /no bug 'nonsense'/);
    assert.throws(() => zkLiteOptions({ tickTime: 'x' }), /tickTime/);
  });
});

describe('@integration zk-lite target on the local runtime', function () {
  this.timeout(90_000);
  let cleanup: Cleanup;
  let runtime: Runtime;
  let ens: ZkLiteEnsemble;
  let logDir: string;
  const sessions: ZkSession[] = [];
  const open = async (node?: string) => {
    const s = await ZkSession.open({ connectString: await ens.connectString(node), sessionTimeoutMs: 6000, connectTimeoutMs: 10_000, callTimeoutMs: 1500 });
    sessions.push(s);
    return s;
  };

  before(async () => {
    cleanup = new Cleanup();
    logDir = mkdtempSync(path.join(tmpdir(), 'fl-test-zklite-'));
    runtime = await local.create({ hosts: zkLite.hostNames(3, {}), logDir, cleanup, log: () => {} });
    ens = await zkLite.start({ runtime, hosts: runtime.hosts, options: { bug: '' }, cleanup, log: () => {}, startTimeoutMs: 30_000 });
    console.log(`      zk-lite target: 3-node quorum serving through the proxies after ${ens.metrics.startMs} ms`);
  });

  after(async () => {
    for (const s of sessions) s.close();
    const errors = (await cleanup?.runAll()) ?? [];
    if (logDir) rmSync(logDir, { recursive: true, force: true });
    assert.deepEqual(errors, []);
  });

  it('serves the harness client and names one leader', async () => {
    const s = await open();
    await s.create('/fl-target', 'v');
    assert.equal((await s.get('/fl-target')).data, 'v');
    const leader = await ens.leader();
    assert.ok(leader && ens.nodes.includes(leader));
    const cfg = readFileSync(path.join(runtime.host(leader).dir, 'zoo.cfg'), 'utf8');
    assert.match(cfg, /^server\.3=/m, 'a ZooKeeper zoo.cfg');
    assert.doesNotMatch(cfg, /^bug=/m, 'no bugs asked for');
  });

  it('kill the leader: another node leads and takes writes; restart: the old one serves again', async () => {
    const old = (await ens.leader())!;
    const s = await open(ens.nodes.find((n) => n !== old));
    await ens.kill(old);
    assert.ok((await firstWrite(s, '/fl-after-kill', 15_000)) !== undefined, 'no write after the leader was killed');
    const next = await ens.leader();
    assert.ok(next && next !== old, `new leader ${next}`);
    await ens.restart(old);
    const back = await open(old);
    await back.get('/fl-target');
  });

  it('an isolated leader takes no writes while the majority elects and writes; heal restores it', async () => {
    const leader = (await ens.leader())!;
    const minority = await open(leader);
    const majority = await open(ens.nodes.find((n) => n !== leader));
    await runtime.network.partition(isolate(ens.nodes, leader));
    const majorityMs = await firstWrite(majority, '/fl-majority', 15_000);
    const minorityMs = await firstWrite(minority, '/fl-minority', 4_000);
    console.log(`      leader ${leader} isolated: majority's first write after ${majorityMs?.toFixed(0)} ms; minority ${minorityMs === undefined ? 'wrote nothing in 4 s' : `wrote after ${minorityMs.toFixed(0)} ms`}`);
    assert.ok(majorityMs !== undefined, 'the majority never accepted a write');
    assert.equal(minorityMs, undefined, 'the isolated old leader accepted a write');
    await runtime.network.heal();
    const healed = await open(leader);
    assert.ok((await firstWrite(healed, '/fl-healed', 15_000)) !== undefined, 'no write through the old leader after heal');
  });
});
