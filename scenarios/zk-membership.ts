// The ZooKeeper group-membership recipe under partitions, crashes and pauses: three members (each
// its own OS process) join with ephemeral nodes, hold, then are SIGKILLed or leave; an observer
// lists the group. Ended members must disappear within session timeout + bound (killed, expired or
// cut off) or at once (left); members whose nodes surely lived must be listed.
import { defineScenario } from '../harness/scenario/types.ts';
import { membershipWorkload } from '../harness/workloads/recipes/membership.ts';

export default defineScenario({
  name: 'zk-membership',
  description: 'group membership (ephemeral nodes of member processes that are SIGKILLed or leave) with an observer under partitions, kills and pauses; ended members removed within session timeout + bound, live members listed',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 4,
  opTimeoutMs: 10000,
  recover: 4,
  workload: membershipWorkload,
  workloadOptions: { observers: 1, sessionTimeoutMs: 4000, removalBoundMs: 8000 },
  nemesis: {
    faults: ['partition-one', 'partition-leader', 'partition-halves', 'kill', 'kill-leader', 'pause'],
    interval: [2, 4],
    duration: [3, 12],
    quiet: 2,
  },
});
