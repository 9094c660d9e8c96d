// A scenario is a plain value: which target, which workload, which faults, for how long. One file per
// scenario in scenarios/, merged onto the defaults below; the CLI can override target, runtime,
// seed, time limit and node count.
import type { WorkloadFactory } from '../generator/types.ts';
import type { RuntimeKind } from '../runtime/types.ts';
import type { Cluster } from '../target.ts';

export interface NemesisPlan {
  /** Fault kind names (harness/nemesis), drawn at random for each fault (or in turn: `order`). */
  faults: string[];
  /** 'cycle': the faults follow the list's order, repeating — for a scenario whose point is a
   *  sequence (a full disk, then a crash); timings and victims still come from the seed. */
  order?: 'random' | 'cycle';
  /** Seconds between the end of one fault and the start of the next: [min, max]. */
  interval: [number, number];
  /** Seconds each fault lasts: [min, max]. */
  duration: [number, number];
  /** Seconds of calm before the first fault. */
  quiet?: number;
  /** The nodes the faults may pick as victims (default: every node), e.g. ['app']. */
  on?: string[];
}

/** A known bug of the system under test, tracked upstream, that a scenario runs into. A run whose
 *  every violation matches a known issue of its scenario says so (result.json `knownIssues`); it
 *  still exits 1 — its history does break the promise — and a campaign counts it apart: known, not a
 *  new failure (harness/scenario/known-issues.ts). Recognition is deliberately narrow: only a
 *  violation of `checker` on `target`, after `afterFaults`, is this issue; anything else is new. */
export interface KnownIssue {
  /** Upstream id, e.g. 'ZOOKEEPER-4882'. */
  id: string;
  /** Where it is tracked (http or https). */
  url: string;
  /** The target it is in: a name ('zookeeper'), or a spec whose every option must match too. */
  target: string;
  /** The checker whose violation it explains. */
  checker: string;
  /** One sentence: what goes wrong. */
  description: string;
  /** Fault kinds (globs) the run must have injected, in this order, for its violation to be this
   *  issue (e.g. ['disk-full*', 'kill-all']: a full disk, later a crash of every node). */
  afterFaults?: string[];
}

export interface Scenario {
  name: string;
  description: string;
  /** Default target spec, e.g. 'zookeeper' or 'uwsgi-nginx'. */
  target: string;
  /** Target options (config values); `--target name:key=value` overrides them. */
  targetOptions?: Record<string, unknown>;
  /** Targets this scenario is meant for (for `compare`); defaults to [target]. */
  targets?: string[];
  /** Target specs on which this scenario must find a violation: a setting switched off or a
   *  documented bug switched on (`uwsgi-nginx:harakiri=0`, `zk-lite:bug=stale-read`). A campaign runs
   *  them next to the plain target and counts how often each is caught. */
  mustFailOn?: string[];
  /** Known upstream bugs of a target this scenario runs into (see KnownIssue). */
  knownIssues?: KnownIssue[];
  nodes?: number;
  runtime?: RuntimeKind;
  /** Seconds of workload (the nemesis runs during it). */
  timeLimit: number;
  /** Concurrent client workers. */
  concurrency: number;
  /** Total ops per second over all workers (a cap; 0 = as fast as they complete). */
  rate?: number;
  /** Per-op deadline (ms) the runner enforces on top of the client's own timeouts. */
  opTimeoutMs?: number;
  /** Seconds to wait after the final heal before final ops and checks. */
  recover?: number;
  /** Builds the workload; options are targetOptions, then workloadOptions, then the user's
   *  `--target name:key=value` pairs, later ones winning. Its `options` schema says which of them are
   *  the scenario's own (the rest belong to the target). */
  workload: WorkloadFactory<Cluster>;
  workloadOptions?: Record<string, unknown>;
  nemesis?: NemesisPlan;
  /** Seconds allowed for the target to start serving. */
  startTimeout?: number;
}

export const SCENARIO_DEFAULTS = {
  nodes: 3,
  rate: 0,
  opTimeoutMs: 5000,
  recover: 3,
  startTimeout: 60,
} as const;

export function defineScenario(s: Scenario): Scenario {
  return s;
}
