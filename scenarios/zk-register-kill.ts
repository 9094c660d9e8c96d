// Crash-restart: SIGKILL a node or the leader, restart it from its dataDir at the end of the fault.
// Acknowledged writes must survive; the register must stay linearizable.
import { defineScenario } from '../harness/scenario/types.ts';
import { REGISTER_SCENARIO } from '../harness/workloads/register.ts';

export default defineScenario({
  ...REGISTER_SCENARIO,
  name: 'zk-register-kill',
  description: 'cas register while nodes and leaders are SIGKILLed and restarted; linearizability check',
  nemesis: { faults: ['kill', 'kill-leader'], interval: [2, 4], duration: [2, 5], quiet: 2 },
});
