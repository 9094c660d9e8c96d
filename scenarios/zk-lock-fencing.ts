// The fencing demonstration on the real ensemble: long holds (4 s of guarded writes each), and the
// holder's server killed for longer than the session timeout. The holder is disconnected at once but
// cannot learn that its session expired until its server is back, so it keeps writing with its old
// token while the next client acquires the lock with a higher one: the checkers must report that as
// a fencing hazard (not as two live holders), and the token-guarded resource must reject the stale
// writes. Clients start staggered, so process 0 (on n1) holds first; a kill of n1 early in the run
// (e.g. `schedule: [{kind: 'kill', at: 1500, duration: 8000, pick: 0.1}]`) cuts off the holder.
import { defineScenario } from '../harness/scenario/types.ts';
import { lockWorkload } from '../harness/workloads/recipes/lock.ts';

export default defineScenario({
  name: 'zk-lock-fencing',
  description: 'lock holders cut off by node kills past the session timeout; fencing hazards reported apart from double holds, stale writes rejected by token',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 16,
  concurrency: 3,
  opTimeoutMs: 12000,
  recover: 5,
  workload: lockWorkload,
  workloadOptions: { variant: 'correct', sessionTimeoutMs: 4000, usesPerHold: 40, useMs: 100, acquireWaitMs: 9000, staggerMs: 400 },
  nemesis: { faults: ['kill'], interval: [1, 2], duration: [7, 8], quiet: 1.5 },
});
