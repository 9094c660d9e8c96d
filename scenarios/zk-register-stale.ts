// Stale reads from a deposed leader: the current leader is partitioned away while dedicated readers
// (one on every node) do nothing but confirmed reads and writers change the registers through the
// majority. A reader never writes, so a reader on the isolated leader keeps reading for the whole
// partition; every read it confirms must still be linearizable (ZooKeeper's isolated leader steps
// down and confirms nothing). The register workload's 2:1:1 mix lets such a client retire on its
// first write, which made the catch depend on the seed.
import { defineScenario } from '../harness/scenario/types.ts';
import { defineWorkload, type OpGenerator, type Workload } from '../harness/generator/types.ts';
import { int } from '../harness/options.ts';
import type { Cluster } from '../harness/target.ts';
import { registerOptions, RegisterOptionsSchema, registerWorkload } from '../harness/workloads/register.ts';

/** Worker slots below `readers` only read; the others write and cas. */
function readerWriterGenerator(readers: number, keys: number, values: number): OpGenerator {
  return ({ worker, rng }) => {
    const key = `k${rng.int(0, keys - 1)}`;
    if (worker < readers) return { f: 'read', value: null, key };
    return rng.int(0, 1) === 0
      ? { f: 'write', value: rng.int(0, values - 1), key }
      : { f: 'cas', value: [rng.int(0, values - 1), rng.int(0, values - 1)], key };
  };
}

/** The register workload (client, final reads, checkers) with readers and writers apart. */
export const readerWriterRegister = defineWorkload(RegisterOptionsSchema.extend({ readers: int(1).optional() }), (options): Workload<Cluster> => {
  const base = registerWorkload(options);
  const o = registerOptions(options);
  const readers = Number(options.readers ?? 3);
  return { ...base, name: `${base.name}-readers-${readers}`, generator: readerWriterGenerator(readers, o.keys, o.values) };
});

export default defineScenario({
  name: 'zk-register-stale',
  description: 'cas register, readers apart from writers, while the leader is partitioned away; linearizability of confirmed reads',
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  mustFailOn: ['zk-lite:bug=stale-read', 'zk-lite:bug=early-ack'],
  timeLimit: 14,
  concurrency: 6,
  // a cap, so that the majority's writes do not overwrite a lost write before anyone reads it
  rate: 120,
  opTimeoutMs: 6000,
  recover: 3,
  workload: readerWriterRegister,
  workloadOptions: { readMode: 'linearizable', readers: 3 },
  nemesis: { faults: ['partition-leader'], interval: [2, 3], duration: [6, 8], quiet: 2 },
});
