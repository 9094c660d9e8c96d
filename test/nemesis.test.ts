// Pure parts of the nemesis: partition shapes (grudges) and seeded fault schedules.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bridge, complete, describeGrudge, halves, isolate, majoritiesRing, shuffled, splitHalves, chooseNode, type Grudge } from '../harness/net/grudge.ts';
import { faultKinds, faultKindsFor, planSchedule } from '../harness/nemesis/index.ts';
import uwsgiNginx from '../targets/uwsgi-nginx/index.ts';
import uwsgiLite from '../targets/uwsgi-lite/index.ts';
import zookeeper from '../targets/zookeeper/index.ts';
import { Rng } from '../harness/rng.ts';
import { UsageError } from '../harness/errors.ts';

const nodesOf = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
/** Who `node` still hears (itself included). */
const hears = (g: Grudge, nodes: string[], node: string) => nodes.filter((x) => !(g[node] ?? []).includes(x));
const symmetric = (g: Grudge) => Object.entries(g).every(([a, bs]) => bs.every((b) => (g[b] ?? []).includes(a)));

describe('grudges', () => {
  it('complete: each component drops exactly the others', () => {
    assert.deepEqual(complete([['n1'], ['n2', 'n3']]), { n1: ['n2', 'n3'], n2: ['n1'], n3: ['n1'] });
  });

  it('isolate: one node alone, the rest together', () => {
    const g = isolate(nodesOf(5), 'n3');
    assert.deepEqual(g.n3, ['n1', 'n2', 'n4', 'n5']);
    for (const n of ['n1', 'n2', 'n4', 'n5']) assert.deepEqual(g[n], ['n3']);
  });

  it('halves: a minority of ⌊n/2⌋ and a majority, symmetric, same pick → same cut', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 9 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, pick) => {
      const nodes = nodesOf(n);
      const [minority, majority] = splitHalves(nodes, pick);
      assert.equal(minority.length, Math.floor(n / 2));
      assert.deepEqual([...minority, ...majority].sort(), [...nodes].sort());
      const g = halves(nodes, pick);
      assert.ok(symmetric(g));
      for (const m of minority) assert.deepEqual([...g[m]].sort(), [...majority].sort());
      assert.deepEqual(halves(nodes, pick), g);
    }));
  });

  it('halves: different picks cut differently', () => {
    const cuts = new Set(Array.from({ length: 20 }, (_, i) => splitHalves(nodesOf(5), i / 20)[0].sort().join(',')));
    assert.ok(cuts.size > 3, `only ${cuts.size} different minorities`);
  });

  it('majorities ring: everyone hears a majority, no two hear the same one', () => {
    for (const n of [3, 4, 5, 7]) {
      const nodes = nodesOf(n);
      for (const pick of [0, 0.3, 0.77]) {
        const g = majoritiesRing(nodes, pick);
        const seen = nodes.map((x) => hears(g, nodes, x));
        for (const s of seen) assert.equal(s.length, Math.floor(n / 2) + 1, `n=${n}: ${describeGrudge(g)}`);
        assert.equal(new Set(seen.map((s) => s.join(','))).size, n, `n=${n}: ${describeGrudge(g)}`);
        // a window of odd size has a true middle: each node then keeps as many neighbours on each side
        if ((Math.floor(n / 2) + 1) % 2 === 1) assert.ok(symmetric(g), `n=${n} ring should be symmetric: ${describeGrudge(g)}`);
      }
    }
  });

  it('bridge: the bridge node hears all, the two sides not each other', () => {
    for (const n of [3, 5]) {
      const nodes = nodesOf(n);
      const g = bridge(nodes, 0.42);
      const bridges = nodes.filter((x) => g[x].length === 0);
      assert.equal(bridges.length, 1);
      const others = nodes.filter((x) => x !== bridges[0]);
      assert.ok(symmetric(g));
      for (const x of others) {
        assert.ok(!g[x].includes(bridges[0]));
        assert.equal(g[x].length, Math.floor((n - 1) / 2));
      }
    }
  });

  it('shuffled and chooseNode are deterministic permutations/choices', () => {
    assert.deepEqual(shuffled(nodesOf(5), 0.5), shuffled(nodesOf(5), 0.5));
    assert.deepEqual([...shuffled(nodesOf(5), 0.9)].sort(), nodesOf(5));
    assert.equal(chooseNode(nodesOf(3), 0), 'n1');
    assert.equal(chooseNode(nodesOf(3), 0.5), 'n2');
    assert.equal(chooseNode(nodesOf(3), 0.9999), 'n3');
  });
});

