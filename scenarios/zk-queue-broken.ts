// A deliberately broken queue consumer, to show the queue checker catches duplicate deliveries
// through the real pipeline: consumers treat reading the lowest child as taking it (and delete it
// afterwards, ignoring NoNode), so competing consumers deliver the same element twice. No faults
// are needed: this scenario must FAIL (exit 1) on queue-delivery.
import { defineScenario } from '../harness/scenario/types.ts';
import { queueWorkload } from '../harness/workloads/recipes/queue.ts';

export default defineScenario({
  name: 'zk-queue-broken',
  description: 'EXPECTED TO FAIL: consumers that count a read as a take; queue-delivery must flag elements delivered twice',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 6,
  concurrency: 5,
  rate: 150,
  opTimeoutMs: 8000,
  recover: 1,
  workload: queueWorkload,
  workloadOptions: { variant: 'read-is-take', producers: 2, sessionTimeoutMs: 4000 },
});
