// The ZooKeeper configuration-watch recipe under partitions, crashes and pauses: one writer
// publishes increasing configurations, three watchers follow them through data watches
// (re-registering after every firing). Watches must fire at most once per registration, no session
// may see the configuration go backwards, and every watcher must converge after the heal.
import { defineScenario } from '../harness/scenario/types.ts';
import { configWorkload } from '../harness/workloads/recipes/config.ts';

export default defineScenario({
  name: 'zk-config',
  description: 'config watches (getData + watch, re-registered after each firing) with one writer and 3 watchers under partitions, kills and pauses; watch once, never backwards, convergence',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 4,
  rate: 60,
  opTimeoutMs: 10000,
  recover: 4,
  workload: configWorkload,
  workloadOptions: { variant: 'correct', writers: 1, sessionTimeoutMs: 4000 },
  nemesis: {
    faults: ['partition-one', 'partition-leader', 'partition-halves', 'kill', 'kill-leader', 'pause'],
    interval: [2, 4],
    duration: [3, 6],
    quiet: 2,
  },
});
