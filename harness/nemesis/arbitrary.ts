// Fault schedules drawn with fast-check from the run's seed. The schedule is an arbitrary of plain
// values (kind, start, duration, pick), so `fc.sample(…, {seed})` gives the same schedule for the
// same seed on every machine, the schedule prints as JSON and replays exactly, and tests can draw
// thousands of schedules to check their shape. The shape (schedule.ts's plan): a gap from
// `interval` before each fault, a duration from `duration`, and nothing in the last `quietMs`.
import fc from 'fast-check';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { UsageError } from '../errors.ts';
import type { SchedulePlan } from './schedule.ts';
import type { PlannedFault } from './types.ts';

/** Picks are multiples of 1e-6 so a schedule prints short and parses back to the same value. */
const PICK_STEPS = 1_000_000;
/** No plan needs more faults than this; it bounds the array the arbitrary draws. */
const MAX_FAULTS = 500;

interface Step {
  gap: number;
  duration: number;
  kind: string;
  pick: number;
}

const msRange = (name: string, [min, max]: [number, number], minAllowed: number): { min: number; max: number } => {
  if (!(Number.isFinite(min) && Number.isFinite(max) && min >= minAllowed && max >= min)) {
    throw new UsageError(`nemesis ${name} must be [min, max] seconds with ${minAllowed} <= min <= max, got [${min}, ${max}]`);
  }
  return { min: Math.round(min * 1000), max: Math.round(max * 1000) };
};

/** Lays the drawn steps out on the time line, dropping those that no longer fit before the quiet end. */
function layOut(steps: readonly Step[], lastEnd: number, minDuration: number): PlannedFault[] {
  const schedule: PlannedFault[] = [];
  let at = 0;
  for (const step of steps) {
    at += step.gap;
    if (at + minDuration > lastEnd) break;
    const duration = Math.min(step.duration, lastEnd - at);
    schedule.push({ kind: step.kind, at, duration, pick: step.pick });
    at += duration;
  }
  return schedule;
}

/** The arbitrary of schedules for `plan`; `known` (fault kind names) rejects unknown kinds early. */
export function scheduleArbitrary(plan: SchedulePlan, known?: readonly string[]): fc.Arbitrary<PlannedFault[]> {
  if (plan.faults.length === 0) return fc.constant([]);
  if (known) for (const f of plan.faults) if (!known.includes(f)) throw new UsageError(`unknown fault kind '${f}' (known: ${known.join(', ')})`);
  const gap = msRange('interval', plan.interval, 0);
  const duration = msRange('duration', plan.duration, 0.001);
  const lastEnd = plan.timeLimitMs - plan.quietMs;
  const count = Math.min(MAX_FAULTS, Math.max(0, Math.ceil(lastEnd / Math.max(1, gap.min + duration.min)) + 1));
  const step: fc.Arbitrary<Step> = fc.record({
    gap: fc.integer(gap),
    duration: fc.integer(duration),
    kind: fc.constantFrom(...plan.faults),
    pick: fc.integer({ min: 0, max: PICK_STEPS - 1 }).map((k) => k / PICK_STEPS),
  });
  const kinds = (steps: Step[]) => (plan.order === 'cycle' ? steps.map((st, i) => ({ ...st, kind: plan.faults[i % plan.faults.length] })) : steps);
  return fc.array(step, { minLength: count, maxLength: count }).map((steps) => layOut(kinds(steps), lastEnd, duration.min));
}

/** The schedule for `seed`: the value the arbitrary generates from a generator seeded with it.
 *  Unbiased on purpose — fc.sample's bias towards edge values would make most picks 0 or ~1 (the
 *  same victim every time) and most gaps and durations their bounds. */
export function planFaults(seed: number, plan: SchedulePlan, known?: readonly string[]): PlannedFault[] {
  const random = new fc.Random(xoroshiro128plus(seed | 0));
  return scheduleArbitrary(plan, known).generate(random, undefined).value;
}
