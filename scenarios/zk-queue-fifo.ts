// The ZooKeeper queue recipe with a single consumer under faults: besides no loss and no duplicates,
// elements must come out in the order their enqueues were acknowledged (FIFO).
import { defineScenario } from '../harness/scenario/types.ts';
import { queueWorkload } from '../harness/workloads/recipes/queue.ts';

export default defineScenario({
  name: 'zk-queue-fifo',
  description: 'queue recipe with 2 producers and ONE consumer under partitions, kills and pauses; no loss, no duplicates, FIFO',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 3,
  rate: 100,
  opTimeoutMs: 8000,
  recover: 4,
  workload: queueWorkload,
  workloadOptions: { variant: 'correct', producers: 2, fifo: true, enqueuePauseMs: 150, sessionTimeoutMs: 4000 },
  nemesis: {
    faults: ['partition-one', 'partition-leader', 'kill', 'kill-leader', 'pause'],
    interval: [2, 4],
    duration: [3, 6],
    quiet: 2,
  },
});
