// Clock faults on a ZooKeeper ensemble: the wall clock of the leader or of a follower skewed by
// ±1–20 s, stepped 60 s forward or back (and back again), or strobing between two offsets every 10 ms,
// while clients run the cas register. Held to: linearizability (confirmed reads) and sessions that
// expire only after the timeout has run out without a word from the client (every expiry measured
// against the timeout); `clock-faults` says whether the target could feel the faults at all. Real
// ZooKeeper times sessions and leases with System.nanoTime, so it cannot (docs/CLOCKS.md). Broken
// variant: `--target zk-lite:bug=wall-clock` (lease and session expiry on the wall clock).
//
// Five clients hammer the registers; six more (two per node) are idle witnesses: a session that only
// its client's liveness pings keep alive (every 667 ms). A leader whose session clock steps forward
// (zk-lite:bug=wall-clock) expires, at its next expiry pass (at the start of every leader tick, before
// the lease check that the same step makes it fail), every session not touched since the step; a
// busy client touches its session within milliseconds of the step, so which busy sessions expired was
// left to timing (the catch failed on about 1 run in 3: no session expired at all). A witness escapes
// only if a touch of it reaches the leader between the step and that pass, so six of them all escaping
// is far too rare to matter. Their expiries are judged by the last request their server answered (the
// checker's evidence 'answers'), sound here because no fault cuts a server off from its leader.
// Real ZooKeeper with the witnesses stayed VALID (seeds 1–3, 30 s, no session expired).
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
  const bounds = { sessionTimeoutMs: o.sessionTimeoutMs, toleranceMs: Number(options.expiryToleranceMs ?? 500), evidence: 'answers' as const };
  return { ...base, checkers: [...base.checkers, sessionExpiryChecker(bounds), clockFaultsChecker] };
});

export default defineScenario({
  name: 'zk-register-clock',
  description: 'cas register while a node\'s wall clock (leader or follower) is skewed, stepped ±60 s or strobing; linearizability, no session expired before its timeout, whether the faults could be felt',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  mustFailOn: ['zk-lite:bug=wall-clock'],
  timeLimit: 30,
  concurrency: 11,
  opTimeoutMs: 6000,
  recover: 3,
  workload: clockedRegister,
  workloadOptions: { readMode: 'linearizable', sessionTimeoutMs: 4000, witnesses: 6 },
  nemesis: {
    // in this order on every seed (sizes, directions, victims and timings from the seed): the first
    // fault steps the leader's clock 60 s, so every seed has a step that wall-clock session expiry
    // cannot survive; skews and strobes follow, on a random node and on the leader
    faults: ['clock-jump-leader', 'clock-skew', 'clock-strobe-leader', 'clock-jump', 'clock-skew-leader', 'clock-strobe'],
    order: 'cycle',
    interval: [1, 3],
    duration: [3, 6],
    quiet: 2,
  },
});
