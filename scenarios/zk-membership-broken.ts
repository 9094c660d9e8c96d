// A deliberately broken group membership, to show the removal checker catches dead members that
// stay listed, through the real pipeline: members register persistent instead of ephemeral nodes, so
// neither a SIGKILLed member nor one that closed its session ever leaves the group. No faults are
// needed: this scenario must FAIL (exit 1) on membership-removal.
import { defineScenario } from '../harness/scenario/types.ts';
import { membershipWorkload } from '../harness/workloads/recipes/membership.ts';

export default defineScenario({
  name: 'zk-membership-broken',
  description: 'EXPECTED TO FAIL: members registered as persistent nodes; membership-removal must flag dead members still listed',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 8,
  concurrency: 4,
  opTimeoutMs: 10000,
  recover: 1,
  workload: membershipWorkload,
  workloadOptions: { variant: 'persistent', observers: 1, sessionTimeoutMs: 4000, removalBoundMs: 2000, holds: 2 },
});
