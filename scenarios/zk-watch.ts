// Watches without faults, held to "a watch fires only for a change made after it was registered":
// the config recipe (one writer, watchers that re-register after every firing) with a slow writer,
// so between two writes there is time for a spurious firing to stand out. zk-config's watch-once
// check counts firings per registration and so misses a duplicated notification: the client library
// hands the copy to the registration made in between, which fires once, with no change behind it.
import type { Op } from '../harness/history/op.ts';
import type { Checker, CheckResult, Violation } from '../harness/checker/result.ts';
import { eachWorkerOnce } from '../harness/generator/combinators.ts';
import { defineWorkload, type Workload } from '../harness/generator/types.ts';
import { defineScenario } from '../harness/scenario/types.ts';
import type { Cluster } from '../harness/target.ts';
import { configWorkload } from '../harness/workloads/recipes/config.ts';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** When each write that may have applied was invoked, and the value it wrote (Infinity when the
 *  history does not say: such a write may explain any later firing). */
function writesInvoked(history: readonly Op[]): { start: number; value: number }[] {
  const started = new Map<number | string, number>();
  const writes: { start: number; value: number }[] = [];
  for (const op of history) {
    if (op.f !== 'write') continue;
    if (op.type === 'invoke') started.set(op.process, op.time);
    else if (op.type === 'ok' || op.type === 'info') writes.push({ start: started.get(op.process) ?? 0, value: num(op.value) ?? Infinity });
  }
  return writes;
}

/** Every `watch` firing must follow a write, invoked before the firing, of a value above the one
 *  its registration read (the config only grows). A firing without one is spurious. */
export function checkWatchCause(history: readonly Op[]): CheckResult {
  const readAt = new Map<string, number>();
  for (const op of history) {
    const v = op.value as { registration?: unknown; session?: unknown; value?: unknown } | null;
    if (op.type === 'event' && op.f === 'config' && num(v?.value) !== undefined) readAt.set(`${op.process}/${String(v?.registration)}`, num(v?.value)!);
  }
  const writes = writesInvoked(history);
  const violations: Violation[] = [];
  let firings = 0;
  for (const op of history) {
    if (op.type !== 'event' || op.f !== 'watch') continue;
    firings++;
    const reg = (op.value as { registration?: unknown }).registration;
    const read = readAt.get(`${op.process}/${String(reg)}`);
    if (read === undefined) continue;
    if (writes.some((w) => w.start <= op.time && w.value > read)) continue;
    violations.push({ message: `watch registration ${String(reg)} of process ${op.process} fired at ${op.time} ms, but no write of a configuration above ${read} (what it read) had been invoked by then: a watch fires only for a change after its registration`, ops: [op.index], time: op.time });
  }
  if (violations.length) return { checker: 'watch-cause', valid: false, summary: `${violations.length} of ${firings} firings had no change behind them (first: ${violations[0].message})`, violations };
  return { checker: 'watch-cause', valid: true, summary: `${firings} firings, each after a newer configuration was written` };
}

const watchCause: Checker = { name: 'watch-cause', check: (history) => checkWatchCause(history) };

const watchWorkload = defineWorkload(configWorkload.options, (options): Workload<Cluster> => {
  const base = configWorkload(options);
  const writers = Number(options.writers ?? 1);
  // a final view per watcher, counted per run (config.ts's own final generator is module-wide, so a
  // second run in the same process would take no views)
  const views = eachWorkerOnce(() => [{ f: 'view', value: null }]);
  return { ...base, name: `${base.name}-watch-cause`, final: (ctx) => (ctx.worker < writers ? null : views(ctx)), checkers: [...base.checkers, watchCause] };
});

export default defineScenario({
  name: 'zk-watch',
  description: 'config watches with a slow writer and no faults; every firing must follow a newer write (no spurious or duplicated notifications), watch once, never backwards, convergence',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  mustFailOn: ['zk-lite:bug=double-watch'],
  timeLimit: 10,
  concurrency: 3,
  // one op per worker every 0.75–2.25 s: a write rarely follows the previous one within a second
  rate: 2,
  opTimeoutMs: 10000,
  recover: 1,
  workload: watchWorkload,
  workloadOptions: { variant: 'correct', writers: 1, sessionTimeoutMs: 4000, readPauseMs: 0 },
});
