// A deliberately broken client, to show the checker catches a real violation through the real
// pipeline: reads are answered from the value the client last saw, without asking ZooKeeper, and
// presented as linearizable. Other clients' writes make those reads stale → this scenario must FAIL
// (exit 1).
import { defineScenario } from '../harness/scenario/types.ts';
import { registerWorkload } from '../harness/workloads/register.ts';

export default defineScenario({
  name: 'zk-register-broken',
  description: 'EXPECTED TO FAIL: reads served from the client cache as if linearizable; the linearizability check must flag them',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 10,
  concurrency: 5,
  opTimeoutMs: 6000,
  recover: 1,
  workload: registerWorkload,
  workloadOptions: { readMode: 'cached' },
});
