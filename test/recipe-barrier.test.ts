// The barrier recipe: the pure checkers on hand-made histories (a pass before a participant began
// joining, a pass on too small a count, an info join counting as possibly joined, a participant
// stuck at the final barrier), then the scenarios on real ZooKeeper — the correct recipe passes
// under a partition and a kill, the barrier that lets participants through at N-1 exits 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBarrierLiveness, checkBarrierSafety } from '../harness/checker/recipes/barrier.ts';
import type { Op } from '../harness/history/op.ts';
import type { PlannedFault } from '../harness/nemesis/types.ts';
import { runScenario } from '../harness/scenario/run.ts';
import { tempFolders } from './support/temp.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Ops are written as [time of invoke, time of completion]; participant p is process p. */
function builder() {
  const h: Op[] = [];
  const raw: Omit<Op, 'index'>[] = [];
  const add = (p: number, f: 'join' | 'await', [from, to]: [number, number], type: 'ok' | 'fail' | 'info', meta: Record<string, unknown>, final = false) => {
    const value = { participant: p, ...(final ? { final: true } : {}) };
    raw.push({ time: from, process: p, type: 'invoke', f, value }, { time: to, process: p, type, f, value, meta });
  };
  return {
    join: (p: number, round: string, at: [number, number], type: 'ok' | 'fail' | 'info' = 'ok', final = false) => add(p, 'join', at, type, { round }, final),
    pass: (p: number, round: string, at: [number, number], seen = 3, via = 'count', final = false) => add(p, 'await', at, 'ok', { round, seen, via }, final),
    stuck: (p: number, round: string, at: [number, number], final = true) => add(p, 'await', at, 'fail', { round, seen: 2 }, final),
    history(): Op[] {
      h.length = 0;
      raw.sort((a, b) => a.time - b.time).forEach((op) => h.push({ index: h.length, ...op }));
      return h;
    },
  };
}

describe('barrier checkers (hand-made histories)', () => {
  it('accepts passes after all participants joined, an info join counting as possibly joined', () => {
    const b = builder();
    b.join(0, 'r0', [0, 5]);
    b.join(1, 'r0', [1, 6]);
    b.join(2, 'r0', [2, 100], 'info');
    b.pass(0, 'r0', [6, 8]);
    b.pass(1, 'r0', [7, 9], 3, 'ready');
    const r = checkBarrierSafety(b.history(), 3);
    assert.equal(r.valid, true, r.summary);
    assert.equal(r.details!.roundsReleased, 1);
  });

  it('flags a pass completed before a participant even began joining, and one on a short count', () => {
    const early = builder();
    early.join(0, 'r0', [0, 2]);
    early.join(1, 'r0', [1, 3]);
    early.pass(0, 'r0', [3, 4]);
    early.join(2, 'r0', [10, 12]);
    const r = checkBarrierSafety(early.history(), 3);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /participant 0 passed barrier r0 before participant 2 had joined it \(its join began 6 ms after the pass\)/);
    const short = builder();
    short.join(0, 'r0', [0, 2]);
    short.join(1, 'r0', [0, 2]);
    short.join(2, 'r0', [0, 2]);
    short.pass(0, 'r0', [3, 4], 2, 'count');
    const s = checkBarrierSafety(short.history(), 3);
    assert.equal(s.valid, false);
    assert.match(s.summary, /1 passes on a count of fewer than 3/);
  });

  it('a failed join does not count as joined; a join of another round does not either', () => {
    const b = builder();
    b.join(0, 'r0', [0, 2]);
    b.join(1, 'r0', [0, 2]);
    b.join(2, 'r0', [0, 2], 'fail');
    b.join(2, 'r1', [5, 6]);
    b.pass(0, 'r0', [7, 8], 3, 'ready');
    const r = checkBarrierSafety(b.history(), 3);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /before participant 2 had joined it \(it never joined\)/);
  });

  it('liveness: everyone passing the final barrier is valid; one stuck participant is a violation', () => {
    const b = builder();
    for (const p of [0, 1]) b.join(p, 'final', [0, 1], 'ok', true);
    b.pass(0, 'final', [2, 3], 2, 'count', true);
    b.pass(1, 'final', [2, 4], 2, 'ready', true);
    assert.equal(checkBarrierLiveness(b.history(), 2).valid, true);
    const stuck = builder();
    for (const p of [0, 1]) stuck.join(p, 'final', [0, 1], 'ok', true);
    stuck.pass(0, 'final', [2, 3], 2, 'count', true);
    stuck.stuck(1, 'final', [2, 9000]);
    const r = checkBarrierLiveness(stuck.history(), 2);
    assert.equal(r.valid, false);
    assert.match(r.violations![0].message, /participant 1 did not pass the final barrier/);
    assert.equal(checkBarrierLiveness([], 2).valid, 'unknown');
  });
});

describe('barrier scenarios on real ZooKeeper @integration', function () {
  this.timeout(240_000);
  const tmp = tempFolders('zkbarrier');

  it('zk-barrier with a partition and a kill: nobody passes early, all pass the final barrier', async () => {
    const schedule: PlannedFault[] = [
      { kind: 'partition-one', at: 1500, duration: 3000, pick: 0.5 },
      { kind: 'kill', at: 5500, duration: 2500, pick: 0.1 },
    ];
    const { result, history } = await runScenario({ scenario: 'zk-barrier', seed: 17, timeLimit: 12, schedule, out: tmp() });
    assert.equal(result.valid, true, `${result.summary}\n${JSON.stringify(result.checks.map((c) => [c.checker, c.summary]))}`);
    const safety = result.checks.find((c) => c.checker === 'barrier-safety')!;
    // enough rounds for safety to mean something: throughput-bound (9 in 10 s on a loaded machine)
    assert.ok((safety.details!.roundsReleased as number) >= 6, `rounds released: ${String(safety.details!.roundsReleased)}`);
    assert.deepEqual(history.filter((o) => o.f === 'fault-start').map((o) => (o.value as { fault: string }).fault), ['partition-one', 'kill']);
  });

  it('zk-barrier-broken (passes at N-1) exits 1 with passes before everyone joined', () => {
    const out = tmp();
    const r = spawnSync('npx', ['tsx', 'harness/cli.ts', 'scenario', 'zk-barrier-broken', '--time-limit', '4', '--seed', '3', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /INVALID: barrier let participants through early/);
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    const safety = result.checks.find((c: { checker: string }) => c.checker === 'barrier-safety');
    assert.equal(safety.valid, false);
    assert.ok(safety.violations.length > 0);
  });
});
