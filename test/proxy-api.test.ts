// The proxy's HTTP API, driven through toxiproxy-node-client exactly as the harness (or any Toxiproxy
// user) drives it, plus raw fetches for the shapes the client does not expose (status codes, errors).
import assert from 'node:assert/strict';
import { Toxiproxy, ToxiproxyError, type Latency } from 'toxiproxy-node-client';
import { ProxyServer, type StartedProxyServer } from '../harness/net/proxy/server.ts';
import { EchoClient, startEchoServer, type StartedPeer } from '../harness/net/proxy/probes.ts';
import http from 'node:http';

/** A request with exactly the headers given (fetch will not send a foreign Host). */
function rawRequest(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${path} within 5 s`)));
    req.end(init.body);
  });
}

describe('proxy API (Toxiproxy-compatible)', () => {
  let server: StartedProxyServer;
  let echo: StartedPeer;
  let toxiproxy: Toxiproxy;

  beforeEach(async () => {
    server = await ProxyServer.start({ port: 0 });
    echo = await startEchoServer();
    toxiproxy = new Toxiproxy(server.url);
  });
  afterEach(async () => {
    await server.stop();
    await echo.stop();
  });

  /** A JSON request as Toxiproxy clients send it (Content-Type: application/json). */
  const send = (path: string, body: string, method = 'POST') => fetch(`${server.url}${path}`, { method, body, headers: { 'Content-Type': 'application/json' } });
  const create = (name: string, enabled = true) =>
    toxiproxy.createProxy({ name, listen: '127.0.0.1:0', upstream: echo.address, enabled });

  it('reports a 2.x version', async () => {
    const text = await toxiproxy.getVersion();
    assert.match(JSON.parse(text).version, /^2\./);
  });

  it('creates a proxy on a picked port that forwards to the upstream', async () => {
    const proxy = await create('fl-a');
    assert.equal(proxy.enabled, true);
    assert.equal(proxy.upstream, echo.address);
    assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(proxy.listen, '127.0.0.1:0');
    const client = await EchoClient.connect(proxy.listen);
    assert.ok((await client.roundTrip(100)) < 1000);
    client.close();
  });

  it('answers 201 on create and 409 with Toxiproxy error JSON for a duplicate', async () => {
    const body = JSON.stringify({ name: 'fl-dup', listen: '127.0.0.1:0', upstream: echo.address });
    const first = await send('/proxies', body);
    assert.equal(first.status, 201);
    const second = await send('/proxies', body);
    assert.equal(second.status, 409);
    assert.deepEqual(await second.json(), { error: 'proxy already exists', status: 409 });
    await assert.rejects(create('fl-dup'), (err: unknown) => err instanceof ToxiproxyError && /409/.test(err.message));
  });

  it('gets one proxy and lists all, with their toxics', async () => {
    const proxy = await create('fl-a');
    await create('fl-b', false);
    await proxy.addToxic<Latency>({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5, jitter: 0 } });
    const got = await toxiproxy.get('fl-a');
    assert.equal(got.listen, proxy.listen);
    const all = await toxiproxy.getAll();
    assert.deepEqual(Object.keys(all).sort(), ['fl-a', 'fl-b']);
    assert.equal(all['fl-b'].enabled, false);
    const raw = await (await fetch(`${server.url}/proxies`)).json();
    assert.deepEqual(raw['fl-a'].toxics, [{ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5, jitter: 0 } }]);
    assert.deepEqual(raw['fl-b'].toxics, []);
  });

  it('answers 404 for an unknown proxy or toxic', async () => {
    const res = await fetch(`${server.url}/proxies/nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'proxy not found', status: 404 });
    const proxy = await create('fl-a');
    await assert.rejects(proxy.getToxic('nope'), /404/);
  });

  it('populates: creates new proxies, keeps matching ones, replaces changed ones', async () => {
    const first = await toxiproxy.populate([
      { name: 'fl-p1', listen: '127.0.0.1:0', upstream: echo.address },
      { name: 'fl-p2', listen: '127.0.0.1:0', upstream: echo.address },
    ]);
    assert.deepEqual(Object.keys(first).sort(), ['fl-p1', 'fl-p2']);
    const p1Listen = first['fl-p1'].listen;
    const res = await send('/populate', JSON.stringify([
      { name: 'fl-p1', listen: p1Listen, upstream: echo.address },
      { name: 'fl-p2', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' },
    ]));
    assert.equal(res.status, 201);
    const body = (await res.json()) as { proxies: { name: string; listen: string; upstream: string }[] };
    assert.equal(body.proxies[0].listen, p1Listen, 'unchanged proxy kept as it was');
    assert.equal(body.proxies[1].upstream, '127.0.0.1:1', 'changed proxy replaced');
  });

  it('disables and re-enables a proxy through update, on the same port', async () => {
    const proxy = await create('fl-a');
    const down = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    assert.equal(down.enabled, false);
    await assert.rejects(EchoClient.connect(proxy.listen), /ECONNREFUSED/);
    const up = await down.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    assert.equal(up.enabled, true);
    assert.equal(up.listen, proxy.listen);
    const client = await EchoClient.connect(up.listen);
    await client.roundTrip();
    client.close();
  });

  it('adds, shows, lists, updates and removes toxics', async () => {
    const proxy = await create('fl-a');
    const toxic = await proxy.addToxic<Latency>({ name: 'lag', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 10, jitter: 2 } });
    assert.deepEqual(toxic.toJson(), { name: 'lag', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 10, jitter: 2 } });
    const shown = await proxy.getToxic<Latency>('lag');
    assert.equal(shown.attributes.latency, 10);
    const updated = await toxic.update({ ...toxic.toJson(), attributes: { latency: 20, jitter: 0 } });
    assert.equal(updated.attributes.latency, 20);
    const list = await (await fetch(`${server.url}/proxies/fl-a/toxics`)).json();
    assert.equal(list.length, 1);
    assert.equal(list[0].attributes.latency, 20);
    await updated.remove();
    assert.deepEqual(await (await fetch(`${server.url}/proxies/fl-a/toxics`)).json(), []);
  });

  it('defaults a toxic name to <type>_<stream>, stream to downstream, toxicity to 1', async () => {
    const res = await send(`/proxies/${(await create('fl-a')).name}/toxics`, JSON.stringify({ type: 'bandwidth', attributes: { rate: 50 } }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { name: 'bandwidth_downstream', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 50 } });
  });

  it('refuses bad toxic bodies with 400 and duplicates with 409', async () => {
    await create('fl-a');
    const post = (body: unknown) => send('/proxies/fl-a/toxics', JSON.stringify(body));
    assert.equal((await post({ type: 'nonsense' })).status, 400);
    assert.equal((await post({ type: 'latency', stream: 'sideways' })).status, 400);
    assert.equal((await post({ type: 'latency', toxicity: 2 })).status, 400);
    assert.equal((await post({ type: 'latency', attributes: { latency: -1 } })).status, 400);
    assert.equal((await post({ type: 'latency' })).status, 200);
    const dup = await post({ type: 'latency' });
    assert.equal(dup.status, 409);
    assert.deepEqual(await dup.json(), { error: 'toxic already exists', status: 409 });
    const bad = await send('/proxies', '{not json');
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /bad request body/);
  });

  it('deletes a proxy: its port is closed and it is gone from the list', async () => {
    const proxy = await create('fl-a');
    await proxy.remove();
    assert.deepEqual(Object.keys(await toxiproxy.getAll()), []);
    await assert.rejects(EchoClient.connect(proxy.listen), /ECONNREFUSED/);
  });

  it('reset enables every proxy and removes every toxic', async () => {
    const a = await create('fl-a', false);
    const b = await create('fl-b');
    await b.addToxic({ name: 't', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } });
    await toxiproxy.reset();
    const all = await toxiproxy.getAll();
    assert.equal(all['fl-a'].enabled, true);
    const raw = await (await fetch(`${server.url}/proxies/fl-b`)).json();
    assert.deepEqual(raw.toxics, []);
    const client = await EchoClient.connect(all[a.name].listen);
    await client.roundTrip();
    client.close();
  });

  it('refuses upstreams and listen addresses outside loopback and 10.77.0.0/16', async () => {
    await assert.rejects(toxiproxy.createProxy({ name: 'fl-x', listen: '127.0.0.1:0', upstream: '192.0.2.1:9' }), /400/);
    await assert.rejects(toxiproxy.createProxy({ name: 'fl-y', listen: '0.0.0.0:0', upstream: echo.address }), /400/);
  });

  it('refuses browsers (403), like Toxiproxy', async () => {
    const res = await fetch(`${server.url}/proxies`, { headers: { 'User-Agent': 'Mozilla/5.0' } });
    assert.equal(res.status, 403);
  });

  it('cannot be driven by a web page: foreign Host (DNS rebinding), foreign Origin, non-JSON bodies are refused', async () => {
    const body = JSON.stringify({ name: 'fl-web', listen: '127.0.0.1:0', upstream: echo.address });
    const raw = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string }) => rawRequest(server.port, path, init);
    // what a cross-site form or no-cors fetch can send without asking first
    assert.equal((await raw('/proxies', { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } })).status, 415);
    assert.equal((await raw('/proxies', { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status, 415);
    assert.equal((await raw('/proxies', { method: 'POST', body })).status, 415, 'an untyped body');
    assert.equal((await raw('/reset', { method: 'POST', headers: { Origin: 'http://evil.example' } })).status, 403, 'a body-less cross-site POST');
    assert.equal((await raw('/proxies', { method: 'POST', body, headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' } })).status, 403);
    // DNS rebinding: the page's own origin, re-pointed at 127.0.0.1
    const rebound = { Host: `evil.example:${server.port}`, Origin: `http://evil.example:${server.port}`, 'Content-Type': 'application/json' };
    const res = await raw('/proxies', { method: 'POST', body, headers: rebound });
    assert.equal(res.status, 403);
    assert.match(res.text, /Host evil\.example:\d+ is not a loopback address/);
    assert.equal((await raw('/proxies', { headers: { Host: 'evil.example' } })).status, 403, 'reads too: the list of proxies is not for other sites');
    assert.deepEqual(await toxiproxy.getAll(), {}, 'none of them created anything');
    // what a Toxiproxy client or curl sends still works, with localhost or the address as Host
    assert.equal((await raw('/proxies', { method: 'POST', body, headers: { 'Content-Type': 'application/json; charset=utf-8', Host: `localhost:${server.port}` } })).status, 201);
    assert.equal((await raw('/reset', { method: 'POST' })).status, 204);
    await toxiproxy.reset();
    await (await toxiproxy.get('fl-web')).remove();
  });

  it('a listen address in use is 409, one this machine does not have is 400', async () => {
    const taken = await create('fl-taken');
    await assert.rejects(toxiproxy.createProxy({ name: 'fl-clash', listen: taken.listen, upstream: echo.address }), /409/);
    const res = await send('/proxies', JSON.stringify({ name: 'fl-gone', listen: '10.77.250.250:0', upstream: echo.address }));
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /no interface of this machine has that address/);
  });

  it('will not start its API on a non-loopback host', async () => {
    await assert.rejects(ProxyServer.start({ host: '0.0.0.0', port: 0 }), /not a loopback address/);
  });
});
