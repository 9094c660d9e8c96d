// Fault schedules as plain values: which fault starts when, for how long, and the random draw that
// picks its victims. Planned from the run's seed alone, so the same seed gives the same schedule and
// a printed schedule can be replayed (or shrunk) exactly. Faults follow one another with a gap between
// them, and the last `quietMs` of the run stay fault-free so the system can recover before final reads.
import { UsageError } from '../errors.ts';
import type { Rng } from '../rng.ts';
import type { PlannedFault } from './types.ts';

export interface SchedulePlan {
  /** Fault kind names to draw from (uniformly). */
  faults: string[];
  /** Seconds between one fault's end and the next one's start (also before the first), [min, max]. */
  interval: [number, number];
  /** Seconds each fault lasts, [min, max]. */
  duration: [number, number];
  /** Length of the workload, ms. */
  timeLimitMs: number;
  /** Fault-free time at the end of the workload, ms. */
  quietMs: number;
}

function checkRange(name: string, [min, max]: [number, number], minAllowed: number): void {
  if (!(Number.isFinite(min) && Number.isFinite(max) && min >= minAllowed && max >= min)) {
    throw new UsageError(`nemesis ${name} must be [min, max] seconds with ${minAllowed} <= min <= max, got [${min}, ${max}]`);
  }
}

/** Draws a schedule from `rng`; pure: the same rng state and plan give the same schedule. */
export function planSchedule(rng: Rng, plan: SchedulePlan, known?: readonly string[]): PlannedFault[] {
  if (plan.faults.length === 0) return [];
  if (known) for (const f of plan.faults) if (!known.includes(f)) throw new UsageError(`unknown fault kind '${f}' (known: ${known.join(', ')})`);
  checkRange('interval', plan.interval, 0);
  checkRange('duration', plan.duration, 0.001);
  const secondsToMs = ([min, max]: [number, number]) => rng.int(Math.round(min * 1000), Math.round(max * 1000));
  const lastEnd = plan.timeLimitMs - plan.quietMs;
  const minDuration = Math.round(plan.duration[0] * 1000);
  const schedule: PlannedFault[] = [];
  let at = secondsToMs(plan.interval);
  while (at + minDuration <= lastEnd) {
    const kind = rng.pick(plan.faults);
    const duration = Math.min(secondsToMs(plan.duration), lastEnd - at);
    schedule.push({ kind, at, duration, pick: rng.float() });
    at += duration + secondsToMs(plan.interval);
  }
  return schedule;
}

/** One line per schedule, for logs and replay instructions: "kill@3.0s/2.5s, partition-one@…". */
export const describeSchedule = (schedule: readonly PlannedFault[]): string =>
  schedule.map((f) => `${f.kind}@${(f.at / 1000).toFixed(1)}s/${(f.duration / 1000).toFixed(1)}s`).join(', ') || 'no faults';
