// Each switchable zk-lite bug, shown on a real 3-node ensemble: the bug must produce the wrong
// behaviour it is named for (the same checks pass in zk-lite-ensemble.test.ts without bugs).
// These are the fast, direct witnesses; the scenarios that catch each bug are listed in BUGS.md.
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import ZooKeeper from 'zookeeper';
import { FrameSplitter, JuteWriter } from '../targets/zk-lite/jute.ts';
import { LocalEnsemble } from '../targets/zk-lite/local-ensemble.ts';
import { OpCode, writeConnectRequest, writeOpenAcl } from '../targets/zk-lite/protocol.ts';

const C = ZooKeeper.constants;
const TICK = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (e: unknown): number => Number(/^(-?\d+)/.exec((e as Error).message)?.[1] ?? NaN);

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** One ensemble with some bugs switched on, plus the clients a test opened on it. */
function bugEnsemble(bugs: string[]) {
  const ctx = { ens: undefined as unknown as LocalEnsemble, natives: [] as ZooKeeper[], sockets: [] as Socket[] };
  before(async () => {
    ctx.ens = await LocalEnsemble.create({ size: 3, tickTime: TICK, bugs });
    ctx.ens.startAll();
    await ctx.ens.waitServing();
  });
  after(async () => {
    for (const zk of ctx.natives) { try { await zk.close(); } catch { /* closed */ } }
    for (const s of ctx.sockets) s.destroy();
    if (ctx.ens) await ctx.ens.destroy();
  });
  const client = async (connect = ctx.ens.connectString()): Promise<ZooKeeper> => {
    const zk = new ZooKeeper({ connect, timeout: 2000, debug_level: C.ZOO_LOG_LEVEL_ERROR, host_order_deterministic: false });
    ctx.natives.push(zk);
    await within(8000, `connect to ${connect}`, new Promise<void>((resolve) => { zk.once('connect', () => resolve()); zk.init({}); }));
    return zk;
  };
  return { ctx, client };
}

/** Opens a session by hand, creates an ephemeral node, then never pings again. */
async function silentSessionWithEphemeral(port: number, path: string, sockets: Socket[]): Promise<void> {
  const socket = tcpConnect(port, '127.0.0.1');
  sockets.push(socket);
  const splitter = new FrameSplitter();
  const frames: Buffer[] = [];
  socket.on('data', (d) => frames.push(...splitter.push(d)));
  const next = async () => { while (frames.length === 0) await sleep(10); return frames.shift()!; };
  socket.write(writeConnectRequest(new JuteWriter(), { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 2 * TICK, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }).frame());
  await within(5000, 'handshake', next());
  const create = new JuteWriter().int(1).int(OpCode.create).ustring(path).buffer(Buffer.from('x'));
  writeOpenAcl(create);
  socket.write(create.int(1).frame());
  const reply = await within(5000, 'create reply', next());
  assert.equal(reply.readInt32BE(12), 0, 'ephemeral created');
}

