// A deliberately broken client, to show the checker catches a real violation through the real
// pipeline: reads are answered from the value the client last saw, without asking ZooKeeper, and
// presented as linearizable. Other clients' writes make those reads stale → this scenario must FAIL
// (exit 1).
import { defineScenario } from '../harness/scenario/types.ts';
import { REGISTER_SCENARIO } from '../harness/workloads/register.ts';

export default defineScenario({
  ...REGISTER_SCENARIO,
  name: 'zk-register-broken',
  description: 'EXPECTED TO FAIL: reads served from the client cache as if linearizable; the linearizability check must flag them',
  timeLimit: 10,
  recover: 1,
  workloadOptions: { readMode: 'cached' },
});
