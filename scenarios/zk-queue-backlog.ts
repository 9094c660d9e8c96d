// The single-consumer queue with a backlog across leader changes: producers pause only 20 ms, so the
// queue is rarely empty when the leader is killed, and every element enqueued after the change must
// still come out after the ones already waiting (sequence suffixes only grow). zk-queue-fifo's
// producers pause 150 ms, so its consumer keeps the queue nearly empty and a leader change that
// reuses suffixes usually goes unseen there.
import { defineScenario } from '../harness/scenario/types.ts';
import { queueWorkload } from '../harness/workloads/recipes/queue.ts';

export default defineScenario({
  name: 'zk-queue-backlog',
  description: 'queue recipe with 2 fast producers and ONE consumer (a standing backlog) while leaders are killed; no loss, no duplicates, FIFO',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  mustFailOn: ['zk-lite:bug=seq-reuse'],
  timeLimit: 12,
  concurrency: 3,
  rate: 100,
  opTimeoutMs: 8000,
  recover: 4,
  workload: queueWorkload,
  workloadOptions: { variant: 'correct', producers: 2, fifo: true, enqueuePauseMs: 20, sessionTimeoutMs: 4000 },
  nemesis: { faults: ['kill-leader'], interval: [2, 4], duration: [3, 5], quiet: 2 },
});
