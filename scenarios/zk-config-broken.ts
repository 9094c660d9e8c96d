// A deliberately broken configuration watcher, to show the convergence checker catches it through
// the real pipeline: the watcher never registers a new watch after its first firing, so its view
// freezes at the first change. No faults are needed: this scenario must FAIL (exit 1) on
// config-convergence.
import { defineScenario } from '../harness/scenario/types.ts';
import { configWorkload } from '../harness/workloads/recipes/config.ts';

export default defineScenario({
  name: 'zk-config-broken',
  description: 'EXPECTED TO FAIL: config watchers that do not re-register after a firing; config-convergence must flag the frozen views',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 5,
  concurrency: 4,
  rate: 60,
  opTimeoutMs: 10000,
  recover: 1,
  workload: configWorkload,
  workloadOptions: { variant: 'no-rewatch', writers: 1, sessionTimeoutMs: 4000, viewWaitMs: 3000 },
});
