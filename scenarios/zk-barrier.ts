// The ZooKeeper barrier recipe under partitions, crashes and pauses: 4 participants meet round
// after round (ephemeral children, children watch, `ready` node); nobody may pass a round before all
// 4 joined it, and after the heal all 4 must pass a final barrier.
import { defineScenario } from '../harness/scenario/types.ts';
import { barrierWorkload } from '../harness/workloads/recipes/barrier.ts';

export default defineScenario({
  name: 'zk-barrier',
  description: 'barrier recipe (ephemeral children + ready node) with 4 participants in repeated rounds under partitions, kills and pauses; nobody passes early, everyone passes after the heal',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 4,
  opTimeoutMs: 20000,
  recover: 4,
  workload: barrierWorkload,
  workloadOptions: { variant: 'correct', participants: 4, sessionTimeoutMs: 4000 },
  nemesis: {
    faults: ['partition-one', 'partition-leader', 'partition-halves', 'kill', 'kill-leader', 'pause'],
    interval: [2, 4],
    duration: [3, 6],
    quiet: 2,
  },
});
