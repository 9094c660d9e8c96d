// Shrinks a non-linearizable sub-history to a small one a person can read, and explains it.
// The violation is located first: the completion after which the history stops being linearizable
// (the shortest non-linearizable prefix; prefixes of linearizable histories are linearizable, so a
// binary search over completions finds it). Ops still running at that point have unknown outcomes.
// Removing ops can create violations that were not there (drop the write a read saw and the read
// looks wrong), so an op is removed only when, without it, (1) the history still breaks exactly at
// that same completion, and (2) the ops could still be arranged in *some* legal order if real time
// did not matter — the violation stays one of ordering, not a read of a value nobody wrote. (When the
// history itself holds such an impossible value, only (1) applies.) The result is 1-minimal under
// that rule. Re-checks share the caller's deadline; when it passes, shrinking keeps what it has.
import { performance } from 'node:perf_hooks';
import type { Op } from '../history/op.ts';
import type { Counterexample } from './result.ts';
import type { Model, Outcome } from './models/model.ts';
import { UNKNOWN } from './models/model.ts';
import type { CheckOp } from './prepared.ts';
import { weakened } from './prepared.ts';
import type { SearchBudget } from './search.ts';
import { searchLinearization } from './search.ts';

export type Verdict = true | false | 'unknown';

export function linearizable(model: Model, ops: readonly CheckOp[], budget: SearchBudget): Verdict {
  const out = searchLinearization(model, ops, budget);
  return out.result === 'ok' ? true : out.result === 'illegal' ? false : 'unknown';
}

/** The history as it stood at position `cut`: later invokes gone, ops still running then with
 *  unknown outcomes (reads among them dropped: they can neither take effect nor constrain). */
export function prefixAt(ops: readonly CheckOp[], cut: number): CheckOp[] {
  const out: CheckOp[] = [];
  for (const op of ops) {
    if (op.call > cut) continue;
    if (op.ret <= cut) out.push(op);
    else if (!op.readOnly) out.push(op.ret === Infinity ? op : weakened(op));
  }
  return out;
}

/** The op whose completion ends the longest linearizable prefix (index into `ops`), or -1 when the
 *  search ran out of budget. `ops` must be non-linearizable. */
export function breakingOp(model: Model, ops: readonly CheckOp[], budget: SearchBudget): number {
  const completions = ops.map((op, id) => ({ ret: op.ret, id })).filter((c) => c.ret !== Infinity).sort((a, b) => a.ret - b.ret);
  let lo = 0, hi = completions.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = linearizable(model, prefixAt(ops, completions[mid].ret), budget);
    if (v === 'unknown') return -1;
    if (v === false) hi = mid; else lo = mid + 1;
  }
  return completions[lo]?.id ?? -1;
}

/** Whether `ops` break exactly at the completion of `failing`. */
function breaksAt(model: Model, ops: readonly CheckOp[], failing: CheckOp, budget: SearchBudget): Verdict {
  const at = linearizable(model, prefixAt(ops, failing.ret), budget);
  if (at !== false) return at === true ? false : at;
  return linearizable(model, prefixAt(ops, failing.ret - 0.5), budget);
}

/** Greedy shrinking of a failing partition (see the module comment); ops far from the failure first.
 *  Returns the ops kept (those running at the breaking point with unknown outcome). */
export function shrink(model: Model, ops: readonly CheckOp[], failing: CheckOp, budget: SearchBudget): CheckOp[] {
  let current = prefixAt(ops, failing.ret);
  const aboutOrder = orderFree(model, current, budget) !== false;
  const distance = (op: CheckOp): number => Math.abs(op.call - failing.call);
  for (let changed = true; changed;) {
    changed = false;
    const order = current.filter((op) => op.op !== failing.op).sort((a, b) => distance(b) - distance(a));
    for (const candidate of order) {
      if (performance.now() > budget.deadline) return current;
      const without = current.filter((op) => op !== candidate);
      if (breaksAt(model, without, failing, budget) !== true) continue;
      if (aboutOrder && orderFree(model, without, budget) === false) continue;
      current = without;
      changed = true;
    }
  }
  return current;
}

