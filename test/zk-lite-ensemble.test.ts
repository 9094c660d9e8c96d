// Integration tests of zk-lite as real processes: a 3-node ensemble on loopback driven by the
// Apache C client (`zookeeper` package) and node-zookeeper-client (for multi), checking ZooKeeper's
// client-visible semantics, crash recovery and the minority rule. Prints start, throughput and
// failover numbers.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { connect as tcpConnect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ZooKeeper from 'zookeeper';
import { FrameSplitter, JuteReader, JuteWriter } from '../targets/zk-lite/jute.ts';
import { fourLetterWord, LocalEnsemble } from '../targets/zk-lite/local-ensemble.ts';
import { OpCode, readConnectResponse, writeConnectRequest, writeOpenAcl } from '../targets/zk-lite/protocol.ts';

const C = ZooKeeper.constants;
const TICK = 300;

interface NzcClient {
  connect(): void; close(): void; once(ev: string, cb: () => void): void;
  transaction(): NzcTransaction;
}
interface NzcTransaction {
  create(path: string, data?: Buffer, mode?: number): NzcTransaction;
  check(path: string, version: number): NzcTransaction;
  setData(path: string, data: Buffer, version: number): NzcTransaction;
  remove(path: string, version: number): NzcTransaction;
  commit(cb: (err: { getCode(): number } | null, results: { type: number; err?: number; path?: string }[]) => void): void;
}
const nzc = createRequire(import.meta.url)('node-zookeeper-client') as {
  createClient(conn: string, opts: object): NzcClient; CreateMode: Record<string, number>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The ZooKeeper error code in a rejection from the native client ("-103 bad version"). */
const codeOf = (e: unknown): number => Number(/^(-?\d+)/.exec((e as Error).message)?.[1] ?? NaN);

describe('zk-lite: 3-node ensemble @integration', function () {
  this.timeout(60000);
  let ens: LocalEnsemble;
  const natives: ZooKeeper[] = [];
  const others: { close(): void }[] = [];
  const sockets: Socket[] = [];

  async function client(connect = ens.connectString(), timeout = 2000): Promise<ZooKeeper> {
    const zk = new ZooKeeper({ connect, timeout, debug_level: C.ZOO_LOG_LEVEL_ERROR, host_order_deterministic: false });
    natives.push(zk);
    await within(8000, `connect to ${connect}`, new Promise<void>((resolve) => { zk.once('connect', () => resolve()); zk.init({}); }));
    return zk;
  }

  before(async () => {
    ens = await LocalEnsemble.create({ size: 3, tickTime: TICK });
    const t0 = Date.now();
    ens.startAll();
    await ens.waitServing();
    console.log(`      measured: 3-node zk-lite serving ${Date.now() - t0} ms after launch (tickTime ${TICK})`);
  });

  // Close each test's clients when it ends: several native handles left reconnecting in one process
  // while servers restart can make the addon give up on a new handle ("no response too many times").
  async function closeClients(): Promise<void> {
    for (const zk of natives.splice(0)) { try { await zk.close(); } catch { /* already closed */ } }
    for (const c of others.splice(0)) c.close();
    for (const s of sockets.splice(0)) s.destroy();
  }

  afterEach(closeClients);

  after(async () => {
    await closeClients();
    if (ens) await ens.destroy(process.env.ZK_LITE_KEEP === '1');
  });

  it('answers four-letter words: ruok, srvr with one leader and two followers, mntr', async () => {
    assert.equal(await fourLetterWord(ens.node(1).clientPort, 'ruok'), 'imok');
    const modes = await Promise.all(ens.nodes.map((n) => ens.mode(n.id)));
    assert.deepEqual([...modes].sort(), ['follower', 'follower', 'leader']);
    const mntr = await fourLetterWord(ens.node(2).clientPort, 'mntr');
    assert.match(mntr, /^zk_server_state\t(leader|follower)$/m);
    assert.match(mntr, /^zk_znode_count\t\d+$/m);
  });

  it('create, get, versioned set (BadVersion -103), delete, exists, children, Stat fields', async () => {
    const zk = await client();
    assert.equal(await zk.create('/kv', 'v0', C.ZOO_PERSISTENT), '/kv');
    await assert.rejects(zk.create('/kv', 'again', C.ZOO_PERSISTENT), (e) => codeOf(e) === -110);
    await assert.rejects(zk.create('/nope/child', '', C.ZOO_PERSISTENT), (e) => codeOf(e) === -101);
    const [stat0, data0] = await zk.get('/kv', false);
    assert.equal(String(data0), 'v0');
    assert.equal(stat0.version, 0);
    assert.equal(stat0.dataLength, 2);
    const stat1 = await zk.set('/kv', 'v1', 0);
    assert.equal(stat1.version, 1);
    assert.ok(BigInt(stat1.mzxid) > BigInt(stat0.mzxid), 'mzxid grows');
    await assert.rejects(zk.set('/kv', 'v2', 0), (e) => codeOf(e) === -103);
    await zk.create('/kv/a', '', C.ZOO_PERSISTENT);
    await zk.create('/kv/b', '', C.ZOO_PERSISTENT);
    assert.deepEqual((await zk.get_children('/kv', false)).sort(), ['a', 'b']);
    const [children, parentStat] = await zk.get_children2('/kv', false);
    assert.equal(children.length, 2);
    assert.equal(parentStat.numChildren, 2);
    assert.equal(parentStat.cversion, 2);
    await assert.rejects(zk.delete_('/kv', -1), (e) => codeOf(e) === -111);
    await assert.rejects(zk.delete_('/kv/a', 5), (e) => codeOf(e) === -103);
    await zk.delete_('/kv/a', 0);
    await assert.rejects(zk.exists('/kv/a', false), (e) => codeOf(e) === -101);
    assert.equal((await zk.exists('/kv/b', false)).version, 0);
  });

  it('sequential nodes get unique, increasing 10-digit suffixes; ephemeral-sequential ones are ephemeral', async () => {
    const zk = await client();
    await zk.create('/seq', '', C.ZOO_PERSISTENT);
    const made: string[] = [];
    for (let i = 0; i < 4; i++) made.push(await zk.create('/seq/n-', '', i % 2 ? C.ZOO_EPHEMERAL_SEQUENTIAL : C.ZOO_PERSISTENT_SEQUENTIAL));
    assert.deepEqual(made, ['/seq/n-0000000000', '/seq/n-0000000001', '/seq/n-0000000002', '/seq/n-0000000003']);
    const st = await zk.exists('/seq/n-0000000001', false);
    assert.notEqual(String(st.ephemeralOwner), '0', 'ephemeral-sequential has an owner');
    await zk.delete_('/seq/n-0000000003', -1);
    assert.equal(await zk.create('/seq/n-', '', C.ZOO_PERSISTENT_SEQUENTIAL), '/seq/n-0000000005', 'a deleted suffix is not reused');
  });

  it('removes ephemerals when their session closes', async () => {
    const owner = await client();
    const watcher = await client();
    await owner.create('/eph-close', 'x', C.ZOO_EPHEMERAL);
    await watcher.sync('/eph-close');
    assert.ok(await watcher.exists('/eph-close', false));
    await owner.close();
    await within(5000, 'ephemeral removal', (async () => {
      for (;;) {
        try { await watcher.exists('/eph-close', false); } catch (e) { if (codeOf(e) === -101) return; throw e; }
        await sleep(50);
      }
    })());
  });

  it('removes ephemerals when their session expires (client goes silent)', async () => {
    const port = ens.node(1).clientPort;
    const socket = tcpConnect(port, '127.0.0.1');
    sockets.push(socket);
    const splitter = new FrameSplitter();
    const frames: Buffer[] = [];
    socket.on('data', (d) => frames.push(...splitter.push(d)));
    const next = async () => { while (frames.length === 0) await sleep(10); return frames.shift()!; };
    socket.write(writeConnectRequest(new JuteWriter(), { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 2 * TICK, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }).frame());
    const hello = readConnectResponse(await within(5000, 'handshake', next()));
    assert.equal(hello.timeOut, 2 * TICK, 'timeout negotiated to the minimum 2*tickTime');
    const create = new JuteWriter().int(1).int(OpCode.create).ustring('/eph-expire').buffer(Buffer.from('x'));
    writeOpenAcl(create);
    // the server cannot have heard from the client later than this last send (taking the time after
    // the reply arrived was late by however long the reply took, and failed the bound under load)
    const silentSince = Date.now();
    socket.write(create.int(1).frame());
    const reply = new JuteReader(await within(5000, 'create reply', next()));
    assert.equal(reply.int(), 1);
    reply.long();
    assert.equal(reply.int(), 0);
    const zk = await client();
    await zk.sync('/eph-expire');
    assert.ok(await zk.exists('/eph-expire', false));
    await within(8000, 'expiry of the silent session', (async () => {
      for (;;) {
        try { await zk.exists('/eph-expire', false); } catch (e) { if (codeOf(e) === -101) return; throw e; }
        await sleep(50);
      }
    })());
    assert.ok(Date.now() - silentSince >= 2 * TICK - 50, 'not before the session timeout');
  });

  it('fires data, exists and child watches once per registration', async () => {
    const zk = await client();
    const writer = await client();
    await zk.create('/w', 'a', C.ZOO_PERSISTENT);
    const dataEvents: number[] = [];
    const existEvents: number[] = [];
    const childEvents: number[] = [];
    await zk.w_get('/w', (type: number) => dataEvents.push(type));
    await assert.rejects(zk.w_exists('/w-new', (type: number) => existEvents.push(type)));
    await zk.w_get_children('/w', (type: number) => childEvents.push(type));
    await writer.set('/w', 'b', -1);
    await writer.set('/w', 'c', -1);
    await writer.create('/w-new', '', C.ZOO_PERSISTENT);
    await writer.create('/w/c1', '', C.ZOO_PERSISTENT);
    await writer.create('/w/c2', '', C.ZOO_PERSISTENT);
    await sleep(500);
    assert.deepEqual(dataEvents, [3], 'one NodeDataChanged');
    assert.deepEqual(existEvents, [1], 'one NodeCreated');
    assert.deepEqual(childEvents, [4], 'one NodeChildrenChanged');
  });

  it('does not fire a re-registered watch again for the same change', async () => {
    const zk = await client();
    const writer = await client();
    await zk.create('/rewatch', 'a', C.ZOO_PERSISTENT);
    const events: number[] = [];
    const watch = (type: number) => { events.push(type); void zk.w_get('/rewatch', watch); };
    await zk.w_get('/rewatch', watch);
    await writer.set('/rewatch', 'b', -1);
    await sleep(3 * TICK);
    assert.deepEqual(events, [3], 'one change, one event');
    await writer.set('/rewatch', 'c', -1);
    await sleep(3 * TICK);
    assert.deepEqual(events, [3, 3], 'the re-registered watch fires for the next change');
  });

  it('applies multi atomically (node-zookeeper-client)', async () => {
    const c = nzc.createClient(ens.connectString(), { sessionTimeout: 4000, spinDelay: 200, retries: 3 });
    others.push(c);
    await within(8000, 'nzc connect', new Promise<void>((resolve) => { c.once('connected', () => resolve()); c.connect(); }));
    const commit = (t: NzcTransaction) => new Promise<{ code: number; results: { type: number; err?: number; path?: string }[] }>((resolve) =>
      t.commit((err, results) => resolve({ code: err ? err.getCode() : 0, results })));
    const ok = await commit(c.transaction().create('/multi', Buffer.from('m')).create('/multi/s-', Buffer.from(''), nzc.CreateMode.PERSISTENT_SEQUENTIAL).setData('/multi', Buffer.from('n'), 0).check('/multi', 1));
    assert.equal(ok.code, 0);
    assert.equal(ok.results[1].path, '/multi/s-0000000000');
    const bad = await commit(c.transaction().create('/multi/x', Buffer.from('')).setData('/multi', Buffer.from('z'), -1).check('/multi', 1).remove('/multi/s-0000000000', -1));
    assert.equal(bad.code, -103, 'the failing check reports BadVersion');
    const zk = await client();
    await assert.rejects(zk.exists('/multi/x', false), (e) => codeOf(e) === -101);
    const [stat, data] = await zk.get('/multi', false);
    assert.equal(String(data), 'n');
    assert.equal(stat.version, 1);
    assert.deepEqual(await zk.get_children('/multi', false), ['s-0000000000']);
  });

  it('sync on a follower, then read, sees a write made through the leader', async () => {
    const leader = (await ens.leader())!;
    const follower = ens.nodes.find((n) => n.id !== leader)!.id;
    const viaLeader = await client(ens.connectString([leader]));
    const viaFollower = await client(ens.connectString([follower]));
    await viaLeader.create('/synced', '', C.ZOO_PERSISTENT);
    for (let i = 1; i <= 20; i++) {
      await viaLeader.set('/synced', String(i), -1);
      await viaFollower.sync('/synced');
      const [, data] = await viaFollower.get('/synced', false);
      assert.equal(String(data), String(i));
    }
  });

  it('measures write throughput with one client', async () => {
    const zk = await client();
    await zk.create('/bench', '', C.ZOO_PERSISTENT);
    const n = 300;
    const t0 = Date.now();
    for (let i = 0; i < n; i++) await zk.set('/bench', String(i), -1);
    const rate = (n * 1000) / (Date.now() - t0);
    console.log(`      measured: ${rate.toFixed(0)} sequential setData/s, one client, fsync on`);
    assert.ok(rate > 10);
  });

  it('elects a new leader when the leader is killed, and writes continue', async () => {
    const zk = await client();
    await zk.create('/failover', '0', C.ZOO_PERSISTENT);
    const before = [await zk.create('/failover/s-', '', C.ZOO_PERSISTENT_SEQUENTIAL), await zk.create('/failover/s-', '', C.ZOO_PERSISTENT_SEQUENTIAL)];
    await zk.delete_(before[0], -1);
    const old = (await ens.leader())!;
    const killedAt = Date.now();
    await ens.kill(old);
    let firstWrite = 0;
    for (let i = 1; Date.now() - killedAt < 20000; i++) {
      try { await within(3000, 'write', zk.set('/failover', String(i), -1)); firstWrite = Date.now(); break; } catch { await sleep(50); }
    }
    assert.ok(firstWrite > 0, 'a write succeeded after the leader was killed');
    const rest = ens.nodes.map((n) => n.id).filter((id) => id !== old);
    const next = await ens.waitServing(rest);
    assert.notEqual(next, old);
    console.log(`      measured: leader killed → first acknowledged write after ${firstWrite - killedAt} ms`);
    const after = await zk.create('/failover/s-', '', C.ZOO_PERSISTENT_SEQUENTIAL);
    assert.ok(after > before[1], `sequence keeps increasing across leaders: ${after} after ${before[1]}`);
    ens.start(old);
    await ens.waitServing();
  });

  it('a killed follower restarts from its log and catches up', async () => {
    const leader = (await ens.leader())!;
    const follower = ens.nodes.find((n) => n.id !== leader)!.id;
    const zk = await client(ens.connectString([leader]));
    await zk.create('/catchup', 'before', C.ZOO_PERSISTENT);
    await ens.kill(follower);
    for (let i = 0; i < 10; i++) await zk.create(`/catchup/c${i}`, '', C.ZOO_PERSISTENT);
    ens.start(follower);
    await ens.waitServing();
    const local = await client(ens.connectString([follower]));
    assert.deepEqual((await local.get_children('/catchup', false)).length, 10);
    assert.equal(String((await local.get('/catchup', false))[1]), 'before');
    const starts = [...readFileSync(join(ens.node(follower).dataDir, 'zk-lite.log'), 'utf8').matchAll(/log has (\d+) entries/g)];
    assert.ok(starts.length >= 2 && Number(starts.at(-1)![1]) > 0, 'restarted with a non-empty log on disk');
  });

  it('keeps every acknowledged write when all nodes crash at once', async () => {
    const zk = await client();
    await zk.create('/durable', '', C.ZOO_PERSISTENT);
    for (let i = 0; i < 30; i++) await zk.create(`/durable/d${i}`, String(i), C.ZOO_PERSISTENT);
    await Promise.all(ens.nodes.map((n) => ens.kill(n.id)));
    ens.startAll();
    await ens.waitServing();
    const fresh = await client();
    await fresh.sync('/durable');
    assert.equal((await fresh.get_children('/durable', false)).length, 30);
  });

  it('a lone node (minority) stops serving and accepts no client', async () => {
    const leader = (await ens.leader())!;
    const lone = ens.nodes.find((n) => n.id !== leader)!.id;
    const others = ens.nodes.map((n) => n.id).filter((id) => id !== lone);
    for (const id of others) await ens.kill(id);
    await sleep(4 * TICK + 500);
    assert.equal(await ens.mode(lone), null, 'srvr says not serving');
    const zk = new ZooKeeper({ connect: ens.connectString([lone]), timeout: 2000, debug_level: C.ZOO_LOG_LEVEL_ERROR });
    natives.push(zk);
    let connected = false;
    zk.once('connect', () => { connected = true; });
    zk.init({});
    await sleep(2000);
    assert.equal(connected, false, 'no session on a minority');
    for (const id of others) ens.start(id);
    await ens.waitServing();
  });
});
