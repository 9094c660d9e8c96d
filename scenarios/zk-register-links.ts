// Link faults on ZooKeeper: slow, flaky and stalled links (to and from one node, clients included)
// instead of clean partitions. They exist only where links go through the proxy, so this scenario
// runs on the local runtime (the seed's pseudo-cluster) by default; elsewhere the kinds are skipped.
import { defineScenario } from '../harness/scenario/types.ts';
import { REGISTER_SCENARIO } from '../harness/workloads/register.ts';

export default defineScenario({
  ...REGISTER_SCENARIO,
  name: 'zk-register-links',
  description: 'cas register on real ZooKeeper (local runtime, every link proxied) under slow-link, flaky-link and stall; linearizability check',
  runtime: 'local',
  timeLimit: 25,
  nemesis: { faults: ['slow-link', 'flaky-link', 'stall'], interval: [1, 3], duration: [3, 5], quiet: 2 },
});
