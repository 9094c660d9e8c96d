// A deliberately broken barrier, to show the barrier checker catches an early pass through the real
// pipeline: a participant passes (and releases the round for everyone) as soon as it sees N-1 of
// the N participants. No faults are needed: this scenario must FAIL (exit 1) on barrier-safety.
import { defineScenario } from '../harness/scenario/types.ts';
import { barrierWorkload } from '../harness/workloads/recipes/barrier.ts';

export default defineScenario({
  name: 'zk-barrier-broken',
  description: 'EXPECTED TO FAIL: a barrier that lets participants through at N-1; barrier-safety must flag passes before everyone joined',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 5,
  concurrency: 4,
  opTimeoutMs: 20000,
  recover: 1,
  workload: barrierWorkload,
  workloadOptions: { variant: 'early', participants: 4, sessionTimeoutMs: 4000 },
});
