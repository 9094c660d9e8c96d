// uwsgi-lite through the real pipeline (runScenario, real nginx, the default runtime): every uwsgi-*
// scenario passes on it without bugs, and each switchable bug is caught — verdict invalid, by the
// checker named in the table — by the scenario BUGS.md says catches it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CheckResult, RunResult } from '../harness/checker/result.ts';
import { runScenario, type RunOutcome } from '../harness/scenario/run.ts';
import { KNOWN_BUGS } from '../targets/uwsgi-lite/server/options.ts';

async function run(scenario: string, target: string, timeLimit: number): Promise<RunOutcome> {
  const out = mkdtempSync(path.join(tmpdir(), 'fl-uwsgi-lite-run-'));
  try {
    return await runScenario({ scenario, target, seed: 7, timeLimit, out });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const check = (result: RunResult, name: string): CheckResult => {
  const c = result.checks.find((x) => x.checker === name);
  assert.ok(c, `no ${name} check in the result`);
  return c;
};
const summary = (r: RunResult) => r.checks.map((c) => `${c.checker}: ${c.valid} — ${c.summary}`).join('\n');

/** Which scenario catches which bug, and through which checker (BUGS.md says the same). */
const CATCHES: { bug: (typeof KNOWN_BUGS)[number]; scenario: string; checker: string; message: RegExp }[] = [
  { bug: 'harakiri-late', scenario: 'uwsgi-harakiri', checker: 'harakiri', message: /past harakiri 2 s/ },
  { bug: 'recycle-cuts', scenario: 'uwsgi-recycling', checker: 'recycling', message: /recycling must neither cut a request in flight/ },
  { bug: 'no-buffer-limit', scenario: 'uwsgi-timeouts', checker: 'timeout', message: /exceeds buffer-size 4096: uWSGI must refuse it/ },
  { bug: 'double-effect', scenario: 'uwsgi-recycling', checker: 'delivery', message: /side effect happened [2-9] times: a POST's effect must happen at most once/ },
  { bug: 'harakiri-wall-clock', scenario: 'uwsgi-harakiri-clock', checker: 'harakiri-clock', message: /step of app's wall clock, which this stack's harakiri claims not to read/ },
];

describe('uwsgi-lite scenarios through the real pipeline @integration', function () {
  this.timeout(120_000);

  it('uwsgi-harakiri passes, harakiri kills inside [H, H+3 s]', async () => {
    const { result } = await run('uwsgi-harakiri', 'uwsgi-lite', 10);
    assert.equal(result.valid, true, summary(result));
    const kills = check(result, 'harakiri').details?.killWindows as { killDelayMs: number }[];
    assert.ok(kills.length > 0, 'no harakiri kill measured');
    for (const k of kills) assert.ok(k.killDelayMs >= 2000 && k.killDelayMs <= 5000, `kill after ${k.killDelayMs} ms`);
  });

  it('uwsgi-recycling passes with workers recycled', async () => {
    const { result } = await run('uwsgi-recycling', 'uwsgi-lite', 10);
    assert.equal(result.valid, true, summary(result));
    const workers = check(result, 'recycling').details?.workers as Record<string, number>;
    assert.ok(Object.keys(workers).length > 2, `only ${Object.keys(workers).length} worker pids: nothing was recycled`);
  });

  it('uwsgi-timeouts passes with 504s about 2 s after the request and oversized blocks refused', async () => {
    const { result } = await run('uwsgi-timeouts', 'uwsgi-lite', 10);
    assert.equal(result.valid, true, summary(result));
    const details = check(result, 'timeout').details!;
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
    assert.equal(check(result, 'delivery').valid, true);
  });

  it('the table names a catching scenario for every bug', () => {
    assert.deepEqual(CATCHES.map((c) => c.bug).sort(), [...KNOWN_BUGS].sort());
  });

  for (const c of CATCHES) {
    it(`bug ${c.bug} is caught by ${c.scenario} (${c.checker} invalid)`, async () => {
      const { result } = await run(c.scenario, `uwsgi-lite:bug=${c.bug}`, 10);
      assert.equal(result.valid, false, summary(result));
      const judged = check(result, c.checker);
      assert.equal(judged.valid, false, summary(result));
      assert.match(judged.summary, c.message);
    });
  }
});
