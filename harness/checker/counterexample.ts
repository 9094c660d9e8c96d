// Shrinks a non-linearizable sub-history to a small one a person can read, and explains it.
// The violation is located first: the completion after which the history stops being linearizable
// (the shortest non-linearizable prefix; prefixes of linearizable histories are linearizable, so a
// binary search over completions finds it). Ops still running at that point have unknown outcomes.
// Removing ops can create violations that were not there (drop the write a read saw and the read
// looks wrong), so an op is removed only when, without it, (1) the history still breaks exactly at
// that same completion, and (2) the failing op would fit if it could take effect at any other moment
// — the violation stays one of ordering, not a read of a value nobody wrote. (When the failing op fits
// nowhere even in the full history, only (1) applies.) Where the judge can afford it (a decision
// procedure), also (3): when the history shows a violation of real-time order only (it is
// linearizable once every op is made concurrent with every other), so must what is kept — dropping
// the enqueue of a value dequeued too early must not turn the violation into "dequeued a value nobody
// enqueued". The result is 1-minimal under these rules.
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

export interface ShrinkOptions {
  deadline: number;
  /** Rule (3): keep a violation of real-time order one of real-time order. */
  keepOrder?: boolean;
  /** Ops (indices into the ops at the breaking point) dropped or kept together; default each alone. */
  units?: (ops: readonly CheckOp[]) => number[][];
  /** The sub-history the model sees once the other ops are gone; default the ops themselves. */
  project?: (kept: readonly CheckOp[], all: readonly CheckOp[]) => CheckOp[];
}

/** Shrinks a failing partition (see the module comment). Returns the ops kept (those running at the
 *  breaking point with unknown outcome, projected if the options say so) and whether, in what is kept,
 *  the failing op would fit at some other moment (false: its result fits nowhere). */
export function shrink(judge: Judge, ops: readonly CheckOp[], failing: CheckOp, opts: ShrinkOptions): { ops: CheckOp[]; aboutOrder: boolean } {
  const start = prefixAt(ops, failing.ret);
  const view = (kept: readonly CheckOp[]): CheckOp[] => (opts.project ? opts.project(kept, start) : [...kept]);
  const aboutOrder = placeableAnywhere(judge, start, failing) === true;
  const orderOnly = opts.keepOrder === true && judge(concurrent(start)) === true;
  const shows = (kept: readonly CheckOp[]): boolean => {
    const seen = view(kept);
    return breaksAt(judge, seen, failing) === true
      && (!aboutOrder || placeableAnywhere(judge, seen, failing) === true)
      && (!orderOnly || judge(concurrent(seen)) === true);
  };
  const units = (opts.units ? opts.units(start) : start.map((_, i) => [i])).map((ids) => ids.map((i) => start[i]).filter((op) => op.op !== failing.op)).filter((u) => u.length > 0);
  const kept = view(reduce(start, failing, units, shows, opts.deadline));
  return { ops: kept, aboutOrder: aboutOrder || placeableAnywhere(judge, kept, failing) === true };
}

/** Binary reduction over units, O(k log n) checks for k units kept. Units are ranked by their op
 *  nearest to the failing op. Invariant: the units required so far plus the candidates left show the
 *  violation. Each round finds, by galloping then binary search, the shortest run of candidates that
 *  still shows it with the required units: its last unit is needed and joins them, the candidates
 *  after it go. A
 *  last pass drops any single unit that turns out not to be needed after all (1-minimality). */
function reduce(start: readonly CheckOp[], failing: CheckOp, units: CheckOp[][], shows: (kept: readonly CheckOp[]) => boolean, deadline: number): CheckOp[] {
  const distance = (unit: readonly CheckOp[]): number => Math.min(...unit.map((op) => Math.abs(op.call - failing.call)));
  let required: CheckOp[][] = [];
  let candidates = units.map((u) => ({ u, d: distance(u) })).sort((a, b) => a.d - b.d).map((c) => c.u);
  const kept = (extra: readonly CheckOp[][]): CheckOp[] => {
    const keep = new Set([...required, ...extra].flat());
    return start.filter((op) => op.op === failing.op || keep.has(op));
  };
  const late = (): boolean => performance.now() > deadline;
  while (candidates.length > 0 && !shows(kept([]))) {
    // Gallop out from the nearest candidates (the ones needed are usually close), then bisect.
    let lo = 0, hi = 1;
    while (hi < candidates.length && !shows(kept(candidates.slice(0, hi)))) {
      if (late()) return kept(candidates);
      lo = hi;
      hi = Math.min(candidates.length, hi * 2);
    }
    while (hi - lo > 1) {
      if (late()) return kept(candidates.slice(0, hi));
      const mid = (lo + hi) >> 1;
      if (shows(kept(candidates.slice(0, mid)))) hi = mid; else lo = mid;
    }
    required.push(candidates[hi - 1]);
    candidates = candidates.slice(0, hi - 1);
  }
  for (let changed = true; changed && !late();) {
    changed = false;
    for (const unit of [...required]) {
      const saved = required;
      required = required.filter((u) => u !== unit);
      if (shows(kept([]))) changed = true; else required = saved;
    }
  }
  return kept([]);
}

/** The same ops with real-time order dropped: every invoke before every completion. */
function concurrent(ops: readonly CheckOp[]): CheckOp[] {
  return ops.map((op, i) => ({ ...op, call: i, ret: op.ret === Infinity ? Infinity : ops.length + i }));
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
  const shown = new Map(ops.filter((op) => op.shown !== undefined).map((op) => [op.op.completeIndex, op.shown]));
  const projected = (op: Op): Op => ({
    ...op, value: shown.get(op.index), meta: { ...op.meta, projected: `values added by ops outside this counterexample are left out; it returned ${JSON.stringify(op.value)}` },
  });
  return history.filter((op) => wanted.has(op.index)).map((op) => (shown.has(op.index) ? projected(op) : op));
}