const ORDER_FREE_STEPS = 50_000;

/** Whether some sequential order of the ops (real time ignored) is legal. On large histories this
 *  can be undecided within its step cap ('unknown'); only a proven 'false' blocks a removal, and such
 *  proofs come easily once the history is small, which is where a removal could turn the violation
 *  into a read of a value nobody wrote. */
function orderFree(model: Model, ops: readonly CheckOp[], budget: SearchBudget): Verdict {
  const concurrent = ops.map((op) => ({ ...op, call: 0, ret: op.ret === Infinity ? Infinity : 1 }));
  const out = searchLinearization(model, concurrent, { ...budget, maxSteps: ORDER_FREE_STEPS });
  return out.result === 'ok' ? true : out.result === 'illegal' ? false : 'unknown';
}

const MAX_NODES = 20000, MAX_CANDIDATES = 12;

interface Exploration {
  candidates: Counterexample['candidates'];
  longest: number[];
  nodes: number;
}

/** Fallback when locating the breaking point ran out of budget: the definite op with the earliest
 *  completion outside the longest prefix the search linearized. */
export function blockingOp(ops: readonly CheckOp[], prefix: readonly number[]): number {
  const done = new Set(prefix);
  let best = -1;
  ops.forEach((op, id) => { if (!done.has(id) && op.ret !== Infinity && (best < 0 || op.ret < ops[best].ret)) best = id; });
  return best;
}

/** Walks every real-time-respecting order of a small failing history and records where each gets
 *  stuck, the model state there and why the ops that could come next are rejected. */
export function explain(model: Model, ops: readonly CheckOp[]): { candidates: Counterexample['candidates']; longestPrefix: number[] } {
  const x: Exploration = { candidates: [], longest: [], nodes: 0 };
  walk(model, ops, model.init(), [], x);
  const idx = (ids: number[]): number[] => ids.map((id) => ops[id].op.invokeIndex);
  return { candidates: x.candidates.map((c) => ({ ...c, order: idx(c.order) })), longestPrefix: idx(x.longest) };
}

function walk(model: Model, ops: readonly CheckOp[], state: unknown, order: number[], x: Exploration): void {
  if (++x.nodes > MAX_NODES) return;
  const done = new Set(order);
  const firstRet = Math.min(...ops.map((op, id) => (done.has(id) ? Infinity : op.ret)));
  const next = ops.map((_, id) => id).filter((id) => !done.has(id) && ops[id].call < firstRet);
  let extended = false;
  for (const id of next) {
    const r = model.step(state, ops[id].input, ops[id].output);
    if (!r.ok) continue;
    extended = true;
    order.push(id);
    walk(model, ops, r.state, order, x);
    order.pop();
  }
  if (extended || firstRet === Infinity) return;
  if (order.length > x.longest.length) x.longest = [...order];
  if (x.candidates.length >= MAX_CANDIDATES) return;
  const blocked = next.map((id) => describe(model, ops[id].input, ops[id].output)).join(', ');
  x.candidates.push({
    order: [...order],
    state: model.describeState(state),
    rejected: `${blocked} ${next.length > 1 ? 'are' : 'is'} impossible in state ${model.describeState(state)}`,
  });
}

export function describe(model: Model, input: unknown, output: Outcome<unknown>): string {
  return model.describeOp(input, output === undefined ? UNKNOWN : output);
}

/** The invoke and completion records of the counterexample ops, original indices kept, in order. Ops
 *  that were still running at the breaking point appear without their completion. */
export function recordsOf(ops: readonly CheckOp[], history: readonly Op[]): Op[] {
  const wanted = new Set<number>();
  for (const op of ops) {
    wanted.add(op.op.invokeIndex);
    if (op.op.completeIndex >= 0 && (op.ret !== Infinity || op.op.type === 'info')) wanted.add(op.op.completeIndex);
  }
  return history.filter((op) => wanted.has(op.index));
}
