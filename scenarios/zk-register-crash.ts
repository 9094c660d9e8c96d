// Power loss of the whole ensemble: every node SIGKILLed at once, then all restarted from their
// dataDirs. Whatever a quorum acknowledged must survive, which holds only if it was on disk (fsync)
// before the acknowledgement: single kills never show that, the other copies mask the loss.
// Written values are unique (workload option `writes`): with the default 5 values a write in flight
// at the crash, of unknown outcome, may carry the value a register falls back to and explain the old
// value read after the restart; with unique values a read names the one write it read from.
import { defineScenario } from '../harness/scenario/types.ts';
import { REGISTER_SCENARIO } from '../harness/workloads/register.ts';

export default defineScenario({
  ...REGISTER_SCENARIO,
  name: 'zk-register-crash',
  description: 'cas register while every node is SIGKILLed at once and restarted; linearizability check (acknowledged writes must be durable)',
  mustFailOn: ['zk-lite:bug=no-fsync'],
  workloadOptions: { readMode: 'linearizable', writes: 'unique' },
  timeLimit: 12,
  recover: 3,
  nemesis: { faults: ['kill-all'], interval: [3, 5], duration: [1, 2], quiet: 4 },
});
