// A deliberately broken election, to show the checker catches it through the real pipeline: the
// candidates ignore session events, so one cut off past its session timeout never re-checks and
// never stands again — it keeps believing what it last saw while the others elect someone else.
//
// The schedule's shape makes that happen on every seed, not only on lucky ones (a random victim
// caught it on 4 seeds in 5: candidates expired on one node, but their stale view happened to be the
// real final leader). Candidates stand staggered, so p0 — on n1, with p3 — leads first; it may not
// resign for 6 s, so it is still leading when the one fault, always on n1, cuts it off 1–2 s in (and
// a resign sent into the cut, which would end as unknown and retire p0 before its session expired,
// cannot happen). The fault lasts 8–9 s: past the 4 s session timeout even when n1 was ZooKeeper's
// leader and the majority first spends ~3 s electing a new one (a new leader restarts every
// session's timer). So p0's and p3's sessions always expire and p0's node goes; the others elect
// someone else. p0 never looks again: after the heal it still claims to lead, or — had it tried to
// resign while cut off — knows no leader; p3 still names p0, who is out of the election for good.
// The views cannot converge, whatever the others do. This scenario must FAIL (exit 1).
import { defineScenario } from '../harness/scenario/types.ts';
import { electionWorkload } from '../harness/workloads/recipes/election.ts';

export default defineScenario({
  name: 'zk-election-broken',
  description: 'EXPECTED TO FAIL: candidates that never re-check after a disconnect; the first leader\'s node is cut off past its session timeout, it keeps claiming and the views do not converge',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 14,
  concurrency: 6,
  rate: 12,
  opTimeoutMs: 10000,
  recover: 3,
  workload: electionWorkload,
  workloadOptions: { variant: 'no-recheck', sessionTimeoutMs: 4000, electionBoundMs: 8000, viewWaitMs: 3000, resignShare: 0.5, staggerMs: 300, minTermMs: 6000 },
  nemesis: { faults: ['partition-one', 'kill'], on: ['n1'], interval: [1, 2], duration: [8, 9], quiet: 1 },
});
