// A deliberately broken election, to show the checker catches it through the real pipeline: the
// candidates ignore session events, so one cut off past its session timeout never re-checks and
// never stands again — it keeps believing what it last saw while the others elect someone else.
// Every fault here outlasts the session timeout and 6 candidates sit 2 per node, so every fault
// expires at least one candidate that is not the leader (a leader may resign into a timeout and be
// replaced, which would hide the bug); leaders resign often, so the stale view differs from the real
// leader at the end. This scenario must FAIL (exit 1): the views do not converge.
import { defineScenario } from '../harness/scenario/types.ts';
import { electionWorkload } from '../harness/workloads/recipes/election.ts';

export default defineScenario({
  name: 'zk-election-broken',
  description: 'EXPECTED TO FAIL: candidates that never re-check after a disconnect; views must fail to converge',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 14,
  concurrency: 6,
  rate: 12,
  opTimeoutMs: 10000,
  recover: 3,
  workload: electionWorkload,
  workloadOptions: { variant: 'no-recheck', sessionTimeoutMs: 4000, electionBoundMs: 8000, viewWaitMs: 3000, resignShare: 0.5, minTermMs: 1000 },
  nemesis: { faults: ['partition-one', 'kill'], interval: [1, 2], duration: [6, 7], quiet: 1 },
});
