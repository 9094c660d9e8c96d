// The local runtime's links really go through the proxy: a partition stalls the cut links (a TCP
// client through them stops getting answers while other links keep working), heal restores them,
// and link faults add measurable latency, stall or reset connections. Echo servers stand in for
// nodes: plain processes on each host's own port, reached only through the host's endpoints.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cleanup } from '../harness/cleanup.ts';
import local from '../harness/runtime/local/index.ts';
import { isolate } from '../harness/net/grudge.ts';
import type { Runtime } from '../harness/runtime/types.ts';
import { ECHO, ECHO_PORT, EchoConn, medianRtt, startEchoServers, waitListening } from './local-echo.ts';
import { rewriteHandshake } from '../harness/runtime/local/handshake.ts';
import { waitFor } from '../harness/runtime/process.ts';

/** Whether a dial to `ep` is refused now (a dial that connects is closed again at once). */
const refused = (ep: { host: string; port: number }): Promise<boolean> =>
  EchoConn.open(ep).then((c) => (c.close(), false), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');

/** ZooKeeper's election handshake: protocol version, server id, advertised "host:port". */
function electionHello(version: bigint, sid: bigint, address: string, rest = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(20);
  head.writeBigInt64BE(version, 0);
  head.writeBigInt64BE(sid, 8);
  head.writeInt32BE(Buffer.byteLength(address), 16);
  return Buffer.concat([head, Buffer.from(address), rest]);
}

describe('local runtime: election handshake rewrite', () => {
  const back = async () => '127.0.0.1:31999';
  it('replaces the advertised election address by the reverse link and keeps what follows', async () => {
    const out = await rewriteHandshake(electionHello(-65536n, 3n, '127.0.0.1:26042', Buffer.from('rest')), back);
    assert.deepEqual(out, electionHello(-65536n, 3n, '127.0.0.1:31999', Buffer.from('rest')));
    assert.deepEqual(await rewriteHandshake(electionHello(-65535n, 1n, '127.0.0.1:1'), back), electionHello(-65535n, 1n, '127.0.0.1:31999'));
  });
  it('waits for a whole handshake, and passes anything else through unchanged at once', async () => {
    const hello = electionHello(-65536n, 3n, '127.0.0.1:26042');
    assert.equal(await rewriteHandshake(hello.subarray(0, 5), back), undefined);
    assert.equal(await rewriteHandshake(hello.subarray(0, 25), back), undefined);
    for (const other of [Buffer.from('ping\n'), Buffer.from('GET / HTTP/1.1\r\n'), electionHello(5n, 1n, 'x'), Buffer.from([0, 0, 0, 44, 0, 0])]) {
      assert.equal(await rewriteHandshake(other, back), other);
    }
  });
});

describe('local runtime: links through the proxy @integration', function () {
  this.timeout(60_000);
  let cleanup: Cleanup;
  let runtime: Runtime;
  let logDir: string;
  const [n1, n2, n3] = ['n1', 'n2', 'n3'];

  before(async () => {
    cleanup = new Cleanup();
    logDir = mkdtempSync(path.join(tmpdir(), 'fl-test-local-'));
    runtime = await local.create({ hosts: [n1, n2, n3], logDir, cleanup, log: () => {} });
    await startEchoServers(runtime.hosts);
  });

  after(async () => {
    const errors = await cleanup.runAll();
    rmSync(logDir, { recursive: true, force: true });
    assert.deepEqual(errors, []);
  });

  afterEach(() => runtime.network.heal());

  it('endpoints are proxies, one per directed link and port, never the real port', async () => {
    const h1 = runtime.host(n1);
    const fromClient = await h1.endpoint(ECHO_PORT);
    const fromN2 = await h1.peerEndpoint(runtime.host(n2), ECHO_PORT);
    const fromN3 = await h1.peerEndpoint(runtime.host(n3), ECHO_PORT);
    assert.equal(fromClient.host, '127.0.0.1');
    assert.equal(new Set([fromClient.port, fromN2.port, fromN3.port, h1.port(ECHO_PORT)]).size, 4);
    assert.deepEqual(await h1.endpoint(ECHO_PORT), fromClient, 'the same link is reused');
    assert.ok((await medianRtt(fromN2)) < 100);
  });

  it('a partition stalls the cut links (established and new connections) and heal restores them', async () => {
    const h1 = runtime.host(n1);
    const n2ToN1 = await h1.peerEndpoint(runtime.host(n2), ECHO_PORT);
    const n2ToN3 = await runtime.host(n3).peerEndpoint(runtime.host(n2), ECHO_PORT);
    const n1ToN2 = await runtime.host(n2).peerEndpoint(h1, ECHO_PORT);
    const established = await EchoConn.open(n2ToN1);
    assert.ok((await established.roundTrip('before', 2000)) !== undefined);

    await runtime.network.partition(isolate([n1, n2, n3], n1));
    assert.equal(await established.roundTrip('during', 1500), undefined, 'n2→n1 still answered during the partition');
    assert.equal(established.closed, undefined, 'a partition must stall the connection, not close it');
    const fresh = await EchoConn.open(n2ToN1);
    assert.equal(await fresh.roundTrip('new during', 1000), undefined, 'a new n2→n1 connection got an answer');
    const reverse = await EchoConn.open(n1ToN2);
    assert.equal(await reverse.roundTrip('reverse', 1000), undefined, 'n1→n2 got an answer although n2 drops n1');
    assert.ok((await medianRtt(n2ToN3, 3)) < 200, 'the majority side n2→n3 must keep working');
    assert.ok((await medianRtt(await h1.endpoint(ECHO_PORT), 3)) < 200, 'the harness still reaches the minority');

    await runtime.network.heal();
    assert.ok((await medianRtt(n2ToN1, 3)) < 200, 'after heal n2→n1 answers again');
    for (const c of [established, fresh, reverse]) c.close();
  });

  it('a one-way grudge stalls only the dropped direction of each link', async () => {
    const n2ToN1 = await runtime.host(n1).peerEndpoint(runtime.host(n2), ECHO_PORT);
    await runtime.network.partition({ n1: [n2] });
    const c = await EchoConn.open(n2ToN1);
    assert.equal(await c.roundTrip('x', 1000), undefined);
    c.close();
    const n3ToN1 = await runtime.host(n1).peerEndpoint(runtime.host(n3), ECHO_PORT);
    assert.ok((await medianRtt(n3ToN1, 3)) < 200, 'n1 does not drop n3');
  });

  it('slow-link latency is added on both directions and removed when the fault ends', async () => {
    const ep = await runtime.host(n2).endpoint(ECHO_PORT);
    const base = await medianRtt(ep);
    const fault = await runtime.network.linkFault!({ from: 'client', to: n2 }, { type: 'latency', latencyMs: 150 });
    assert.ok(fault.links.some((l) => l.includes('client-n2')), `links: ${fault.links.join(', ')}`);
    const slow = await medianRtt(ep);
    await fault.end();
    const after = await medianRtt(ep);
    console.log(`      round trip client→n2: ${base.toFixed(1)} ms, with 150 ms latency each way ${slow.toFixed(1)} ms, after end ${after.toFixed(1)} ms`);
    assert.ok(slow >= 295 && slow < 295 + 250, `round trip with 2×150 ms latency was ${slow} ms`);
    assert.ok(after < 100, `latency not removed: ${after} ms`);
  });

  it('a fault on links touching a node also hits links created after it started', async () => {
    const fault = await runtime.network.linkFault!({ touching: n3 }, { type: 'latency', latencyMs: 100 });
    const late = await runtime.host(n3).peerEndpoint(runtime.host(n1), ECHO_PORT + 1); // a new link, upstream refuses
    void late;
    const ep = await runtime.host(n3).peerEndpoint(runtime.host(n2), ECHO_PORT);
    const rtt = await medianRtt(ep, 3);
    await fault.end();
    assert.ok(rtt >= 195, `n2→n3 round trip ${rtt} ms under 100 ms latency each way`);
    const untouched = await medianRtt(await runtime.host(n1).peerEndpoint(runtime.host(n2), ECHO_PORT), 3);
    assert.ok(untouched < 100, `n2→n1 does not touch n3 but took ${untouched} ms`);
  });

  it('stall holds connections open without answers; reset aborts them', async () => {
    const ep = await runtime.host(n1).endpoint(ECHO_PORT);
    const stall = await runtime.network.linkFault!({ to: n1, from: 'client' }, { type: 'stall' });
    const c = await EchoConn.open(ep);
    assert.equal(await c.roundTrip('x', 800), undefined);
    assert.equal(c.closed, undefined);
    await stall.end();
    c.close();
    const reset = await runtime.network.linkFault!({ to: n1, from: 'client' }, { type: 'reset', toxicity: 1 });
    const r = await EchoConn.open(ep);
    assert.equal(await r.roundTrip('y', 2000), undefined);
    assert.match(r.closed ?? '', /ECONNRESET|closed/);
    await reset.end();
    assert.ok((await medianRtt(ep, 3)) < 100);
  });

  it('a dial to a dead service is refused (as without a proxy), a dial into a partition hangs', async () => {
    const h1 = runtime.host(n1);
    const port = ECHO_PORT + 2;
    const proc = await h1.spawn({ name: 'echo2', command: process.execPath, args: ['-e', ECHO, String(h1.port(port))] });
    await waitListening(h1, port);
    const ep = await h1.peerEndpoint(runtime.host(n2), port);
    // the relay's first decision is made before its address is handed out: open at once
    assert.ok((await medianRtt(ep, 3)) < 100);
    await proc.stop();
    // the relay follows the listener's end within a read or two of the socket tables
    await waitFor('a dial to the stopped service to be refused', 3000, () => refused(ep));
    await runtime.network.partition(isolate([n1, n2, n3], n1));
    // accepted: a partition does not answer with a refusal
    const hung = await waitFor<EchoConn>('a dial into the partition to be accepted', 3000, () => EchoConn.open(ep).catch(() => false));
    hung.close();
    await runtime.network.heal();
    await waitFor('a dial to the dead service to be refused again after the heal', 3000, () => refused(ep));
    await assert.rejects(EchoConn.open(ep), /ECONNREFUSED/);
  });
});
