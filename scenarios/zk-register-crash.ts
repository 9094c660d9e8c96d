// Power loss of the whole ensemble: every node SIGKILLed at once, then all restarted from their
// dataDirs. Whatever a quorum acknowledged must survive, which holds only if it was on disk (fsync)
// before the acknowledgement: single kills never show that, the other copies mask the loss.
import { defineScenario } from '../harness/scenario/types.ts';
import { registerWorkload } from '../harness/workloads/register.ts';

export default defineScenario({
  name: 'zk-register-crash',
  description: 'cas register while every node is SIGKILLed at once and restarted; linearizability check (acknowledged writes must be durable)',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  mustFailOn: ['zk-lite:bug=no-fsync'],
  timeLimit: 12,
  concurrency: 5,
  opTimeoutMs: 6000,
  recover: 3,
  workload: registerWorkload,
  workloadOptions: { readMode: 'linearizable' },
  nemesis: { faults: ['kill-all'], interval: [3, 5], duration: [1, 2], quiet: 4 },
});
