// The checker beyond verdicts: minimal counterexamples, budgets that end in 'unknown' instead of a
// crash or a hang, P-compositionality, and the Checker interface scenarios use.
import assert from 'node:assert/strict';
import type { Op } from '../harness/history/op.ts';
import { loadHistory } from '../harness/history/load.ts';
import { porcupine } from './support/data.ts';
import { checkLinearizability, linearizabilityChecker } from '../harness/checker/linearizability.ts';
import { runChecker } from '../harness/checker/result.ts';
import type { Counterexample } from '../harness/checker/result.ts';

/** The counterexample's ops with one op's completion replaced by `info`: that op may then have taken
 *  effect at any time after its invoke, or never. */
function withUnknownOutcome(cx: Counterexample, invokeIndex: number): Op[] {
  const inv = cx.ops.find((op) => op.index === invokeIndex)!;
  return cx.ops.map((op) => (op.index > invokeIndex && op.process === inv.process && op.type === 'ok' ? { ...op, type: 'info' as const, value: null } : op));
}

/** The same ops all concurrent (every invoke before every completion): real-time order dropped. */
function allConcurrent(ops: Op[]): Op[] {
  const invokes = ops.filter((op) => op.type === 'invoke'), rest = ops.filter((op) => op.type !== 'invoke');
  const renamed = (op: Op): Op => ({ ...op, process: `${op.process}/${invokes.findIndex((inv) => inv.process === op.process && inv.index <= op.index && !invokes.some((other) => other.process === op.process && other.index > inv.index && other.index <= op.index))}` });
  return [...invokes, ...rest].map((op) => renamed(op)).map((op, i) => ({ ...op, index: i, time: i }));
}

function withoutOp(cx: Counterexample, invokeIndex: number): Op[] {
  const inv = cx.ops.find((op) => op.index === invokeIndex)!;
  const done = cx.ops.find((op) => op.index > invokeIndex && op.process === inv.process);
  return cx.ops.filter((op) => op !== inv && op !== done);
}

describe('checker: counterexamples', function () {
  this.timeout(120_000);

  it('the shipped bad example shrinks to the 4 ops that matter, and each of them matters', () => {
    const h = loadHistory('examples/cas-register-bad.jsonl');
    const r = checkLinearizability('cas-register', h.ops);
    assert.equal(r.valid, false);
    const cx = r.details.counterexample!;
    assert.deepEqual(cx.ops.filter((op) => op.type === 'invoke').map((op) => op.index), [0, 4, 5, 10]);
    assert.equal(cx.failingOp, 10);
    assert.ok(cx.candidates.every((c) => c.state === '3'), JSON.stringify(cx.candidates));
    for (const inv of cx.ops.filter((op) => op.type === 'invoke')) {
      const weaker = withUnknownOutcome(cx, inv.index);
      const dropped = withoutOp(cx, inv.index);
      // Removing the read, or any write/cas whose effect is needed, leaves a linearizable history,
      // or (for the write of 1 the cas depends on) a different, earlier failure.
      const still = checkLinearizability('cas-register', dropped, { minimize: false });
      const weak = checkLinearizability('cas-register', weaker, { minimize: false });
      assert.ok(still.valid === true || weak.valid === true || (still.details.search as { failingOp: number }).failingOp !== cx.failingOp, `op ${inv.index} is needed`);
    }
    assert.equal(r.violations?.[0].ops?.length, cx.ops.length);
  });

  for (const file of ['etcd/etcd_000.log', 'etcd/etcd_010.log', 'kv/c10-bad.txt', 'kv/c50-bad.txt']) {
    it(`${file}: removing any op of the counterexample removes the ordering violation it shows`, () => {
      const h = loadHistory(porcupine(file));
      const model = file.startsWith('kv') ? 'kv' : 'cas-register';
      const r = checkLinearizability(model, h.ops);
      const cx = r.details.counterexample!;
      const invokes = cx.ops.filter((op) => op.type === 'invoke');
      assert.ok(invokes.length <= 12, `small: ${invokes.length} ops`);
      assert.equal(checkLinearizability(model, cx.ops, { minimize: false }).valid, false);
      assert.equal(checkLinearizability(model, allConcurrent(cx.ops), { minimize: false }).valid, true, 'the violation is one of real-time order');
      for (const inv of invokes) {
        const smaller = checkLinearizability(model, withoutOp(cx, inv.index), { minimize: false });
        const stuck = (smaller.details.search as { failingOp?: number } | undefined)?.failingOp;
        // Without the op: no violation, or a different op fails, or no order at all (even ignoring real
        // time) explains the results — a violation of a different kind than the one shown.
        const noOrderAtAll = checkLinearizability(model, allConcurrent(withoutOp(cx, inv.index)), { minimize: false }).valid === false;
        assert.ok(smaller.valid === true || stuck !== cx.failingOp || noOrderAtAll, `without op ${inv.index} the same op still fails: not minimal`);
      }
      assert.ok(cx.longestPrefix.length > 0 || invokes.length === 1);
      assert.ok(r.summary.startsWith('not linearizable'));
    });
  }
});

