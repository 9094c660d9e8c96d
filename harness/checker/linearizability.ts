// The linearizability checker: splits a history into independent partitions (P-compositionality),
// decides each with the model's decision procedure when the partition qualifies (procedures/) or
// with the generic search within one shared time and memory budget, stops at the first illegal
// partition, and only then — the verdict's time already taken — shrinks it into a small
// counterexample. Used by `faultline check` and by scenarios (as a Checker).
import { performance } from 'node:perf_hooks';
import type { Op } from '../history/op.ts';
import type { Locate } from '../history/pair.ts';
import type { MemoryCeiling } from '../memory.ts';
import type { Model } from './models/model.ts';
import { modelByName } from './models/registry.ts';
import type { CheckOp } from './prepared.ts';
import { prepareHistory } from './prepared.ts';
import type { CheckResult, Checker, Counterexample, LinearizabilityDetails } from './result.ts';
import type { SearchBudget } from './search.ts';
import { LinearizationSearch } from './search.ts';
import type { Judge } from './counterexample.ts';
import { blockingOp, breakingOp, describe, explain, prefixAt, recordsOf, shrink } from './counterexample.ts';
import { decide, decideByProcedure } from './decide.ts';
import type { Method } from './procedures/procedure.ts';
import { procedureFor } from './procedures/registry.ts';

export interface LinearizabilityOptions {
  /** Seconds for the whole check, counterexample included (default 60). */
  timeLimitS?: number;
  /** Resident memory ceiling in MB (default 1024). */
  memoryLimitMb?: number;
  /** The process-wide ceiling (`faultline check`): asked once the history is prepared, so a history
   *  whose ops alone do not fit is refused instead of leaving the search no room. */
  memory?: MemoryCeiling;
  /** Shrink a violation into a minimal counterexample (default true). */
  minimize?: boolean;
  /** Locate a violation at all (default true): false returns the verdict alone, without the failing
   *  op, the counterexample or their cost. */
  explain?: boolean;
  /** Use the model's decision procedure where a partition qualifies (default true); false: the
   *  generic search only (the oracle the procedures are tested against). */
  procedures?: boolean;
  /** Names the source of a history position in error messages (file:line). */
  locate?: Locate;
}

export const DEFAULT_TIME_LIMIT_S = 60;
export const DEFAULT_MEMORY_LIMIT_MB = 1024;
const FIRST_QUOTA = 2_000;
/** Shrinking a violation may take this share of the remaining time (at least MIN_SHRINK_MS): a verdict
 *  found in 100 ms should not wait a minute for a prettier counterexample. */
const SHRINK_SHARE = 0.2, MIN_SHRINK_MS = 2000;

export interface LinearizabilityResult extends CheckResult {
  details: LinearizabilityDetails & Record<string, unknown>;
}

export function linearizabilityChecker(modelName: string, opts: LinearizabilityOptions = {}): Checker {
  const model = modelByName(modelName);
  return { name: 'linearizable', check: (history) => checkLinearizability(model, history, opts) };
}

export function checkLinearizability(modelOrName: Model | string, history: readonly Op[], opts: LinearizabilityOptions = {}): LinearizabilityResult {
  const model = typeof modelOrName === 'string' ? modelByName(modelOrName) : modelOrName;
  const started = performance.now();
  const budget = budgetFrom(opts, started);
  const prepared = prepareHistory(model, history, opts.locate);
  opts.memory?.assertFits(() => `after reading the ${history.length} records and pairing them into ${prepared.total} operations`);
  const progress = decidePartitions(model, prepared.partitions, budget, opts.procedures !== false);
  const details: LinearizabilityResult['details'] = {
    model: model.name, ops: prepared.total, method: methodOf(model, progress), elapsedMs: round(performance.now() - started),
  };
  if (Object.keys(progress.methods).length > 1) details.methods = progress.methods;
  const keyed = prepared.partitions.size > 1 || (prepared.partitions.size === 1 && !prepared.partitions.has(''));
  if (model.partitionKey) details.partitions = { total: prepared.partitions.size, done: progress.done };
  const finish = (valid: CheckResult['valid'], summary: string, violations?: CheckResult['violations']): LinearizabilityResult => {
    details.peakRssMb = peakRssMb();
    return { checker: 'linearizable', valid, summary, ...(violations ? { violations } : {}), details };
  };
  const { stopped } = progress;
  if (!stopped) {
    const n = prepared.partitions.size;
    const scope = keyed ? ` over ${n} independent key${n === 1 ? '' : 's'}` : '';
    return finish(true, `linearizable: all ${prepared.total} operations${scope} have a valid order (${model.name})`);
  }
  const { key, ops } = stopped;
  const prefix = stopped.longestPrefix.map((id) => ops[id].op.invokeIndex);
  if (stopped.reason) {
    const reason = stopped.reason === 'steps' ? 'time' : stopped.reason;
    const note = budgetNote(reason, opts, progress.done, prepared.partitions.size, prefix.length, ops.length, key);
    details.budget = { reason, explored: progress.explored, note };
    details.search = { key, longestPrefix: prefix };
    return finish('unknown', `unknown: ${note}`);
  }
  if (details.partitions) details.partitions.failed = [key];
  const { summary, ops: involved } = describeViolation(model, stopped, budget, history, opts, details, keyed ? key : undefined);
  return finish(false, summary, [{ message: summary, ...(involved ? { ops: involved } : {}) }]);
}

