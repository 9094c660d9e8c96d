// The nemesis: every fault kind by name, the seeded schedule planner and the schedule runner.
// Adding a fault kind means adding one FaultKind in kinds/ and listing it here.
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
import { uwsgiFaults } from '../../targets/uwsgi-nginx/faults.ts';

export const faultKinds: Record<string, FaultKind> = Object.fromEntries(
  [partitionHalves, partitionOne, partitionLeader, partitionRing, partitionBridge, kill, killLeader, killAll, pause, pauseLeader, ...uwsgiFaults, ...linkFaultKinds, ...clockFaultKinds, ...diskFaultKinds].map((k) => [k.name, k]),
);

/** A seeded schedule over the known fault kinds (unknown names are a UsageError), drawn with
 *  fast-check (arbitrary.ts) from one draw of `rng`, so it replays, prints and shrinks. */
export function planSchedule(rng: Rng, opts: SchedulePlan): PlannedFault[] {
  return planFaults(rng.int(0, 0x7fffffff), opts, Object.keys(faultKinds));
}

/** Runs `schedule` with the known fault kinds; see run.ts. */
export function runNemesis(schedule: readonly PlannedFault[], ctx: FaultContext, record: (event: NemesisEvent) => void, signal: AbortSignal): Promise<void> {
  return runSchedule(schedule, ctx, record, signal, faultKinds);
}

/** What the runtime must give the hosts for these fault kinds (unknown names are skipped). */
export function hostFeaturesFor(kinds: Iterable<string>): HostFeatures {
  const features: HostFeatures = {};
  for (const name of kinds) {
    const f = faultKinds[name]?.hostFeatures;
    if (f?.clock) features.clock = true;
    if (f?.diskMb) features.diskMb = Math.max(features.diskMb ?? 0, f.diskMb);
  }
  return features;
}

export { describeSchedule, type SchedulePlan } from './schedule.ts';
export { FAULT_STEP_TIMEOUT_MS, type NemesisEvent } from './run.ts';
