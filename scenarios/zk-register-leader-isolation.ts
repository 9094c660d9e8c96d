// The leader cut off from both followers, again and again: the majority must elect a new leader and
// accept writes (~3 s with tickTime 500), the old leader must not acknowledge anything meanwhile.
import { defineScenario } from '../harness/scenario/types.ts';
import { registerWorkload } from '../harness/workloads/register.ts';

export default defineScenario({
  name: 'zk-register-leader-isolation',
  description: 'cas register while the current leader is repeatedly partitioned away; linearizability + recovery time',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 5,
  opTimeoutMs: 6000,
  recover: 4,
  workload: registerWorkload,
  workloadOptions: { readMode: 'linearizable' },
  nemesis: { faults: ['partition-leader'], interval: [3, 5], duration: [6, 9], quiet: 2 },
});
