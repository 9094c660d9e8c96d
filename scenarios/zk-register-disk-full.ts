// Full disks under a ZooKeeper ensemble: the data folder (its own 64 MiB filesystem) of the leader,
// of a random node, or of every node at once is filled until writes fail with ENOSPC, and freed at
// the end, while clients run the cas register. Held to: writes fail cleanly while the disks are full
// (an error or an unknown outcome, never a wrong answer: linearizability of everything acknowledged
// and read), nothing acknowledged is lost, and the ensemble serves writes again once there is room
// (recovery after each fault). `kill-all` (every node SIGKILLed and restarted) is among the faults
// because only a crash shows whether what was acknowledged while a disk was full is really on disk.
// The nodes run under a supervisor (ZooKeeper's admin guide: a server fails fast — a leader whose
// disk is full exits — and a supervisor restarts it): one that exits by itself is started again
// after 1 s. Needs a runtime that can mount: netns or docker. Broken variant (a test runs it):
// `--target zk-lite:bug=ignore-enospc` (failed log writes ignored, the entries acknowledged anyway).
import { defineScenario } from '../harness/scenario/types.ts';
import { registerWorkload } from '../harness/workloads/register.ts';

export default defineScenario({
  name: 'zk-register-disk-full',
  description: 'cas register while the data folders of the leader, a random node or all nodes are full (ENOSPC) and freed again; linearizability, nothing acknowledged lost, serving again after',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 5,
  opTimeoutMs: 6000,
  recover: 5,
  workload: registerWorkload,
  targetOptions: { supervise: true },
  workloadOptions: { readMode: 'linearizable' },
  nemesis: { faults: ['disk-full', 'disk-full-leader', 'disk-full-all', 'kill-all'], interval: [2, 4], duration: [3, 6], quiet: 3 },
});
