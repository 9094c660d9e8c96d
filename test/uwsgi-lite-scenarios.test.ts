// uwsgi-lite through the real pipeline (runScenario, real nginx, the default runtime): every uwsgi-*
// scenario passes on it without bugs. Which scenario catches each of its bugs is in
// uwsgi-lite-scenarios-bugs.test.ts (a file of their own, so the parallel suite runs both at once).
import assert from 'node:assert/strict';
import { checkNamed, runInTemp, summary } from './support/runs.ts';

const run = (scenario: string, target: string, timeLimit: number) => runInTemp({ scenario, target, seed: 7, timeLimit });

describe('uwsgi-lite scenarios through the real pipeline @integration', function () {
  this.timeout(120_000);

  it('uwsgi-harakiri passes, harakiri kills inside [H, H+3 s]', async () => {
    const { result } = await run('uwsgi-harakiri', 'uwsgi-lite', 10);
    assert.equal(result.valid, true, summary(result));
    const kills = checkNamed(result, 'harakiri').details?.killWindows as { killDelayMs: number }[];
    assert.ok(kills.length > 0, 'no harakiri kill measured');
    for (const k of kills) assert.ok(k.killDelayMs >= 2000 && k.killDelayMs <= 5000, `kill after ${k.killDelayMs} ms`);
  });

  it('uwsgi-recycling passes with workers recycled', async () => {
    const { result } = await run('uwsgi-recycling', 'uwsgi-lite', 10);
    assert.equal(result.valid, true, summary(result));
    const workers = checkNamed(result, 'recycling').details?.workers as Record<string, number>;
    assert.ok(Object.keys(workers).length > 2, `only ${Object.keys(workers).length} worker pids: nothing was recycled`);
  });

  it('uwsgi-timeouts passes with 504s about 2 s after the request and oversized blocks refused', async () => {
    const { result } = await run('uwsgi-timeouts', 'uwsgi-lite', 10);
    assert.equal(result.valid, true, summary(result));
    const details = checkNamed(result, 'timeout').details!;
    const s = details.stats504 as { count: number; min: number; max: number };
    assert.ok(s.count > 0 && s.min >= 1900 && s.max <= 3000, JSON.stringify(s));
    const refused = (details.timings502 as { kind: string; ms: number }[]).filter((t) => t.kind === 'bigvars');
    assert.ok(refused.length > 0 && refused.every((t) => t.ms < 1000), `oversized blocks: ${JSON.stringify(refused)}`);
  });

  it('uwsgi-faults passes with its faults really injected', async () => {
    const { result, history } = await run('uwsgi-faults', 'uwsgi-lite', 15);
    assert.equal(result.valid, true, summary(result));
    const started = history.filter((op) => op.f === 'fault-start').map((op) => (op.value as { fault: string }).fault);
    assert.ok(started.length > 0, 'no fault was injected (were the fault kinds skipped for uwsgi-lite?)');
    assert.equal(checkNamed(result, 'delivery').valid, true);
  });
});