describe('checker: budgets', function () {
  this.timeout(120_000);

  /** Many concurrent appends with unknown outcome and a final read no order can produce: the search
   *  space is exponential, so only the budget ends it. */
  function hardHistory(writers: number): Op[] {
    const ops: Op[] = [];
    const push = (op: Omit<Op, 'index' | 'time'>): void => { ops.push({ index: ops.length, time: ops.length, ...op }); };
    for (let p = 0; p < writers; p++) push({ process: p, type: 'invoke', f: 'append', key: 'k', value: `v${p} ` });
    push({ process: 'reader', type: 'invoke', f: 'get', key: 'k', value: null });
    push({ process: 'reader', type: 'ok', f: 'get', key: 'k', value: 'impossible' });
    for (let p = 0; p < writers; p++) push({ process: p, type: 'info', f: 'append', key: 'k', value: `v${p} ` });
    return ops;
  }

  it('a time limit ends in unknown with what was learned, on time', () => {
    const t0 = Date.now();
    const r = checkLinearizability('kv', hardHistory(40), { timeLimitS: 1 });
    const took = Date.now() - t0;
    assert.equal(r.valid, 'unknown');
    assert.equal(r.details.budget?.reason, 'time');
    assert.ok(r.details.budget!.explored > 1000);
    assert.match(r.summary, /time limit of 1 s ran out/);
    assert.ok(took < 4000, `took ${took} ms`);
  });

  it('a memory limit ends in unknown before the process grows past it', () => {
    const before = process.memoryUsage.rss() / 2 ** 20;
    const r = checkLinearizability('kv', hardHistory(40), { timeLimitS: 60, memoryLimitMb: Math.ceil(before) + 100 });
    assert.equal(r.valid, 'unknown');
    assert.equal(r.details.budget?.reason, 'memory');
    assert.match(r.summary, /memory limit of \d+ MB ran out/);
    assert.ok(process.memoryUsage.rss() / 2 ** 20 < before + 250, 'stopped near the limit');
  });
});

describe('checker: long single-key histories', function () {
  this.timeout(120_000);

  /** A register used by 5 clients, each op taking effect at a random moment while it runs. */
  function registerHistory(n: number): Op[] {
    let x = 7, state: number | null = null, invoked = 0;
    const rand = (k: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % k; };
    const ops: Op[] = [], running = new Map<number, { f: string; value: number | null; out?: number | null }>();
    while (invoked < n || running.size > 0) {
      const c = rand(5), op = running.get(c);
      if (!op) {
        if (invoked++ >= n) continue;
        const f = rand(2) ? 'read' : 'write';
        running.set(c, { f, value: f === 'write' ? rand(5) : null });
        ops.push({ index: ops.length, time: ops.length, process: c, type: 'invoke', f, value: f === 'write' ? running.get(c)!.value : null });
      } else if (op.out === undefined) {
        if (op.f === 'write') state = op.value;
        op.out = op.f === 'write' ? op.value : state;
      } else {
        running.delete(c);
        ops.push({ index: ops.length, time: ops.length, process: c, type: 'ok', f: op.f, value: op.out });
      }
    }
    return ops;
  }

  it('20,000 ops on one register check in seconds, and a stale read late in it is found and shrunk', () => {
    const history = registerHistory(20_000);
    const t0 = Date.now();
    assert.equal(checkLinearizability('register', history).valid, true);
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    // Make a late read return the value of the write before the last one it could see.
    const writes = history.filter((op) => op.type === 'ok' && op.f === 'write');
    const reads = history.filter((op) => op.type === 'ok' && op.f === 'read' && op.index > history.length * 0.9);
    const victim = reads.find((r) => writes.filter((w) => w.index < r.index).slice(-8).some((w) => w.value !== r.value))!;
    victim.value = writes.filter((w) => w.index < victim.index).slice(-8).find((w) => w.value !== victim.value)!.value;
    const r = checkLinearizability('register', history);
    assert.equal(r.valid, false, r.summary); // (the generator is deterministic: this read is stale)
    const cx = r.details.counterexample!;
    assert.ok(cx.ops.length <= 8, `small counterexample: ${cx.ops.length} records`);
    assert.ok(cx.ops.some((op) => op.index === cx.failingOp));
  });
});

describe('checker: partitions and the Checker interface', () => {
  it('kv histories are checked per key and report keys done', () => {
    const h = loadHistory(porcupine('kv/c10-ok.txt'));
    const r = checkLinearizability('kv', h.ops);
    assert.equal(r.valid, true);
    assert.deepEqual(r.details.partitions, { total: 10, done: 10 });
  });

  it('linearizabilityChecker is a Checker whose details are LinearizabilityDetails', async () => {
    const h = loadHistory('examples/cas-register-ok.jsonl');
    const r = await runChecker(linearizabilityChecker('cas-register'), h.ops);
    assert.equal(r.valid, true);
    assert.equal(r.checker, 'linearizable');
    assert.equal((r.details as { model: string }).model, 'cas-register');
    assert.throws(() => linearizabilityChecker('nope'), /unknown model 'nope'/);
  });

  it('an op the model does not know is a usage error naming where it is', () => {
    const ops: Op[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'frobnicate', value: 1 },
      { index: 1, time: 1, process: 0, type: 'ok', f: 'frobnicate', value: 1 },
    ];
    assert.throws(() => checkLinearizability('register', ops, { locate: (i) => `h.jsonl:${i + 1}` }), /^UsageError: h\.jsonl:1: model register has no operation 'frobnicate'/);
  });
});
