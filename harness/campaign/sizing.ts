// How many runs a campaign starts at once. Runs on netns, local and docker can go side by side (each
// run reserves its own subnet, ports, namespaces or containers); a runtime not known to allow that
// (e.g. one on a fixed set of remote hosts) runs one at a time. By default one run per core, and no
// more than the memory allows at about 1 GiB a run (a 3-node ZooKeeper ensemble with its clients
// and the harness needs ~0.5 GiB; the rest is headroom for the checkers).
import { availableParallelism, freemem } from 'node:os';

export const SIDE_BY_SIDE_RUNTIMES: readonly string[] = ['netns', 'local', 'docker'];
const GIB = 1024 ** 3;
export const MEMORY_PER_RUN = GIB;

export interface MachineFacts {
  cores: number;
  freeBytes: number;
}

export const thisMachine = (): MachineFacts => ({ cores: availableParallelism(), freeBytes: freemem() });

/** The number of runs at once, and a sentence saying why. */
export function chooseParallel(o: { requested?: number; runtime?: string; runs: number; machine: MachineFacts }): { parallel: number; why: string } {
  if (o.runtime && !SIDE_BY_SIDE_RUNTIMES.includes(o.runtime)) {
    return { parallel: 1, why: `one at a time: runs on the '${o.runtime}' runtime are not known to be able to share it` };
  }
  if (o.requested !== undefined) return { parallel: Math.min(o.requested, o.runs), why: o.requested > o.runs ? `asked for ${o.requested}, but only ${o.runs} runs` : 'as asked' };
  const byMemory = Math.max(1, Math.floor(o.machine.freeBytes / MEMORY_PER_RUN));
  const parallel = Math.max(1, Math.min(o.machine.cores, byMemory, o.runs));
  const free = (o.machine.freeBytes / GIB).toFixed(1);
  const limit = parallel === o.runs && parallel < Math.min(o.machine.cores, byMemory) ? `only ${o.runs} runs` : byMemory < o.machine.cores ? `${free} GiB free at ~1 GiB a run` : 'one run per core';
  return { parallel, why: `${o.machine.cores} cores, ${free} GiB free: ${limit}` };
}