/** After the verdict: locates and shrinks the violation (unless `explain` is off) into `details`, and
 *  says it in one sentence with the history indices involved. */
function describeViolation(model: Model, stopped: Stopped, budget: SearchBudget, history: readonly Op[], opts: LinearizabilityOptions, details: LinearizabilityResult['details'], key?: string): { summary: string; ops?: number[] } {
  if (stopped.pattern) details.pattern = stopped.pattern;
  if (opts.explain === false) {
    return { summary: `not linearizable${key !== undefined ? ` on key ${JSON.stringify(key)}` : ''}: no order of the operations is valid (${stopped.method}; not located: explain off)` };
  }
  const explaining = performance.now();
  const violation = explainViolation(model, stopped, budget, history, opts, key);
  details.search = { key: stopped.key, longestPrefix: violation.longestPrefix, failingOp: violation.failing?.op.invokeIndex ?? -1 };
  if (violation.cx) details.counterexample = violation.cx;
  details.counterexampleMs = round(performance.now() - explaining);
  const { cx, failing } = violation;
  const summary = violationSummary(model, cx, failing, key, violation.aboutOrder);
  return { summary, ops: cx ? cx.ops.map((op) => op.index) : [failing?.op.invokeIndex ?? -1] };
}

/** The partition that ended the check early: illegal, or (with `reason`) out of budget. */
interface Stopped { key: string; ops: CheckOp[]; method: Method; longestPrefix: number[]; reason?: 'time' | 'memory' | 'steps'; pattern?: string }

interface Progress {
  done: number;
  explored: number;
  /** Partitions decided, by method. */
  methods: Partial<Record<Method, number>>;
  stopped?: Stopped;
}

function methodOf(model: Model, progress: Progress): string {
  if (progress.stopped) return progress.stopped.method;
  const used = Object.keys(progress.methods).sort();
  return used.length ? used.join('+') : procedureFor(model)?.method ?? 'search';
}

/** Partitions a decision procedure handles are decided first (each in polynomial time); the rest are
 *  searched. Searches take turns with a step quota that doubles per round, so an easy violation in
 *  one key is found before a hard key exhausts the budget (Porcupine gets the same effect by running
 *  them in parallel). The first illegal partition, or the budget running out, stops the rest. */
function decidePartitions(model: Model, partitions: Map<string, CheckOp[]>, budget: SearchBudget, procedures: boolean): Progress {
  const progress: Progress = { done: 0, explored: 0, methods: {} };
  const count = (method: Method): void => { progress.methods[method] = (progress.methods[method] ?? 0) + 1; };
  let pending: string[] = [];
  for (const [key, ops] of partitions) {
    const decided = procedures ? decideByProcedure(model, ops) : null;
    if (!decided) { pending.push(key); continue; }
    count(decided.method);
    if (!decided.verdict) { progress.stopped = { key, ops, method: decided.method, longestPrefix: [], pattern: decided.pattern }; return progress; }
    progress.done++;
  }
  const searches = new Map<string, LinearizationSearch>();
  let quota = FIRST_QUOTA;
  while (pending.length > 0) {
    const next: string[] = [];
    for (const key of pending) {
      const ops = partitions.get(key)!;
      const search = searches.get(key) ?? new LinearizationSearch(model, ops);
      const out = search.run(pending.length === 1 ? budget : { ...budget, maxSteps: quota });
      progress.explored += out.explored;
      if (out.result === 'unknown' && out.reason === 'steps') { searches.set(key, search); next.push(key); continue; }
      searches.delete(key);
      count('search');
      if (out.result !== 'ok') {
        progress.stopped = { key, ops, method: 'search', longestPrefix: out.longestPrefix, ...(out.result === 'unknown' ? { reason: out.reason } : {}) };
        return progress;
      }
      progress.done++;
    }
    pending = next;
    quota *= 2;
  }
  return progress;
}

interface Explained { failing?: CheckOp; longestPrefix: number[]; cx?: Counterexample; aboutOrder: boolean }

/** After the verdict: where the history breaks (the completion after which no order exists), the
 *  longest linearizable prefix before it, and (unless disabled) the shrunk counterexample. */
function explainViolation(model: Model, stopped: Stopped, budget: SearchBudget, history: readonly Op[], opts: LinearizabilityOptions, key?: string): Explained {
  const { ops } = stopped;
  const judge: Judge = (sub) => decide(model, sub, budget, opts.procedures !== false).verdict;
  const breaking = breakingOp(judge, ops);
  const failing = ops[breaking >= 0 ? breaking : blockingOp(ops, stopped.longestPrefix)];
  const longestPrefix = (failing && stopped.method !== 'search' ? linearizedBefore(model, ops, failing) : stopped.longestPrefix).map((id) => ops[id].op.invokeIndex);
  if (opts.minimize === false || !failing) return { failing, longestPrefix, aboutOrder: true };
  const procedures = opts.procedures !== false;
  // Rule (3) of the shrinker needs histories with real time dropped decided quickly: a procedure can.
  const keepOrder = procedures && stopped.method !== 'search';
  const { cx, aboutOrder, shown } = counterexample(model, ops, failing, budget, history, { procedures, keepOrder }, key);
  return { failing: shown, longestPrefix, cx, aboutOrder };
}

