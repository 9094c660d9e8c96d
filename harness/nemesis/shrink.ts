// Shrinking a failing run to a smaller one that still fails: fewer faults, shorter faults, fewer
// clients, a shorter time limit. Each attempt is a real run of tens of seconds, so the order of the
// candidates matters more than exhaustiveness: this is a greedy delta-debugging pass over the plain
// run shape (drop all faults, then halves, then single faults, then halve durations, clients, time)
// that restarts from the first candidate that still fails. fast-check's generic shrinker would spend
// most attempts on changes that are not smaller in any sense a reader cares about (moving `pick`
// towards 0 changes the victim, not the size), so it is not used here. Each accepted candidate is
// strictly smaller in one measure and not larger in any other, so the search always ends.
import type { PlannedFault } from './types.ts';

/** What a run is, as far as shrinking goes: the seed stays, these change. */
export interface RunShape {
  schedule: PlannedFault[];
  /** Concurrent clients. */
  concurrency: number;
  /** Seconds of workload. */
  timeLimit: number;
}

export interface ShrinkLimits {
  /** Shortest fault worth trying, ms (default 500). */
  minDurationMs?: number;
  minConcurrency?: number;
  /** Shortest time limit, s (default 1). */
  minTimeLimit?: number;
}

export interface ShrinkAttempt {
  /** What the candidate changed, e.g. "drop fault 2 (kill@4.0s)". */
  change: string;
  shape: RunShape;
  failed: boolean;
  ms: number;
  /** Anything the caller wants to keep about the attempt (its run folder). */
  note?: string;
}

export interface ShrinkResult {
  original: RunShape;
  shrunk: RunShape;
  attempts: ShrinkAttempt[];
  /** Why it stopped: no smaller candidate fails, or the budget ran out. */
  stopped: 'minimal' | 'budget' | 'attempts';
}

const totalDuration = (s: RunShape) => s.schedule.reduce((sum, f) => sum + f.duration, 0);
const faultLabel = (f: PlannedFault) => `${f.kind}@${(f.at / 1000).toFixed(1)}s`;
const lastFaultEnd = (schedule: readonly PlannedFault[]) => schedule.reduce((m, f) => Math.max(m, f.at + f.duration), 0);

/** Whether `a` is no larger than `b` in every measure and smaller in at least one. */
export function smaller(a: RunShape, b: RunShape): boolean {
  const pairs: [number, number][] = [
    [a.schedule.length, b.schedule.length], [totalDuration(a), totalDuration(b)], [a.concurrency, b.concurrency], [a.timeLimit, b.timeLimit],
  ];
  return pairs.every(([x, y]) => x <= y) && pairs.some(([x, y]) => x < y);
}

/** Candidates smaller than `shape`, biggest cuts first. */
export function* candidates(shape: RunShape, limits: ShrinkLimits = {}): Generator<{ change: string; shape: RunShape }> {
  const minDuration = limits.minDurationMs ?? 500;
  const minConcurrency = limits.minConcurrency ?? 1;
  const minTime = limits.minTimeLimit ?? 1;
  const { schedule } = shape;
  const withSchedule = (s: PlannedFault[]) => ({ ...shape, schedule: s });
  if (schedule.length > 0) yield { change: 'drop every fault', shape: withSchedule([]) };
  if (schedule.length > 1) {
    const half = Math.ceil(schedule.length / 2);
    yield { change: `keep only the first ${half} faults`, shape: withSchedule(schedule.slice(0, half)) };
    yield { change: `keep only the last ${schedule.length - half} faults`, shape: withSchedule(schedule.slice(half)) };
    for (let i = schedule.length - 1; i >= 0; i--) {
      yield { change: `drop fault ${i} (${faultLabel(schedule[i])})`, shape: withSchedule(schedule.filter((_, j) => j !== i)) };
    }
  }
  if (schedule.some((f) => f.duration > minDuration)) {
    const halved = schedule.map((f) => ({ ...f, duration: Math.max(Math.min(f.duration, minDuration), Math.round(f.duration / 2)) }));
    yield { change: 'halve every fault duration', shape: withSchedule(halved) };
  }
  if (shape.concurrency > minConcurrency) {
    const half = Math.max(minConcurrency, Math.floor(shape.concurrency / 2));
    yield { change: `${half} clients instead of ${shape.concurrency}`, shape: { ...shape, concurrency: half } };
    if (half < shape.concurrency - 1) yield { change: `${shape.concurrency - 1} clients`, shape: { ...shape, concurrency: shape.concurrency - 1 } };
  }
  // the time limit must still cover the schedule, or its later faults would silently not happen
  const floor = Math.max(minTime, Math.ceil(lastFaultEnd(schedule) / 1000));
  for (const t of new Set([Math.max(floor, Math.floor(shape.timeLimit / 2)), Math.max(floor, shape.timeLimit - 1)])) {
    if (t < shape.timeLimit) yield { change: `time limit ${t}s instead of ${shape.timeLimit}s`, shape: { ...shape, timeLimit: t } };
  }
}

export interface ShrinkOptions extends ShrinkLimits {
  /** Stop starting new attempts after this long, ms. */
  budgetMs: number;
  /** Stop after this many attempts. */
  maxAttempts?: number;
  log?: (line: string) => void;
}

/**
 * Greedy shrink: try candidates in order; the first that still fails becomes the new shape and the
 * candidates start over from it. `fails` runs one attempt and says whether the violation is still
 * there (an error or an unknown verdict counts as not failing: only a reproduced violation shrinks).
 */
export async function shrinkRun(
  original: RunShape,
  fails: (shape: RunShape, change: string) => Promise<{ failed: boolean; note?: string }>,
  opts: ShrinkOptions,
): Promise<ShrinkResult> {
  const started = Date.now();
  const attempts: ShrinkAttempt[] = [];
  let current = original;
  const out = (stopped: ShrinkResult['stopped']): ShrinkResult => ({ original, shrunk: current, attempts, stopped });
  for (;;) {
    let progressed = false;
    for (const candidate of candidates(current, opts)) {
      if (Date.now() - started >= opts.budgetMs) return out('budget');
      if (opts.maxAttempts !== undefined && attempts.length >= opts.maxAttempts) return out('attempts');
      const t0 = Date.now();
      const verdict = await fails(candidate.shape, candidate.change).catch((err: unknown) => ({ failed: false, note: `attempt failed: ${err instanceof Error ? err.message : String(err)}` }));
      attempts.push({ change: candidate.change, shape: candidate.shape, failed: verdict.failed, ms: Date.now() - t0, note: verdict.note });
      opts.log?.(`shrink: attempt ${attempts.length}: ${candidate.change} → ${verdict.failed ? 'still fails, kept' : 'passes, dropped'}`);
      if (verdict.failed) {
        current = candidate.shape;
        progressed = true;
        break;
      }
    }
    if (!progressed) return out('minimal');
  }
}
