// The HTTP workload: request sizes follow the deadlines the scenario expects (slow ones well inside,
// over ones past the point where the kill or the 504 is certain), the mix replays from the seed with
// unique request ids, and one exchange never hangs: a server that stays silent ends in the client's
// own timeout, a refused connection in an explicit error.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Rng } from '../harness/rng.ts';
import { exchange, planFor, requestGenerator } from '../harness/workloads/http.ts';
import type { RequestSpec } from '../harness/checker/http/requests.ts';

describe('http workload', () => {
  it('sizes slow requests inside the nearest deadline and over ones past the certain kill', () => {
    const h = planFor({ harakiri: 2, readTimeout: 10, connectTimeout: 2 });
    assert.ok(h.slowMs[1] <= 1300 && h.slowMs[0] >= 500, `slow ${h.slowMs}`);
    assert.ok(h.overMs[0] >= 2000 + 3000, `over ${h.overMs}`);
    assert.ok(h.clientTimeoutMs > 2000 + 10_000 + h.overMs[1], 'client timeout above every server deadline');
    const t = planFor({ harakiri: 6, 'read-timeout': '2', expectHarakiri: 6 });
    assert.ok(t.overMs[0] > 2000 + 1000 && t.overMs[1] < 6000, `over ${t.overMs}`);
    assert.ok(t.stream.gapMs < 2000 && t.stream.gapMs * (t.stream.chunks - 1) > 2000, 'a stream longer than T with gaps shorter than T');
    assert.equal(planFor({ expectHarakiri: 3, harakiri: 0 }).overMs[0], 3000 + 3300, 'sized from what the scenario expects');
  });

  it('draws the same mix from the same seed, with unique request ids', () => {
    const plan = planFor({ harakiri: 2, readTimeout: 10 });
    const draw = (seed: number) => {
      const gen = requestGenerator(plan);
      const rng = new Rng(seed);
      return Array.from({ length: 200 }, (_, i) => gen({ process: i % 4, worker: i % 4, time: i, rng })!);
    };
    const a = draw(5);
    assert.deepEqual(a, draw(5));
    assert.notDeepEqual(a, draw(6));
    const rids = a.map((op) => (op.value as RequestSpec).rid);
    assert.equal(new Set(rids).size, rids.length);
    assert.deepEqual(new Set(a.map((op) => op.f)), new Set(['fast', 'slow', 'over', 'stream', 'body', 'effect', 'bigvars']));
    const pads = a.filter((op) => op.f === 'bigvars').map((op) => (op.value as RequestSpec).padBytes!);
    assert.ok(pads.every((p) => p > 4096 && p + 1100 < 8192), `pads ${pads}`);
    assert.equal(planFor({ bufferSize: 8192 }).mix.bigvars, 0, 'no oversized block nginx would refuse itself');
  });

  it('ends a silent exchange with its own timeout and a refused one with an explicit error', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const t0 = performance.now();
      const r = await exchange({ host: '127.0.0.1', port }, { rid: 'x', method: 'GET', path: '/' }, 300);
      assert.equal(r.clientTimeout, true);
      assert.ok(performance.now() - t0 < 1000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
    const refused = await exchange({ host: '127.0.0.1', port }, { rid: 'y', method: 'POST', path: '/effect', bodyBytes: 0 }, 2000);
    assert.equal(refused.code, 'ECONNREFUSED');
    assert.equal(refused.status, undefined);
  });
});
