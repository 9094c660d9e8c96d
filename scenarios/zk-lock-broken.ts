// A deliberately broken lock, to show the lock checkers catch a real double hold through the real
// pipeline: every waiter watches the parent (the herd) and takes the lock when its node is among the
// first two children, so two live sessions hold it at once. No faults are needed: this scenario must
// FAIL (exit 1) on lock-safety and mutex linearizability.
import { defineScenario } from '../harness/scenario/types.ts';
import { lockWorkload } from '../harness/workloads/recipes/lock.ts';

export default defineScenario({
  name: 'zk-lock-broken',
  description: 'EXPECTED TO FAIL: a lock that admits the two lowest waiters; lock-safety and mutex linearizability must flag it',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 8,
  concurrency: 5,
  opTimeoutMs: 10000,
  recover: 1,
  workload: lockWorkload,
  workloadOptions: { variant: 'herd-broken', sessionTimeoutMs: 4000 },
});