/** Op ids of a linearization of everything that completed before `failing` did, as the procedure
 *  found it (the longest linearizable prefix of a partition a procedure decided). */
function linearizedBefore(model: Model, ops: readonly CheckOp[], failing: CheckOp): number[] {
  const before = prefixAt(ops, failing.ret - 0.5);
  const decided = decideByProcedure(model, before);
  if (!decided?.order) return [];
  const ids = new Map(ops.map((op, id) => [op.op, id]));
  return decided.order.map((i) => ids.get(before[i].op)!);
}

/** The shrunk counterexample, whether its failing op is out of order (rather than impossible), and the
 *  failing op as the counterexample shows it (a set read projected onto its values). */
function counterexample(model: Model, ops: CheckOp[], failing: CheckOp, budget: SearchBudget, history: readonly Op[], how: { procedures: boolean; keepOrder: boolean }, key?: string): { cx: Counterexample; aboutOrder: boolean; shown: CheckOp } {
  const now = performance.now();
  const deadline = Math.min(budget.deadline, now + Math.max(MIN_SHRINK_MS, (budget.deadline - now) * SHRINK_SHARE));
  const judge: Judge = (sub) => decide(model, sub, { ...budget, deadline }, how.procedures).verdict;
  const procedure = how.keepOrder ? procedureFor(model) : undefined;
  const { ops: small, aboutOrder } = shrink(judge, ops, failing, {
    deadline, keepOrder: how.keepOrder, units: procedure?.units?.bind(procedure), project: procedure?.project?.bind(procedure),
  });
  const why = explain(model, small);
  const cx: Counterexample = { ops: recordsOf(small, history), longestPrefix: why.longestPrefix, failingOp: failing.op.invokeIndex, candidates: why.candidates };
  if (key !== undefined) cx.key = key;
  return { cx, aboutOrder, shown: small.find((op) => op.op === failing.op) ?? failing };
}

function violationSummary(model: Model, cx: Counterexample | undefined, failing: CheckOp | undefined, key: string | undefined, aboutOrder: boolean): string {
  const where = key !== undefined ? ` on key ${JSON.stringify(key)}` : '';
  if (!cx || cx.failingOp < 0) {
    const what = failing ? `${describe(model, failing.input, failing.output)} by process ${failing.op.process}` : 'an operation';
    return `not linearizable${where}: ${what} (op ${failing?.op.invokeIndex}) has no valid place in any order of the operations`;
  }
  const op = cx.ops.find((o) => o.index === cx.failingOp);
  if (!aboutOrder && failing) {
    return `not linearizable${where}: process ${op?.process} ${describe(model, failing.input, failing.output)} (op ${cx.failingOp}) got a result that no order of the operations before it can produce, wherever it is placed`;
  }
  const states = [...new Set(cx.candidates.map((c) => c.state))].slice(0, 3).join(' or ');
  const pairs = cx.ops.filter((o) => o.type === 'invoke').length;
  if (!states) return `not linearizable${where}: no order of these ${pairs} operations gets past process ${op?.process} ${op?.f} (op ${cx.failingOp})`;
  return `not linearizable${where}: in every order of these ${pairs} operations, process ${op?.process} ${op?.f} (op ${cx.failingOp}) finds the state ${states}, which its result contradicts`;
}

function budgetFrom(opts: LinearizabilityOptions, started: number): SearchBudget {
  const limitBytes = (opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB) * 2 ** 20;
  const headroom = Math.max(limitBytes - process.memoryUsage.rss(), 8 * 2 ** 20);
  return {
    deadline: started + (opts.timeLimitS ?? DEFAULT_TIME_LIMIT_S) * 1000,
    maxCacheBytes: headroom * 0.5,
    maxRssBytes: limitBytes,
  };
}

function budgetNote(reason: 'time' | 'memory', opts: LinearizabilityOptions, done: number, total: number, prefix: number, size: number, key: string): string {
  const limit = reason === 'time' ? `time limit of ${opts.timeLimitS ?? DEFAULT_TIME_LIMIT_S} s` : `memory limit of ${opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB} MB`;
  const keyText = total > 1 ? ` (${done} of ${total} keys verified; stopped in key ${JSON.stringify(key)})` : '';
  return `the ${limit} ran out before the search finished${keyText}; the longest linearizable prefix reached covers ${prefix} of ${size} operations`;
}

export function peakRssMb(): number {
  return round(process.resourceUsage().maxRSS / 1024);
}

const round = (x: number): number => Math.round(x * 10) / 10;
