// Full disks under a ZooKeeper ensemble: the data folder (its own 64 MiB filesystem) of the leader,
// of a random node, or of every node at once is filled until writes fail with ENOSPC, and freed at
// the end, while clients run the cas register. Held to: writes fail cleanly while the disks are full
// (an error or an unknown outcome, never a wrong answer: linearizability of everything acknowledged
// and read), nothing acknowledged is lost, and the ensemble serves writes again once there is room
// (recovery after each fault). `kill-all` (every node SIGKILLed and restarted) is among the faults
// because only a crash shows whether what was acknowledged while a disk was full is really on disk.
// The nodes run under a supervisor (ZooKeeper's admin guide: a server fails fast — a leader whose
// disk is full exits — and a supervisor restarts it): one that exits by itself is started again
// after 1 s. Needs a runtime that can mount: netns or docker. The faults come in one order on every
// seed (timings and victims from the seed): the leader's disk, every disk, a crash of every node, a
// random node's disk — a loss of what was acknowledged around a full disk shows only after a crash
// (a random order had that sequence on 1 seed in 5).
//
// Broken variant (a test runs it on a fixed schedule): `--target zk-lite:bug=ignore-enospc` (failed
// log writes ignored, the entries acknowledged anyway). It is not in `mustFailOn`: on this
// scenario's own schedule it was caught on seeds 2 and 3 but not 1 (15 s runs): there only the
// leader's log got a hole (the followers' logs came back whole after the crash, 27849 and 27880
// entries against its 7943), and the followers' quorum had every acknowledged write: a leader change
// after the disks were freed made them truncate a conflicting suffix, which rewrites the whole log
// from memory and heals the hole. The test's schedule crashes every node while the disks are full.
//
// Real ZooKeeper 3.8.0 loses acknowledged writes on this sequence: ZOOKEEPER-4882 (docs/CLOCKS.md),
// declared below as a known upstream issue, so a campaign counts such a run apart instead of failing
// every night on a tracked bug of the system under test; `faultline scenario` still exits 1. Checked
// against a failing run (seed 3, 2026-12-03) that it is ZooKeeper and not the harness: key k2 was at
// version 2926 when every node was SIGKILLed (last acknowledged write zxid 0x30000091a, 2.3 s after
// every disk had been freed); after the restart a linearizable read (sync, then read, on a quorum of
// the restarted ensemble, epoch 4) returned version 2411 — written at zxid 0x300000001, the first
// write of epoch 3 — so 198 acknowledged writes of k2 (zxids 0x300000018 on) were gone, while each
// node's data folder (a tmpfs the kill does not touch; SIGKILL keeps everything a write() returned)
// was left as the JVM wrote it. Bug-free zk-lite passes such a sequence (test/support/zk-lite-runs.ts).
import { defineScenario } from '../harness/scenario/types.ts';
import { registerWorkload } from '../harness/workloads/register.ts';

export default defineScenario({
  name: 'zk-register-disk-full',
  description: 'cas register while the data folders of the leader, a random node or all nodes are full (ENOSPC) and freed again; linearizability, nothing acknowledged lost, serving again after',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  knownIssues: [{
    id: 'ZOOKEEPER-4882',
    url: 'https://issues.apache.org/jira/browse/ZOOKEEPER-4882',
    target: 'zookeeper',
    checker: 'linearizable',
    description: 'a proposal is committed in memory although the node\'s transaction log write failed (ENOSPC); the log keeps a hole, and after a restart of every node acknowledged writes are gone (fix proposed in apache/zookeeper#2268)',
    afterFaults: ['disk-full*', 'kill-all'],
  }],
  timeLimit: 30,
  concurrency: 5,
  opTimeoutMs: 6000,
  recover: 5,
  workload: registerWorkload,
  targetOptions: { supervise: true },
  workloadOptions: { readMode: 'linearizable', writes: 'unique' }, // a loss always shows: see zk-register-crash.ts
  nemesis: { faults: ['disk-full-leader', 'disk-full-all', 'kill-all', 'disk-full'], order: 'cycle', interval: [2, 4], duration: [3, 6], quiet: 3 },
});
