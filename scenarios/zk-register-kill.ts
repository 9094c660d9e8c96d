// Crash-restart: SIGKILL a node or the leader, restart it from its dataDir at the end of the fault.
// Acknowledged writes must survive; the register must stay linearizable.
import { defineScenario } from '../harness/scenario/types.ts';
import { registerWorkload } from '../harness/workloads/register.ts';

export default defineScenario({
  name: 'zk-register-kill',
  description: 'cas register while nodes and leaders are SIGKILLed and restarted; linearizability check',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 5,
  opTimeoutMs: 6000,
  recover: 4,
  workload: registerWorkload,
  workloadOptions: { readMode: 'linearizable' },
  nemesis: { faults: ['kill', 'kill-leader'], interval: [2, 4], duration: [2, 5], quiet: 2 },
});
