// The ZooKeeper queue recipe with several producers and several competing consumers under
// partitions, crashes and pauses: after the heal and a drain, no acknowledged enqueue may be lost and
// nothing delivered twice; reorderings across consumers are reported (not promised away).
import { defineScenario } from '../harness/scenario/types.ts';
import { queueWorkload } from '../harness/workloads/recipes/queue.ts';

export default defineScenario({
  name: 'zk-queue',
  description: 'queue recipe (persistent-sequential, take = delete of the lowest) with 2 producers and 3 consumers under partitions, kills and pauses; no loss, no duplicates',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 5,
  rate: 150,
  opTimeoutMs: 8000,
  recover: 4,
  workload: queueWorkload,
  workloadOptions: { variant: 'correct', producers: 2, sessionTimeoutMs: 4000 },
  nemesis: {
    faults: ['partition-one', 'partition-leader', 'partition-halves', 'kill', 'kill-leader', 'pause'],
    interval: [2, 4],
    duration: [3, 6],
    quiet: 2,
  },
});
