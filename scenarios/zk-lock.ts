// The ZooKeeper lock recipe on the real ensemble under partitions, crashes and pauses: no two live
// sessions may hold the lock at once, acquire/release must be linearizable as a mutex (a session's
// expiry counting as its release), and holders whose session expired behind a fault are reported as
// fencing hazards, with the token-guarded resource rejecting their stale writes.
import { defineScenario } from '../harness/scenario/types.ts';
import { lockWorkload } from '../harness/workloads/recipes/lock.ts';

export default defineScenario({
  name: 'zk-lock',
  description: 'lock recipe (ephemeral-sequential, watch the predecessor) with fencing tokens under partitions, kills and pauses; lock-safety, fencing, mutex linearizability',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 5,
  opTimeoutMs: 10000,
  recover: 5,
  workload: lockWorkload,
  workloadOptions: { variant: 'correct', sessionTimeoutMs: 4000 },
  nemesis: {
    faults: ['partition-one', 'partition-leader', 'partition-halves', 'kill', 'kill-leader', 'pause'],
    interval: [2, 4],
    duration: [5, 8],
    quiet: 2,
  },
});
