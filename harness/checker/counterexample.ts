// Shrinks a non-linearizable sub-history to a small one a person can read, and explains it.
// The violation is located first: the completion after which the history stops being linearizable
// (the shortest non-linearizable prefix; prefixes of linearizable histories are linearizable, so a
// binary search over completions finds it). Ops still running at that point have unknown outcomes.
// Removing ops can create violations that were not there (drop the write a read saw and the read
// looks wrong), so an op is removed only when, without it, (1) the history still breaks exactly at
// that same completion, and (2) the failing op would fit if it could take effect at any other moment
// — the violation stays one of ordering, not a read of a value nobody wrote. (When the failing op fits
// nowhere even in the full history, only (1) applies.) The result is 1-minimal under that rule.
// Every re-check goes to a `Judge` the caller gives: the model's decision procedure where the
// sub-history qualifies (so shrinking stays polynomial on the histories only a procedure can decide),
// the search otherwise. Re-checks stop at the caller's deadline; shrinking then keeps what it has.
import { performance } from 'node:perf_hooks';
import type { Op } from '../history/op.ts';
import type { Counterexample } from './result.ts';
import type { Model, Outcome } from './models/model.ts';
import { UNKNOWN } from './models/model.ts';
import type { CheckOp } from './prepared.ts';
import { weakened } from './prepared.ts';
import type { Verdict } from './decide.ts';

/** Decides one sub-history (see decide.ts); 'unknown' when its budget ran out. */
export type Judge = (ops: readonly CheckOp[]) => Verdict;

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
export function breakingOp(judge: Judge, ops: readonly CheckOp[]): number {
  const completions = ops.map((op, id) => ({ ret: op.ret, id })).filter((c) => c.ret !== Infinity).sort((a, b) => a.ret - b.ret);
  let lo = 0, hi = completions.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = judge(prefixAt(ops, completions[mid].ret));
    if (v === 'unknown') return -1;
    if (v === false) hi = mid; else lo = mid + 1;
  }
  return completions[lo]?.id ?? -1;
}

/** Whether `ops` break exactly at the completion of `failing`. */
function breaksAt(judge: Judge, ops: readonly CheckOp[], failing: CheckOp): Verdict {
  const at = judge(prefixAt(ops, failing.ret));
  if (at !== false) return at === true ? false : at;
  return judge(prefixAt(ops, failing.ret - 0.5));
}

/** Shrinks a failing partition (see the module comment) by delta debugging: drop chunks of ops, far
 *  from the failure first, halving the chunk size whenever no chunk can go, down to single ops, until
 *  no single op can go. Returns the ops kept (those running at the breaking point with unknown outcome)
 *  and whether the failing op would fit at some other moment (false: its result fits nowhere). */
export function shrink(judge: Judge, ops: readonly CheckOp[], failing: CheckOp, deadline: number): { ops: CheckOp[]; aboutOrder: boolean } {
  const start = prefixAt(ops, failing.ret);
  const aboutOrder = placeableAnywhere(judge, start, failing) === true;
  return { ops: deltaDebug(judge, start, failing, aboutOrder, deadline), aboutOrder };
}

function deltaDebug(judge: Judge, start: CheckOp[], failing: CheckOp, aboutOrder: boolean, deadline: number): CheckOp[] {
  const removable = (without: readonly CheckOp[]): boolean =>
    breaksAt(judge, without, failing) === true && (!aboutOrder || placeableAnywhere(judge, without, failing) === true);
  const distance = (op: CheckOp): number => Math.abs(op.call - failing.call);
  let current = start;
  let chunk = Math.max(1, current.length >> 1);
  for (;;) {
    const order = current.filter((op) => op.op !== failing.op).sort((a, b) => distance(b) - distance(a));
    let changed = false;
    for (let i = 0; i < order.length; i += chunk) {
      if (performance.now() > deadline) return current;
      const drop = new Set(order.slice(i, i + chunk));
      const without = current.filter((op) => !drop.has(op));
      if (without.length < current.length && removable(without)) { current = without; changed = true; }
    }
    if (!changed && chunk === 1) return current;
    if (!changed) chunk = Math.max(1, chunk >> 1);
  }
}

/** Whether the history becomes linearizable when the failing op may take effect at any point (before
 *  its invoke, after its completion) while every other op keeps its real-time order: then the failure
 *  is one of *when* it happened, not a result that no order of these ops could produce. */
function placeableAnywhere(judge: Judge, ops: readonly CheckOp[], failing: CheckOp): Verdict {
  let end = -Infinity;
  for (const op of ops) end = Math.max(end, op.ret === Infinity ? op.call : op.ret);
  return judge(ops.map((op) => (op.op === failing.op ? { ...op, call: -1, ret: end + 1 } : op)));
}

const MAX_NODES = 20000, MAX_CANDIDATES = 12, MAX_EXPLAINED_OPS = 40;

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
  if (ops.length <= MAX_EXPLAINED_OPS) walk(model, ops, model.init(), [], x);
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
