// Leader election on the real ensemble under partitions, crashes and pauses: never two leaders
// among live sessions, a new leader within session timeout + election bound after the leader's
// session ends (failover times measured), and every candidate's view converging after the heal.
import { defineScenario } from '../harness/scenario/types.ts';
import { electionWorkload } from '../harness/workloads/recipes/election.ts';

export default defineScenario({
  name: 'zk-election',
  description: 'leader election (lowest ephemeral-sequential leads, watch the predecessor) under partitions, kills and pauses; single live leader, failover time, convergence',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  mustFailOn: ['zk-lite:bug=ephemeral-leak'],
  timeLimit: 30,
  concurrency: 5,
  rate: 10,
  opTimeoutMs: 10000,
  recover: 5,
  workload: electionWorkload,
  workloadOptions: { variant: 'correct', sessionTimeoutMs: 4000, electionBoundMs: 8000, staggerMs: 300 },
  nemesis: {
    faults: ['partition-one', 'partition-leader', 'partition-halves', 'kill', 'kill-leader', 'pause'],
    interval: [2, 4],
    duration: [6, 9],
    quiet: 2,
  },
});
