// The structure-aware decision procedures (harness/checker/procedures) against the generic search:
// on thousands of small histories per model they give the same verdict, every "linearizable" they
// claim replays, and histories outside what they were proved for go to the search. On generated
// histories of the sizes the issue names they decide with the right answer and a small counterexample.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Op } from '../harness/history/op.ts';
import { checkLinearizability } from '../harness/checker/linearizability.ts';
import { certificateFailures, decideByProcedure } from '../harness/checker/decide.ts';
import { modelByName } from '../harness/checker/models/registry.ts';
import { prepareHistory } from '../harness/checker/prepared.ts';
import { searchLinearization } from '../harness/checker/search.ts';
import { Rng } from '../harness/rng.ts';
import type { GeneratedModel } from './support/histories.ts';
import { VIOLATIONS, generateHistory } from './support/histories.ts';

const MODELS: GeneratedModel[] = ['set', 'fifo-queue', 'register', 'cas-register'];
const UNBOUNDED = { deadline: Infinity, maxCacheBytes: 2 ** 30, maxRssBytes: 2 ** 40 };

/** A small simulated history, sometimes with a planted violation and sometimes with one completion
 *  value overwritten at random (which may or may not break it). */
function smallHistory(model: GeneratedModel, seed: number): Op[] | null {
  const rng = new Rng(seed);
  const history = generateHistory({
    model, seed, ops: rng.int(2, 14), processes: rng.int(2, 5), infoRate: rng.pick([0, 0.2, 0.5]),
    violation: rng.float() < 0.4 ? rng.pick(VIOLATIONS[model]) : undefined,
  });
  if (!history || rng.float() > 0.3) return history;
  const reads = history.filter((op) => op.type === 'ok' && ['read', 'dequeue'].includes(op.f));
  if (reads.length) rng.pick(reads).value = model === 'set' ? rng.pick([[], [1], [1, 2], [2, 3]]) : rng.pick([null, 1, 2, 3]);
  return history;
}

/** A queue history with no simulation behind it: random interleaving, dequeues returning any
 *  enqueued value or nil, one op in five with unknown outcome. Mostly not linearizable. */
function randomQueueHistory(seed: number): Op[] {
  const rng = new Rng(seed);
  const n = rng.int(2, 8), ops: Op[] = [], open: number[] = [];
  const calls = Array.from({ length: n }, (_, i) => (rng.float() < 0.5 ? { f: 'enqueue', value: i + 1 } : { f: 'dequeue', value: null }));
  const enqueued = calls.filter((c) => c.f === 'enqueue').map((c) => c.value);
  let next = 0;
  while (next < n || open.length) {
    if (next < n && (open.length === 0 || rng.float() < 0.5)) {
      ops.push({ index: ops.length, time: ops.length, process: next, type: 'invoke', f: calls[next].f, value: calls[next].value });
      open.push(next++);
      continue;
    }
    const p = open.splice(rng.int(0, open.length - 1), 1)[0], c = calls[p], info = rng.float() < 0.2;
    const value = info ? null : c.f === 'enqueue' ? c.value : rng.float() < 0.3 || !enqueued.length ? null : rng.pick(enqueued);
    ops.push({ index: ops.length, time: ops.length, process: p, type: info ? 'info' : 'ok', f: c.f, value });
  }
  return ops;
}

/** The procedure's verdict and the search's on one history; null when the procedure declines. */
function bothVerdicts(modelName: string, history: Op[]): { procedure: boolean; search: boolean } | null {
  const model = modelByName(modelName);
  const ops = prepareHistory(model, history).partitions.get('') ?? [];
  const decided = decideByProcedure(model, ops);
  if (!decided) return null;
  return { procedure: decided.verdict, search: searchLinearization(model, ops, UNBOUNDED).result === 'ok' };
}

describe('checker: decision procedures agree with the search', function () {
  this.timeout(120_000);
  before(() => { certificateFailures.count = 0; });
  after(() => assert.equal(certificateFailures.count, 0, 'a procedure claimed a linearization that does not replay'));

  for (const model of MODELS) {
    it(`${model}: 10,000 small histories`, () => {
      const seen = { valid: 0, invalid: 0 };
      fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 30 }), (seed) => {
        const history = smallHistory(model, seed);
        if (!history) return;
        const v = bothVerdicts(model, history);
        assert.ok(v, `the ${model} procedure declined a history of distinct values: ${JSON.stringify(history)}`);
        seen[v.search ? 'valid' : 'invalid']++;
        assert.equal(v.procedure, v.search, `seed ${seed}: ${JSON.stringify(history)}`);
      }), { numRuns: 10_000 });
      assert.ok(seen.valid > 1000 && seen.invalid > 1000, `both verdicts common: ${JSON.stringify(seen)}`);
    });
  }

  it('fifo-queue: 10,000 random (unsimulated) histories', () => {
    let decided = 0;
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 30 }), (seed) => {
      const history = randomQueueHistory(seed);
      const v = bothVerdicts('fifo-queue', history);
      if (!v) return;
      decided++;
      assert.equal(v.procedure, v.search, `seed ${seed}: ${JSON.stringify(history)}`);
    }), { numRuns: 10_000 });
    assert.ok(decided > 9500);
  });
});