describe('zk-lite bugs: ephemeral-leak, double-watch, seq-reuse @integration', function () {
  this.timeout(60000);
  const { ctx, client } = bugEnsemble(['ephemeral-leak', 'double-watch', 'seq-reuse']);

  it('ephemeral-leak: an expired session keeps its ephemeral node (a closed one does not)', async () => {
    await silentSessionWithEphemeral(ctx.ens.node(1).clientPort, '/leaked', ctx.sockets);
    const owner = await client();
    await owner.create('/closed-eph', '', C.ZOO_EPHEMERAL);
    await owner.close();
    const zk = await client();
    await sleep(2 * TICK + 3000);
    await zk.sync('/leaked');
    assert.ok(await zk.exists('/leaked', false), 'the expired session\'s ephemeral is still there');
    await assert.rejects(zk.exists('/closed-eph', false), (e) => codeOf(e) === -101);
  });

  it('double-watch: one change fires a re-registered watch twice', async () => {
    const zk = await client();
    const writer = await client();
    await zk.create('/dw', 'a', C.ZOO_PERSISTENT);
    const events: number[] = [];
    const watch = (type: number) => { events.push(type); void zk.w_get('/dw', watch); };
    await zk.w_get('/dw', watch);
    await writer.set('/dw', 'b', -1);
    await sleep(4 * TICK);
    assert.deepEqual(events, [3, 3], 'two NodeDataChanged events for a single change');
  });

  it('seq-reuse: a new leader hands out a sequence suffix that was already used', async () => {
    const zk = await client();
    await zk.create('/sr', '', C.ZOO_PERSISTENT);
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await zk.create('/sr/s-', '', C.ZOO_PERSISTENT_SEQUENTIAL));
    await zk.delete_(first[0], -1);
    await zk.delete_(first[1], -1);
    const leader = (await ctx.ens.leader())!;
    await ctx.ens.kill(leader);
    await ctx.ens.waitServing(ctx.ens.nodes.map((n) => n.id).filter((id) => id !== leader));
    let next = '';
    for (const t0 = Date.now(); next === '' && Date.now() - t0 < 15000;) {
      try { next = await within(3000, 'create', zk.create('/sr/s-', '', C.ZOO_PERSISTENT_SEQUENTIAL)); } catch { await sleep(100); }
    }
    assert.ok(first.includes(next), `reused suffix: ${next} was handed out before (${first.join(', ')})`);
    assert.ok(next < first[2], 'and it sorts before a live, older node');
  });
});

describe('zk-lite bugs: stale-read, early-ack @integration', function () {
  this.timeout(60000);
  const { ctx, client } = bugEnsemble(['stale-read', 'early-ack']);

  it('stale-read: a leader cut off from both followers keeps leading, serving reads and syncs', async () => {
    const leader = (await ctx.ens.leader())!;
    const zk = await client(ctx.ens.connectString([leader]));
    await zk.create('/stale', 'v1', C.ZOO_PERSISTENT);
    const followers = ctx.ens.nodes.map((n) => n.id).filter((id) => id !== leader);
    for (const id of followers) ctx.ens.signal(id, 'SIGSTOP');
    await sleep(6 * TICK);
    assert.equal(await ctx.ens.mode(leader), 'leader', 'still claims to lead without a quorum');
    await within(2000, 'sync on a leader without quorum', zk.sync('/stale'));
    assert.equal(String((await zk.get('/stale', false))[1]), 'v1');
  });

  it('early-ack: that leader acknowledges a write no follower has; it is lost when the leader dies', async () => {
    const leader = (await ctx.ens.leader())!;
    const zk = await client(ctx.ens.connectString([leader]));
    await within(2000, 'write acknowledged without quorum', zk.create('/acked-alone', '', C.ZOO_PERSISTENT));
    await ctx.ens.kill(leader);
    const followers = ctx.ens.nodes.map((n) => n.id).filter((id) => id !== leader);
    for (const id of followers) ctx.ens.signal(id, 'SIGCONT');
    await ctx.ens.waitServing(followers);
    const after = await client(ctx.ens.connectString(followers));
    await after.sync('/');
    await assert.rejects(after.exists('/acked-alone', false), (e) => codeOf(e) === -101, 'the acknowledged node is gone');
  });
});

describe('zk-lite bugs: no-fsync @integration', function () {
  this.timeout(60000);
  const { ctx, client } = bugEnsemble(['no-fsync']);

  it('no-fsync: acknowledged writes vanish when every node crashes', async () => {
    const zk = await client();
    await zk.create('/nf', '', C.ZOO_PERSISTENT);
    for (let i = 0; i < 20; i++) await zk.create(`/nf/n${i}`, '', C.ZOO_PERSISTENT);
    await Promise.all(ctx.ens.nodes.map((n) => ctx.ens.kill(n.id)));
    await zk.close();
    ctx.ens.startAll();
    await ctx.ens.waitServing();
    const fresh = await client();
    await fresh.sync('/');
    let children: string[] = [];
    try { children = await fresh.get_children('/nf', false); } catch (e) { assert.equal(codeOf(e), -101); }
    assert.ok(children.length < 20, `only ${children.length} of 20 acknowledged creates survived`);
  });
});
