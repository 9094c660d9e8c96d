// The main ZooKeeper scenario: a compare-and-set register under mixed faults (partitions of every
// shape, crashes, pauses), reads confirmed through the write path, checked for linearizability.
import { defineScenario } from '../harness/scenario/types.ts';
import { REGISTER_SCENARIO } from '../harness/workloads/register.ts';

export default defineScenario({
  ...REGISTER_SCENARIO,
  name: 'zk-register',
  description: 'cas register on real ZooKeeper under partitions, kills and pauses; linearizable reads, linearizability check',
  nemesis: {
    faults: ['partition-halves', 'partition-one', 'partition-leader', 'partition-ring', 'partition-bridge', 'kill', 'kill-leader', 'pause'],
    interval: [2, 4],
    duration: [3, 6],
    quiet: 2,
  },
});
