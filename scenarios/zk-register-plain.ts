// The register with plain getData reads under mixed faults, held to what ZooKeeper promises for
// them: sequential consistency per session (stale reads from a lagging server are allowed).
import { defineScenario } from '../harness/scenario/types.ts';
import { REGISTER_SCENARIO } from '../harness/workloads/register.ts';

export default defineScenario({
  ...REGISTER_SCENARIO,
  name: 'zk-register-plain',
  description: 'register with plain reads under partitions, kills and pauses; sequential-consistency check per session',
  workloadOptions: { readMode: 'plain' },
  nemesis: {
    faults: ['partition-halves', 'partition-one', 'partition-leader', 'partition-ring', 'kill', 'pause'],
    interval: [2, 4],
    duration: [3, 6],
    quiet: 2,
  },
});
