// The single-consumer queue with a backlog across leader changes: every element enqueued after the
// change must still come out after the ones already waiting, and get a higher sequence suffix than
// every enqueue acknowledged before it (`queue-sequence`: suffixes only grow).
//
// The producers are a little faster than the consumer (each pauses 50 ms per enqueue: about 40
// elements a second in against about 30 out), so the queue always holds a small backlog that grows
// slowly, while the consumer has taken several times as many as are waiting. That balance is what
// exposes a new leader that reuses sequence suffixes (zk-lite `seq-reuse`: its counter restarts at
// the number of children): with more taken than waiting, the suffix it hands out first is one of a
// deleted child, below everything still waiting and everything acknowledged before — caught by
// `queue-sequence` on the enqueue itself and by FIFO once the consumer takes it. With the producers'
// former 20 ms pause the backlog grew about as fast as the consumer took, the restarted counter landed
// inside the live range, was skipped past it, and one leader change was caught on 2 seeds in 3.
// zk-queue-fifo's producers pause 150 ms, so its consumer keeps the queue nearly empty.
import { defineScenario } from '../harness/scenario/types.ts';
import { queueWorkload } from '../harness/workloads/recipes/queue.ts';

export default defineScenario({
  name: 'zk-queue-backlog',
  description: 'queue recipe with 2 producers slightly faster than ONE consumer (a small standing backlog) while leaders are killed; no loss, no duplicates, FIFO, growing suffixes',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  mustFailOn: ['zk-lite:bug=seq-reuse'],
  timeLimit: 12,
  concurrency: 3,
  rate: 100,
  opTimeoutMs: 8000,
  recover: 4,
  workload: queueWorkload,
  workloadOptions: { variant: 'correct', producers: 2, fifo: true, enqueuePauseMs: 50, sessionTimeoutMs: 4000 },
  nemesis: { faults: ['kill-leader'], interval: [2, 4], duration: [3, 5], quiet: 2 },
});
