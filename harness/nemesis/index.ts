// The nemesis: every generic fault kind by name, the seeded schedule planner and the schedule runner.
// Adding a fault kind any target can suffer means adding one FaultKind in kinds/ and listing it here;
// a kind only one target can suffer (uWSGI worker kills) comes with that target (Target.faultKinds),
// so the nemesis imports no target.
import type { Rng } from '../rng.ts';
import { kill, killLeader } from './kinds/crash.ts';
import { killAll } from './kinds/crash-all.ts';
import { partitionBridge, partitionHalves, partitionLeader, partitionOne, partitionRing } from './kinds/partition.ts';
import { pause, pauseLeader } from './kinds/pause.ts';
import { linkFaultKinds } from './link-faults.ts';
import { clockFaultKinds } from './kinds/clock.ts';
import { diskFaultKinds } from './kinds/disk.ts';
import { runNemesis as runSchedule, type NemesisEvent } from './run.ts';
import type { SchedulePlan } from './schedule.ts';
import { planFaults } from './arbitrary.ts';
import type { FaultContext, FaultKind, PlannedFault } from './types.ts';
import type { HostFeatures } from '../runtime/types.ts';

const byName = (kinds: readonly FaultKind[]): Record<string, FaultKind> => Object.fromEntries(kinds.map((k) => [k.name, k]));

/** The fault kinds every target gets: partitions, crashes, pauses, link, clock and disk faults. */
export const faultKinds: Record<string, FaultKind> = byName(
  [partitionHalves, partitionOne, partitionLeader, partitionRing, partitionBridge, kill, killLeader, killAll, pause, pauseLeader, ...linkFaultKinds, ...clockFaultKinds, ...diskFaultKinds],
);

/** The kinds a run on `target` may use: the generic ones and those the target offers. */
export function faultKindsFor(target: { readonly faultKinds?: readonly FaultKind[] }): Record<string, FaultKind> {
  return { ...faultKinds, ...byName(target.faultKinds ?? []) };
}

/** A seeded schedule over `kinds` (unknown names are a UsageError), drawn with fast-check
 *  (arbitrary.ts) from one draw of `rng`, so it replays, prints and shrinks. */
export function planSchedule(rng: Rng, opts: SchedulePlan, kinds: Record<string, FaultKind> = faultKinds): PlannedFault[] {
  return planFaults(rng.int(0, 0x7fffffff), opts, Object.keys(kinds));
}

/** Runs `schedule` with `kinds`; see run.ts. */
export function runNemesis(schedule: readonly PlannedFault[], ctx: FaultContext, record: (event: NemesisEvent) => void, signal: AbortSignal, kinds: Record<string, FaultKind> = faultKinds): Promise<void> {
  return runSchedule(schedule, ctx, record, signal, kinds);
}

/** What the runtime must give the hosts for these fault kinds (unknown names are skipped). */
export function hostFeaturesFor(names: Iterable<string>, kinds: Record<string, FaultKind> = faultKinds): HostFeatures {
  const features: HostFeatures = {};
  for (const name of names) {
    const f = kinds[name]?.hostFeatures;
    if (f?.clock) features.clock = true;
    if (f?.diskMb) features.diskMb = Math.max(features.diskMb ?? 0, f.diskMb);
  }
  return features;
}

export { describeSchedule, type SchedulePlan } from './schedule.ts';
export { FAULT_STEP_TIMEOUT_MS, type NemesisEvent } from './run.ts';
