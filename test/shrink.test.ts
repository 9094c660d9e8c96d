// Seeded schedules replay exactly and keep their shape; the greedy shrinker turns a failing run into
// a smaller one that still fails, on a synthetic failure predicate (no target needed).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planFaults, scheduleArbitrary } from '../harness/nemesis/arbitrary.ts';
import { candidates, shrinkRun, smaller, type RunShape } from '../harness/nemesis/shrink.ts';
import type { SchedulePlan } from '../harness/nemesis/schedule.ts';
import type { PlannedFault } from '../harness/nemesis/types.ts';

const plan: SchedulePlan = {
  faults: ['partition-halves', 'partition-one', 'kill', 'pause', 'slow-link'],
  interval: [2, 4],
  duration: [3, 6],
  timeLimitMs: 30_000,
  quietMs: 2_000,
};

describe('seeded fault schedules (fast-check)', () => {
  it('the same seed gives a JSON-identical schedule; other seeds give other schedules', () => {
    const a = JSON.stringify(planFaults(1234, plan));
    assert.equal(JSON.stringify(planFaults(1234, plan)), a);
    assert.equal(JSON.stringify(planFaults(1234, { ...plan })), a);
    const others = new Set([1, 2, 3, 4, 5].map((s) => JSON.stringify(planFaults(s, plan))));
    assert.equal(others.size, 5);
    assert.ok(!others.has(a));
  });

  it('a printed schedule parses back to the same value (replay from JSON)', () => {
    const s = planFaults(77, plan);
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
    for (const f of s) assert.equal(Number(f.pick.toFixed(6)), f.pick);
  });

  it('every drawn schedule keeps the plan: gaps, durations, order, quiet end, known kinds', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 5, max: 120 }), (seed, seconds) => {
        const p = { ...plan, timeLimitMs: seconds * 1000 };
        const s = planFaults(seed, p);
        let end = 0;
        for (const f of s) {
          assert.ok(f.at - end >= 2000 && f.at - end <= 4000, `gap ${f.at - end}`);
          assert.ok(f.duration >= 3000 && f.duration <= 6000, `duration ${f.duration}`);
          assert.ok(f.at + f.duration <= p.timeLimitMs - p.quietMs);
          assert.ok(p.faults.includes(f.kind));
          assert.ok(f.pick >= 0 && f.pick < 1);
          end = f.at + f.duration;
        }
        // the draw ran out of time, not of steps: even the longest gap plus the shortest fault fit no more
        assert.ok(end + 4000 + 3000 > p.timeLimitMs - p.quietMs, `room left after ${end} ms`);
      }),
      { numRuns: 200 },
    );
  });

  it('picks spread over [0,1) (no bias towards the edges: victims vary)', () => {
    const picks = Array.from({ length: 200 }, (_, s) => planFaults(s, plan)).flat().map((f) => f.pick);
    const buckets = [0, 0, 0, 0];
    for (const p of picks) buckets[Math.floor(p * 4)]++;
    for (const b of buckets) assert.ok(b > picks.length / 8, `buckets ${buckets}`);
  });

  it('an empty fault list gives an empty schedule', () => {
    assert.deepEqual(planFaults(9, { ...plan, faults: [] }), []);
    assert.deepEqual(fc.sample(scheduleArbitrary({ ...plan, timeLimitMs: 1000 }), 3), [[], [], []]);
  });
});

const fault = (kind: string, at: number, duration: number): PlannedFault => ({ kind, at, duration, pick: 0.5 });

describe('shrinking a failing run', () => {
  const original: RunShape = {
    schedule: [fault('pause', 2000, 4000), fault('partition-one', 9000, 5000), fault('kill', 16000, 6000), fault('slow-link', 24000, 3000)],
    concurrency: 5,
    timeLimit: 30,
  };
  /** Synthetic bug: shows only when a kill lasts ≥ 1.2 s and at least two clients run past it. */
  const bug = (s: RunShape) => s.concurrency >= 2 && s.schedule.some((f) => f.kind === 'kill' && f.duration >= 1200 && f.at + f.duration <= s.timeLimit * 1000);

  it('every candidate is strictly smaller and keeps the schedule inside the time limit', () => {
    for (const c of candidates(original)) {
      assert.ok(smaller(c.shape, original), c.change);
      for (const f of c.shape.schedule) assert.ok(f.at + f.duration <= c.shape.timeLimit * 1000, c.change);
    }
  });

  it('finds a smaller schedule that still fails', async () => {
    const result = await shrinkRun(original, async (s) => ({ failed: bug(s) }), { budgetMs: 10_000 });
    assert.equal(result.stopped, 'minimal');
    assert.ok(bug(result.shrunk), 'the shrunk run must still fail');
    assert.ok(smaller(result.shrunk, original));
    assert.deepEqual(result.shrunk.schedule.map((f) => f.kind), ['kill']);
    assert.ok(result.shrunk.schedule[0].duration < 2400, `kill still lasts ${result.shrunk.schedule[0].duration} ms`);
    assert.equal(result.shrunk.concurrency, 2);
    assert.equal(result.shrunk.timeLimit, Math.ceil((16000 + result.shrunk.schedule[0].duration) / 1000));
    assert.ok(result.attempts.every((a) => a.failed === bug(a.shape)));
    // locally minimal: no candidate of the result fails any more
    for (const c of candidates(result.shrunk)) assert.ok(!bug(c.shape), `${c.change} would still fail`);
  });

  it('stops at the attempt limit and at the time budget, keeping the best so far', async () => {
    const limited = await shrinkRun(original, async (s) => ({ failed: bug(s) }), { budgetMs: 10_000, maxAttempts: 3 });
    assert.equal(limited.stopped, 'attempts');
    assert.equal(limited.attempts.length, 3);
    assert.ok(bug(limited.shrunk));
    const slow = await shrinkRun(original, async (s) => (await new Promise((r) => setTimeout(r, 30)), { failed: bug(s) }), { budgetMs: 100 });
    assert.equal(slow.stopped, 'budget');
    assert.ok(slow.attempts.length <= 5 && slow.attempts.length >= 2);
  });

  it('a run that no longer fails (flaky bug) or throws does not become the shrunk one', async () => {
    const result = await shrinkRun(original, async () => {
      throw new Error('target did not start');
    }, { budgetMs: 10_000, maxAttempts: 4 });
    assert.deepEqual(result.shrunk, original);
    assert.match(result.attempts[0].note ?? '', /did not start/);
  });
});