describe('checker: which procedure decides', function () {
  this.timeout(60_000);
  const op = (index: number, process: number, type: Op['type'], f: string, value: unknown): Op => ({ index, time: index, process, type, f, value });

  it('a register whose written values repeat, or that writes nil again, goes to the search', () => {
    const twice = [op(0, 0, 'invoke', 'write', 1), op(1, 0, 'ok', 'write', 1), op(2, 1, 'invoke', 'write', 1), op(3, 1, 'ok', 'write', 1), op(4, 0, 'invoke', 'read', null), op(5, 0, 'ok', 'read', 1)];
    assert.equal(checkLinearizability('register', twice).details.method, 'search');
    const nil = [op(0, 0, 'invoke', 'write', null), op(1, 0, 'ok', 'write', null)];
    assert.equal(checkLinearizability('register', nil).details.method, 'search');
    assert.equal(checkLinearizability('register', twice.slice(0, 2)).details.method, 'unique-writes');
  });

  it('a queue with a value enqueued twice goes to the search; a set never does', () => {
    const queue = [op(0, 0, 'invoke', 'enqueue', 1), op(1, 0, 'ok', 'enqueue', 1), op(2, 1, 'invoke', 'enqueue', 1), op(3, 1, 'ok', 'enqueue', 1)];
    assert.equal(checkLinearizability('fifo-queue', queue).details.method, 'search');
    const set = [op(0, 0, 'invoke', 'add', 1), op(1, 0, 'ok', 'add', 1), op(2, 1, 'invoke', 'add', 1), op(3, 1, 'ok', 'add', 1), op(4, 0, 'invoke', 'read', null), op(5, 0, 'ok', 'read', [1])];
    assert.equal(checkLinearizability('set', set).details.method, 'set-inclusion');
  });

  it('procedures: false is the search alone, with the same answer', () => {
    let h: Op[] | null = null;
    for (let seed = 1; !h; seed++) h = generateHistory({ model: 'fifo-queue', ops: 12, seed, processes: 3, violation: 'fifo-order' });
    const a = checkLinearizability('fifo-queue', h), b = checkLinearizability('fifo-queue', h, { procedures: false });
    assert.equal(a.details.method, 'queue-schedule');
    assert.equal(b.details.method, 'search');
    assert.equal(a.valid, false);
    assert.equal(b.valid, false);
  });
});

describe('checker: generated histories of the sizes that defeat the search', function () {
  this.timeout(120_000);
  const SIZES: Record<GeneratedModel, { ops: number; infoRate: number; method: string }> = {
    set: { ops: 350, infoRate: 1 / 6, method: 'set-inclusion' },
    'fifo-queue': { ops: 1600, infoRate: 0.01, method: 'queue-schedule' },
    register: { ops: 1600, infoRate: 0.01, method: 'unique-writes' },
    'cas-register': { ops: 1600, infoRate: 0.01, method: 'unique-writes' },
  };
  for (const model of MODELS) {
    it(`${model}: linearizable as generated, and each planted violation found with a counterexample of a few ops that is one`, () => {
      const { ops, infoRate, method } = SIZES[model];
      for (const violation of [undefined, ...VIOLATIONS[model]]) {
        let history: Op[] | null = null;
        for (let seed = 1; !history; seed++) history = generateHistory({ model, ops, infoRate, seed, violation });
        const r = checkLinearizability(model, history, { timeLimitS: 30 });
        assert.equal(r.details.method, method);
        assert.equal(r.valid, violation === undefined, `${violation ?? 'no violation'}: ${r.summary}`);
        if (!violation) continue;
        const cx = r.details.counterexample!;
        assert.ok(cx.ops.filter((o) => o.type === 'invoke').length <= 6, `${violation}: ${cx.ops.length} records`);
        assert.equal(checkLinearizability(model, cx.ops, { procedures: false, minimize: false }).valid, false, `${violation}: the counterexample alone is not linearizable`);
      }
    });
  }
});
