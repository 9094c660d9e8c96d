// Clock faults on a ZooKeeper ensemble: the wall clock of the leader or of a follower skewed by
// ±1–20 s, stepped 60 s forward or back (and back again), or strobing between two offsets every 10 ms,
// while clients run the cas register. Held to: linearizability (confirmed reads) and sessions that
// expire only after the timeout has run out without a word from the client (every expiry measured
// against the timeout); `clock-faults` says whether the target could feel the faults at all. Real
// ZooKeeper times sessions and leases with System.nanoTime, so it cannot (docs/CLOCKS.md). Broken
// variant: `--target zk-lite:bug=wall-clock` (lease and session expiry on the wall clock).
import { clockFaultsChecker } from '../harness/checker/clock-faults.ts';
import { sessionExpiryChecker } from '../harness/checker/recipes/session-expiry.ts';
import { defineWorkload, type Workload } from '../harness/generator/types.ts';
import { int } from '../harness/options.ts';
import { defineScenario } from '../harness/scenario/types.ts';
import type { Cluster } from '../harness/target.ts';
import { registerOptions, RegisterOptionsSchema, registerWorkload } from '../harness/workloads/register.ts';

/** The register workload, also judged for session expiries and for whether its clock faults could be felt. */
export const clockedRegister = defineWorkload(RegisterOptionsSchema.extend({ expiryToleranceMs: int(0).optional() }), (options): Workload<Cluster> => {
  const base = registerWorkload(options);
  const o = registerOptions(options);
  const bounds = { sessionTimeoutMs: o.sessionTimeoutMs, toleranceMs: Number(options.expiryToleranceMs ?? 500) };
  return { ...base, checkers: [...base.checkers, sessionExpiryChecker(bounds), clockFaultsChecker] };
});

export default defineScenario({
  name: 'zk-register-clock',
  description: 'cas register while a node\'s wall clock (leader or follower) is skewed, stepped ±60 s or strobing; linearizability, no session expired before its timeout, whether the faults could be felt',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 5,
  opTimeoutMs: 6000,
  recover: 3,
  workload: clockedRegister,
  workloadOptions: { readMode: 'linearizable', sessionTimeoutMs: 4000 },
  nemesis: {
    faults: ['clock-skew', 'clock-skew-leader', 'clock-jump', 'clock-jump-leader', 'clock-strobe', 'clock-strobe-leader'],
    interval: [1, 3],
    duration: [3, 6],
    quiet: 2,
  },
});
