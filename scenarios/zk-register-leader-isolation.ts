// The leader cut off from both followers, again and again: the majority must elect a new leader and
// accept writes (~3 s with tickTime 500), the old leader must not acknowledge anything meanwhile.
import { defineScenario } from '../harness/scenario/types.ts';
import { REGISTER_SCENARIO } from '../harness/workloads/register.ts';

export default defineScenario({
  ...REGISTER_SCENARIO,
  name: 'zk-register-leader-isolation',
  description: 'cas register while the current leader is repeatedly partitioned away; linearizability + recovery time',
  nemesis: { faults: ['partition-leader'], interval: [3, 5], duration: [6, 9], quiet: 2 },
});
