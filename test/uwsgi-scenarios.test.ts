// The uwsgi-* scenarios through the real pipeline (`faultline scenario`, default runtime): each passes
// on the real stack with exit 0 and its measurements in result.json. The broken variants are in
// uwsgi-scenarios-broken.test.ts (a file of their own, so the parallel suite runs both halves at once).
import assert from 'node:assert/strict';
import { checkNamed, cliScenario } from './support/runs.ts';

describe('uwsgi scenarios through the real pipeline @integration', function () {
  this.timeout(120_000);

  it('uwsgi-harakiri passes with kill windows inside [H, H+3 s] in result.json', () => {
    const { code, out, result } = cliScenario('uwsgi-harakiri', ['--time-limit', '10']);
    assert.equal(code, 0, out);
    const kills = checkNamed(result, 'harakiri').details?.killWindows as { killDelayMs: number }[];
    assert.ok(kills.length > 0, 'no harakiri kill measured');
    for (const k of kills) assert.ok(k.killDelayMs >= 2000 && k.killDelayMs <= 5000, `kill after ${k.killDelayMs} ms`);
    assert.ok(result.metrics?.startMs, 'stack start time in metrics');
  });

  it('uwsgi-recycling passes with at most 10 requests per worker pid', () => {
    const { code, out, result } = cliScenario('uwsgi-recycling', ['--time-limit', '10']);
    assert.equal(code, 0, out);
    const workers = checkNamed(result, 'recycling').details?.workers as Record<string, number>;
    assert.ok(Object.keys(workers).length > 2, 'workers were recycled');
  });

  it('uwsgi-timeouts passes with 504s about 2 s after the request', () => {
    const { code, out, result } = cliScenario('uwsgi-timeouts', ['--time-limit', '10']);
    assert.equal(code, 0, out);
    const s = checkNamed(result, 'timeout').details?.stats504 as { count: number; min: number; max: number };
    assert.ok(s.count > 0 && s.min >= 1900 && s.max <= 3000, JSON.stringify(s));
  });

  it('uwsgi-faults passes under worker/master kills, partitions and pauses', () => {
    const { code, out, result } = cliScenario('uwsgi-faults', ['--time-limit', '15']);
    assert.equal(code, 0, out);
    assert.ok((result.schedule as unknown[]).length > 0);
    assert.equal(checkNamed(result, 'delivery').valid, true);
  });
});
