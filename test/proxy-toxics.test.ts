// Every toxic's effect, measured on real TCP connections through the proxy (echo and byte-source
// peers on 127.0.0.1), with toxics set through toxiproxy-node-client. Tolerances are generous because
// the machine is shared, but each assertion fails if the toxic does nothing or the wrong thing.
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { ProxyServer, type StartedProxyServer } from '../harness/net/proxy/server.ts';
import { EchoClient, receiveAll, startByteSource, startEchoServer, type StartedPeer } from '../harness/net/proxy/probes.ts';

type Attrs = Record<string, number>;

describe('proxy toxics (measured) @integration', function () {
  this.timeout(10_000);
  let server: StartedProxyServer;
  let toxiproxy: Toxiproxy;
  const peers: StartedPeer[] = [];
  const clients: EchoClient[] = [];

  beforeEach(async () => {
    server = await ProxyServer.start({ port: 0 });
    toxiproxy = new Toxiproxy(server.url);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.stop();
    for (const p of peers.splice(0)) await p.stop();
  });

  async function proxyTo(peer: Promise<StartedPeer>, name = 'fl-test'): Promise<Proxy> {
    const started = await peer;
    peers.push(started);
    return toxiproxy.createProxy({ name, listen: '127.0.0.1:0', upstream: started.address });
  }
  const toxic = (proxy: Proxy, type: string, stream: 'upstream' | 'downstream', attributes: Attrs, toxicity = 1) =>
    proxy.addToxic<Attrs>({ name: `${type}-${stream}`, type: type as never, stream, toxicity, attributes });
  async function echoClient(proxy: Proxy): Promise<EchoClient> {
    const client = await EchoClient.connect(proxy.listen);
    clients.push(client);
    return client;
  }

  it('latency adds about `latency` ms per round trip (downstream and upstream)', async () => {
    const proxy = await proxyTo(startEchoServer());
    const client = await echoClient(proxy);
    const base = await client.roundTrip();
    await toxic(proxy, 'latency', 'downstream', { latency: 200, jitter: 0 });
    const down = await client.roundTrip();
    await toxic(proxy, 'latency', 'upstream', { latency: 100, jitter: 0 });
    const both = await client.roundTrip();
    assert.ok(base < 50, `baseline round trip ${base.toFixed(1)} ms`);
    assert.ok(down >= 195 && down < 400, `with 200 ms downstream latency: ${down.toFixed(1)} ms`);
    assert.ok(both >= 295 && both < 550, `with 200+100 ms: ${both.toFixed(1)} ms`);
  });

  it('jitter spreads round trips over latency ± jitter', async () => {
    const proxy = await proxyTo(startEchoServer());
    const client = await echoClient(proxy);
    await toxic(proxy, 'latency', 'downstream', { latency: 80, jitter: 60 });
    const times: number[] = [];
    for (let i = 0; i < 12; i++) times.push(await client.roundTrip());
    const min = Math.min(...times);
    const max = Math.max(...times);
    assert.ok(min >= 19, `fastest ${min.toFixed(1)} ms is below latency - jitter`);
    assert.ok(max < 250, `slowest ${max.toFixed(1)} ms is far above latency + jitter`);
    assert.ok(max - min > 30, `spread ${(max - min).toFixed(1)} ms is too small for jitter 60: ${times.map((t) => t.toFixed(0))}`);
  });

  it('bandwidth limits a transfer to about `rate` KB/s', async () => {
    const proxy = await proxyTo(startByteSource(100_000));
    const fast = await receiveAll(proxy.listen);
    await toxic(proxy, 'bandwidth', 'downstream', { rate: 100 });
    const slow = await receiveAll(proxy.listen);
    assert.equal(fast.bytes, 100_000);
    assert.equal(slow.bytes, 100_000);
    assert.ok(fast.endMs < 300, `unthrottled transfer took ${fast.endMs.toFixed(0)} ms`);
    const rate = 100_000 / (slow.endMs / 1000) / 1000;
    assert.ok(rate > 70 && rate < 115, `measured ${rate.toFixed(1)} KB/s for rate 100 (${slow.endMs.toFixed(0)} ms)`);
  });

  it('slow_close delivers data at once but holds the close back `delay` ms', async () => {
    const proxy = await proxyTo(startByteSource(1000));
    await toxic(proxy, 'slow_close', 'downstream', { delay: 400 });
    const got = await receiveAll(proxy.listen);
    assert.equal(got.bytes, 1000);
    assert.equal(got.error, null);
    assert.ok(got.firstByteMs! < 150, `data arrived after ${got.firstByteMs!.toFixed(0)} ms`);
    assert.ok(got.endMs >= 395 && got.endMs < 1200, `close after ${got.endMs.toFixed(0)} ms, want ~400`);
  });

  it('timeout drops data and closes the connection after `timeout` ms', async () => {
    const proxy = await proxyTo(startEchoServer());
    await toxic(proxy, 'timeout', 'upstream', { timeout: 300 });
    const got = await receiveAll(proxy.listen, Buffer.from('hello'));
    assert.equal(got.bytes, 0, 'no echo gets through');
    assert.ok(got.endMs >= 290 && got.endMs < 1200, `closed after ${got.endMs.toFixed(0)} ms, want ~300`);
  });

  it('timeout 0 stalls until removed, and removing it closes the stalled connection', async () => {
    const proxy = await proxyTo(startEchoServer());
    const client = await echoClient(proxy);
    const stall = await toxic(proxy, 'timeout', 'downstream', { timeout: 0 });
    await assert.rejects(client.roundTrip(16, 600), /no echo within 600 ms/);
    assert.equal(client.endedWith, null, 'still open while stalled');
    await stall.remove();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(client.endedWith, 'closed');
    const fresh = await echoClient(proxy);
    assert.ok((await fresh.roundTrip()) < 200, 'new connections flow again');
  });

  it('reset_peer resets the connection (ECONNRESET) `timeout` ms after data arrives', async () => {
    const proxy = await proxyTo(startEchoServer());
    await toxic(proxy, 'reset_peer', 'upstream', { timeout: 200 });
    const got = await receiveAll(proxy.listen, Buffer.from('hello'));
    assert.equal(got.error, 'ECONNRESET');
    assert.equal(got.bytes, 0);
    assert.ok(got.endMs >= 190 && got.endMs < 1200, `reset after ${got.endMs.toFixed(0)} ms, want ~200`);
  });

  it('slicer splits data into many small writes, intact and in order', async () => {
    const proxy = await proxyTo(startByteSource(8000));
    const whole = await receiveAll(proxy.listen);
    await toxic(proxy, 'slicer', 'downstream', { average_size: 100, size_variation: 20, delay: 2000 });
    const sliced = await receiveAll(proxy.listen);
    assert.equal(sliced.bytes, 8000);
    assert.ok(whole.chunks <= 3, `unsliced transfer came in ${whole.chunks} chunks`);
    assert.ok(sliced.chunks >= 40, `sliced transfer came in only ${sliced.chunks} chunks, want ~80`);
  });

  it('keeps bytes intact and in order through latency, jitter and slicing', async () => {
    const proxy = await proxyTo(startEchoServer());
    await toxic(proxy, 'latency', 'upstream', { latency: 20, jitter: 15 });
    await toxic(proxy, 'slicer', 'downstream', { average_size: 3000, size_variation: 1000, delay: 0 });
    const payload = randomBytes(512 * 1024);
    const socket = net.connect({ host: '127.0.0.1', port: Number(proxy.listen.split(':')[1]) });
    const parts: Buffer[] = [];
    socket.on('data', (d: Buffer) => parts.push(d));
    await once(socket, 'connect');
    for (let i = 0; i < payload.length; i += 8192) socket.write(payload.subarray(i, i + 8192));
    socket.end();
    await once(socket, 'close');
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(digest(Buffer.concat(parts)), digest(payload));
  });

  it('limit_data closes the connection after exactly `bytes` bytes', async () => {
    const proxy = await proxyTo(startByteSource(100_000));
    await toxic(proxy, 'limit_data', 'downstream', { bytes: 1234 });
    const got = await receiveAll(proxy.listen);
    assert.equal(got.bytes, 1234);
    assert.ok(got.endMs < 1000);
  });

  it('toxicity 0 never applies; toxicity 0.5 applies to some connections, not all', async () => {
    const proxy = await proxyTo(startEchoServer());
    const never = await toxic(proxy, 'latency', 'downstream', { latency: 300, jitter: 0 }, 0);
    for (let i = 0; i < 5; i++) assert.ok((await (await echoClient(proxy)).roundTrip()) < 150);
    await never.remove();
    await toxic(proxy, 'latency', 'downstream', { latency: 150, jitter: 0 }, 0.5);
    const conns = await Promise.all(Array.from({ length: 30 }, () => echoClient(proxy)));
    const times = await Promise.all(conns.map((c) => c.roundTrip()));
    const slow = times.filter((t) => t >= 140).length;
    assert.ok(slow >= 3 && slow <= 27, `${slow} of 30 connections were delayed at toxicity 0.5`);
  });

  it('toxics added and removed on a live connection affect the data that follows', async () => {
    const proxy = await proxyTo(startEchoServer());
    const client = await echoClient(proxy);
    assert.ok((await client.roundTrip()) < 100);
    const lag = await toxic(proxy, 'latency', 'upstream', { latency: 250, jitter: 0 });
    assert.ok((await client.roundTrip()) >= 245);
    await lag.update({ ...lag.toJson(), attributes: { latency: 120, jitter: 0 } });
    const updated = await client.roundTrip();
    assert.ok(updated >= 115 && updated < 240, `after update to 120 ms: ${updated.toFixed(0)} ms`);
    await lag.remove();
    assert.ok((await client.roundTrip()) < 100);
  });

  it('disable cuts live connections and refuses new ones; enable accepts again', async () => {
    const proxy = await proxyTo(startEchoServer());
    const client = await echoClient(proxy);
    await client.roundTrip();
    const down = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    await assert.rejects(client.roundTrip(16, 1000), /connection ended/);
    await assert.rejects(EchoClient.connect(proxy.listen), /ECONNREFUSED/);
    await down.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    assert.ok((await (await echoClient(proxy)).roundTrip()) < 200);
  });

  it('closes the client when the upstream refuses, and forgets finished connections', async () => {
    const dead = await toxiproxy.createProxy({ name: 'fl-dead', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    const refused = await receiveAll(dead.listen, Buffer.from('hello'), 2000);
    assert.notEqual(refused.error, 'limit', 'client connection must be closed, not left hanging');
    assert.equal(refused.bytes, 0);
    const proxy = await proxyTo(startEchoServer());
    for (let i = 0; i < 5; i++) {
      const client = await echoClient(proxy);
      await client.roundTrip();
      client.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.proxies.get(proxy.name).connectionCount, 0);
    assert.equal(server.proxies.get('fl-dead').connectionCount, 0);
  });

  it('/reset lifts toxics from live connections', async () => {
    const proxy = await proxyTo(startEchoServer());
    const client = await echoClient(proxy);
    await toxic(proxy, 'latency', 'downstream', { latency: 300, jitter: 0 });
    assert.ok((await client.roundTrip()) >= 295);
    await toxiproxy.reset();
    assert.ok((await client.roundTrip()) < 100);
  });
});
