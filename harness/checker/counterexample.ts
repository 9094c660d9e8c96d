// Shrinks a non-linearizable sub-history to a small one a person can read, and explains it.
// Removing ops can create violations that were not in the history (drop the write a read saw and the
// read looks wrong), so an op is removed only when, without it, (1) the search still gets stuck at the
// same operation and (2) the ops could still be arranged in *some* legal order if real-time order did
// not matter — the violation stays one of ordering, not a read of a value nobody wrote. (When the
// history itself has such an impossible value, only (1) applies.) First the history is cut where
// the stuck operation completes: a prefix of a linearizable history is linearizable, so the cut is
// sound, and ops still running there have unknown outcomes and go (an op that may never happen cannot
// cause a violation). The result is 1-minimal under that rule. Re-checks share the caller's
// deadline, so shrinking stops (keeping what it has) when time runs out.
import { performance } from 'node:perf_hooks';
import type { Op } from '../history/op.ts';
import type { Counterexample } from './result.ts';
import type { Model, Outcome } from './models/model.ts';
import { UNKNOWN } from './models/model.ts';
import type { CheckOp } from './prepared.ts';
import type { SearchBudget } from './search.ts';
import { searchLinearization } from './search.ts';

export type Verdict = true | false | 'unknown';

/** Verdict plus, for a violation, the op the search got stuck at (index into `ops`). */
export function verdictOf(model: Model, ops: readonly CheckOp[], budget: SearchBudget): { verdict: Verdict; stuckAt: number } {
  const out = searchLinearization(model, ops, budget);
  if (out.result === 'ok') return { verdict: true, stuckAt: -1 };
  if (out.result === 'unknown') return { verdict: 'unknown', stuckAt: -1 };
  return { verdict: false, stuckAt: blockingOp(ops, out.longestPrefix) };
}

/** The definite op with the earliest completion that is not in the linearized prefix: the search
 *  cannot get past its completion. */
export function blockingOp(ops: readonly CheckOp[], prefix: readonly number[]): number {
  const done = new Set(prefix);
  let best = -1;
  ops.forEach((op, id) => { if (!done.has(id) && op.ret !== Infinity && (best < 0 || op.ret < ops[best].ret)) best = id; });
  return best;
}

/** Greedy shrinking of a failing partition (see the module comment); ops far from the failure first. */
export function shrink(model: Model, ops: readonly CheckOp[], longestPrefix: readonly number[], budget: SearchBudget): CheckOp[] {
  const failing = ops[blockingOp(ops, longestPrefix)];
  if (!failing) return [...ops];
  const stuckAtFailing = (trial: readonly CheckOp[]): Verdict => {
    const { verdict, stuckAt } = verdictOf(model, trial, budget);
    return verdict === false ? (trial[stuckAt]?.op === failing.op ? false : true) : verdict;
  };
  let current = cutAt(ops, failing.ret);
  if (stuckAtFailing(current) !== false) current = ops.filter((op) => op.ret !== Infinity);
  const aboutOrder = orderFreeLinearizable(model, current, budget);
  const distance = (op: CheckOp): number => Math.abs(op.call - failing.call);
  for (let changed = true; changed;) {
    changed = false;
    const order = current.filter((op) => op !== failing).sort((a, b) => distance(b) - distance(a));
    for (const candidate of order) {
      if (performance.now() > budget.deadline) return current;
      const without = current.filter((op) => op !== candidate);
      if (stuckAtFailing(without) !== false) continue;
      if (aboutOrder && !orderFreeLinearizable(model, without, budget)) continue;
      current = without;
      changed = true;
    }
  }
  return current;
}

/** The definite ops that had completed by position `cut`. */
function cutAt(ops: readonly CheckOp[], cut: number): CheckOp[] {
  return ops.filter((op) => op.ret <= cut);
}

const ORDER_FREE_STEPS = 200_000;

/** Whether some sequential order of the ops (real time ignored) is legal. Undecided within its step
 *  cap counts as no, which keeps ops in the counterexample rather than dropping one that mattered. */
function orderFreeLinearizable(model: Model, ops: readonly CheckOp[], budget: SearchBudget): boolean {
  const concurrent = ops.map((op) => ({ ...op, call: 0, ret: op.ret === Infinity ? Infinity : 1 }));
  return searchLinearization(model, concurrent, { ...budget, maxSteps: ORDER_FREE_STEPS }).result === 'ok';
}

const MAX_NODES = 20000, MAX_CANDIDATES = 12;

interface Exploration {
  candidates: Counterexample['candidates'];
  longest: number[];
  nodes: number;
}

/** Walks every real-time-respecting order of a small failing history and records where each gets
 *  stuck, the model state there and why the ops that could come next are rejected. */
export function explain(model: Model, ops: readonly CheckOp[]): { candidates: Counterexample['candidates']; longestPrefix: number[]; failingOp: number } {
  const x: Exploration = { candidates: [], longest: [], nodes: 0 };
  walk(model, ops, model.init(), [], x);
  const failing = blockingOp(ops, x.longest);
  const idx = (ids: number[]): number[] => ids.map((id) => ops[id].op.invokeIndex);
  return {
    candidates: x.candidates.map((c) => ({ ...c, order: idx(c.order) })),
    longestPrefix: idx(x.longest),
    failingOp: failing >= 0 ? ops[failing].op.invokeIndex : -1,
  };
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

/** The invoke and completion records of the counterexample ops, original indices kept, in order. */
export function recordsOf(ops: readonly CheckOp[], history: readonly Op[]): Op[] {
  const wanted = new Set<number>();
  for (const op of ops) { wanted.add(op.op.invokeIndex); if (op.op.completeIndex >= 0) wanted.add(op.op.completeIndex); }
  return history.filter((op) => wanted.has(op.index));
}