describe('fault schedules', () => {
  const plan = { faults: ['partition-one', 'kill', 'pause'], interval: [1, 3] as [number, number], duration: [2, 5] as [number, number], timeLimitMs: 60_000, quietMs: 5000 };

  it('the same seed gives the same schedule, another seed another one', () => {
    const a = planSchedule(new Rng(42), plan);
    assert.deepEqual(planSchedule(new Rng(42), plan), a);
    assert.notDeepEqual(planSchedule(new Rng(43), plan), a);
    assert.ok(a.length >= 5);
  });

  it('respects intervals, durations and the quiet tail', () => {
    fc.assert(fc.property(fc.integer(), fc.integer({ min: 5, max: 120 }), (seed, seconds) => {
      const p = { ...plan, timeLimitMs: seconds * 1000 };
      const s = planSchedule(new Rng(seed), p);
      let lastEnd = 0;
      for (const f of s) {
        assert.ok(plan.faults.includes(f.kind));
        assert.ok(f.at - lastEnd >= 1000 && f.at - lastEnd <= 3000, `gap ${f.at - lastEnd}`);
        assert.ok(f.duration >= 2000 && f.duration <= 5000, `duration ${f.duration}`);
        assert.ok(f.at + f.duration <= p.timeLimitMs - p.quietMs);
        assert.ok(f.pick >= 0 && f.pick < 1);
        lastEnd = f.at + f.duration;
      }
    }));
  });

  it('order \'cycle\': every seed takes the kinds in the list\'s order, repeating; timings still vary by seed', () => {
    const cycle = { ...plan, order: 'cycle' as const };
    const a = planSchedule(new Rng(1), cycle);
    const b = planSchedule(new Rng(2), cycle);
    for (const s of [a, b]) assert.deepEqual(s.map((f) => f.kind), s.map((_, i) => plan.faults[i % 3]));
    assert.notDeepEqual(a.map((f) => f.at), b.map((f) => f.at));
    assert.deepEqual(a.map((f) => f.at), planSchedule(new Rng(1), plan).map((f) => f.at), 'the kind draws stay in the stream: the same seed keeps its timings');
  });

  it('every fault kind named in the issue exists', () => {
    for (const k of ['partition-halves', 'partition-one', 'partition-leader', 'partition-ring', 'partition-bridge', 'kill', 'kill-leader', 'pause', 'pause-leader']) {
      assert.equal(faultKinds[k]?.name, k);
    }
  });

  it('the uWSGI worker kinds come with the stack targets, not with the nemesis', () => {
    const stackKinds = ['worker-kill', 'worker-stop', 'master-kill', 'app-partition', 'app-pause'];
    for (const k of stackKinds) {
      assert.equal(faultKinds[k], undefined, `${k} is not a generic kind`);
      assert.equal(faultKindsFor(uwsgiNginx)[k]?.name, k);
      assert.equal(faultKindsFor(uwsgiLite)[k]?.name, k);
      assert.equal(faultKindsFor(zookeeper)[k], undefined);
    }
    assert.equal(faultKindsFor(uwsgiNginx)['partition-one'], faultKinds['partition-one']);
    const plan2 = { ...plan, faults: ['worker-kill'] };
    assert.throws(() => planSchedule(new Rng(1), plan2), UsageError);
    assert.ok(planSchedule(new Rng(1), plan2, faultKindsFor(uwsgiNginx)).every((f) => f.kind === 'worker-kill'));
  });

  it('rejects unknown kinds and bad ranges', () => {
    assert.throws(() => planSchedule(new Rng(1), { ...plan, faults: ['meteor'] }), UsageError);
    assert.throws(() => planSchedule(new Rng(1), { ...plan, duration: [3, 1] }), UsageError);
    assert.deepEqual(planSchedule(new Rng(1), { ...plan, faults: [] }), []);
  });
});
