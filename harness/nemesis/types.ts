// Faults. A fault kind knows how to start and stop one fault on a started cluster; the schedule
// (seeded, replayable, shrinkable) says which fault starts when and for how long. Every start and
// end is recorded as a `fault-start` / `fault-end` event so checkers and reports can show it.
import type { Rng } from '../rng.ts';
import type { HostFeatures, Runtime } from '../runtime/types.ts';
import type { Cluster } from '../target.ts';

/** One planned fault: a plain value, so schedules print, replay and shrink. */
export interface PlannedFault {
  /** Fault kind name: partition-halves, partition-leader, kill, pause, ... */
  kind: string;
  /** Start, ms after the workload started. */
  at: number;
  /** How long it lasts before its end (heal / restart / resume), ms. */
  duration: number;
  /** Random draw the kind uses to pick its victims (kept in the schedule for replay). */
  pick: number;
}

export interface FaultContext {
  cluster: Cluster;
  runtime: Runtime;
  rng: Rng;
  log: (line: string) => void;
  /** The nodes faults may pick as victims (the scenario's `nemesis.on`); default: every node. */
  victims?: readonly string[];
}

/** What a started fault did, recorded in the fault-start event. */
export interface ActiveFault {
  targets: string[];
  detail?: unknown;
  /** Ends the fault (heal, restart, resume). Idempotent. */
  end(): Promise<void>;
}

export interface FaultKind {
  name: string;
  description: string;
  /** What the runtime must give every host for this kind (a fake clock, a size-limited disk). */
  hostFeatures?: HostFeatures;
  /** Whether the cluster/runtime can do it (e.g. kill needs cluster.kill). */
  supported(ctx: FaultContext): boolean;
  /** `pick` is the schedule's random draw in [0,1) used to choose victims deterministically. */
  start(ctx: FaultContext, pick: number): Promise<ActiveFault>;
}
