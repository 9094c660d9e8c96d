// The harness-side link faults (slow-link, flaky-link, stall, cut, heal) on a real proxied link,
// each checked by what a client on that link experiences.
import assert from 'node:assert/strict';
import type { Toxiproxy } from 'toxiproxy-node-client';
import { ProxyServer, createLink, linkName, removeLinks, type StartedProxyServer, type LinkHandle } from '../harness/net/proxy/index.ts';
import { EchoClient, receiveAll, startEchoServer, type StartedPeer } from '../harness/net/proxy/probes.ts';

describe('proxy link faults', function () {
  this.timeout(10_000);
  let server: StartedProxyServer;
  let echo: StartedPeer;
  let toxiproxy: Toxiproxy;
  let link: LinkHandle;
  const clients: EchoClient[] = [];

  beforeEach(async () => {
    server = await ProxyServer.start({ port: 0 });
    echo = await startEchoServer();
    toxiproxy = server.client();
    link = await createLink(toxiproxy, { run: 'r1', from: 'client', to: 'n1', upstream: echo.address });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.stop();
    await echo.stop();
  });
  const connect = async () => {
    const client = await EchoClient.connect(link.listen);
    clients.push(client);
    return client;
  };

  it('names links fl-<run>-<from>-<to> and replaces a stale one', async () => {
    assert.equal(link.name, 'fl-r1-client-n1');
    assert.equal(linkName('run 7', 'n/1', 'n2'), 'fl-run_7-n_1-n2');
    const again = await createLink(toxiproxy, { run: 'r1', from: 'client', to: 'n1', upstream: echo.address });
    assert.equal(again.name, link.name);
    assert.deepEqual(Object.keys(await toxiproxy.getAll()), ['fl-r1-client-n1']);
  });

  it('slow-link adds latency in both directions, and applying it again updates it', async () => {
    const client = await connect();
    await link.slow(100, 0);
    const rtt = await client.roundTrip();
    assert.ok(rtt >= 195 && rtt < 450, `round trip ${rtt.toFixed(0)} ms with 100 ms each way`);
    await link.slow(30, 0);
    const faster = await client.roundTrip();
    assert.ok(faster >= 55 && faster < 180, `round trip ${faster.toFixed(0)} ms with 30 ms each way`);
    await link.heal();
    assert.ok((await client.roundTrip()) < 50);
  });

  it('flaky-link in reset mode resets connections that carry data', async () => {
    await link.flaky({ mode: 'reset', toxicity: 1, timeoutMs: 50, streams: ['upstream'] });
    const got = await receiveAll(link.listen, Buffer.from('ping'));
    assert.equal(got.error, 'ECONNRESET');
  });

  it('flaky-link in limit mode cuts connections after N bytes', async () => {
    await link.flaky({ mode: 'limit', toxicity: 1, bytes: 10 });
    const got = await receiveAll(link.listen, Buffer.alloc(100, 'x'));
    assert.equal(got.bytes, 10);
    assert.equal(got.error, null);
  });

  it('stall holds everything until heal, and heal closes the stalled connection', async () => {
    const client = await connect();
    await link.stall();
    await assert.rejects(client.roundTrip(16, 400), /no echo/);
    await link.heal();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(client.endedWith, 'closed');
    assert.ok((await (await connect()).roundTrip()) < 100);
  });

  it('cut closes live connections and refuses new ones until heal, on the same address', async () => {
    const client = await connect();
    await client.roundTrip();
    const listen = link.listen;
    await link.cut();
    await assert.rejects(client.roundTrip(16, 500), /connection ended/);
    await assert.rejects(EchoClient.connect(listen), /ECONNREFUSED/);
    await link.heal();
    assert.equal(link.listen, listen);
    assert.ok((await (await connect()).roundTrip()) < 100);
  });

  it('removeLinks deletes only the given run’s proxies', async () => {
    await createLink(toxiproxy, { run: 'r2', from: 'n1', to: 'n2', upstream: echo.address });
    assert.deepEqual(await removeLinks(toxiproxy, 'r1'), ['fl-r1-client-n1']);
    assert.deepEqual(Object.keys(await toxiproxy.getAll()), ['fl-r2-n1-n2']);
  });
});
