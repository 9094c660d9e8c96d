// Disk-full faults: one node's folder (on a size-limited filesystem of its own that the runtime
// mounted for the run: the host's `disk` capability) is filled until writes fail with ENOSPC, and
// freed at the end. `disk-full` hits a random node, `disk-full-leader` the current leader,
// `disk-full-all` every node at once (a quorum that cannot write anywhere).
import { HarnessError } from '../../errors.ts';
import type { HostDisk } from '../../runtime/types.ts';
import type { ActiveFault, FaultContext, FaultKind } from '../types.ts';
import { once, pickLeader, pickVictim } from './victims.ts';

/** MiB of each node's size-limited folder in runs with disk faults. */
export const DISK_MB = 64;

const diskOf = (ctx: FaultContext, node: string): HostDisk => {
  const disk = ctx.runtime.host(node).disk;
  if (!disk) throw new HarnessError(`${node} has no size-limited disk (the run did not ask the runtime for one)`);
  return disk;
};

const hasDisks = (ctx: FaultContext) => ctx.cluster.nodes.every((n) => ctx.runtime.hosts.some((h) => h.name === n && h.disk));

async function fill(ctx: FaultContext, nodes: string[], victim?: string): Promise<ActiveFault> {
  const disks = nodes.map((n) => diskOf(ctx, n));
  const filled = await Promise.all(disks.map((d) => d.fill()));
  const detail = { filledBytes: Object.fromEntries(nodes.map((n, i) => [n, filled[i].bytes])), sizeBytes: disks[0].sizeBytes, ...(victim ? { victim } : {}) };
  return { targets: nodes, detail, end: once(async () => { await Promise.all(disks.map((d) => d.free())); }) };
}

const base = { hostFeatures: { diskMb: DISK_MB }, supported: hasDisks };

export const diskFull: FaultKind = {
  ...base, name: 'disk-full', description: 'fill a random node\'s data folder to ENOSPC, free it at the end',
  start: (ctx, pick) => fill(ctx, [pickVictim(ctx, pick)]),
};

export const diskFullLeader: FaultKind = {
  ...base, name: 'disk-full-leader', description: 'fill the current leader\'s data folder to ENOSPC, free it at the end',
  async start(ctx, pick) {
    const { node, detail } = await pickLeader(ctx, pick);
    return fill(ctx, [node], detail);
  },
};

export const diskFullAll: FaultKind = {
  ...base, name: 'disk-full-all', description: 'fill every node\'s data folder to ENOSPC at once, free them at the end',
  start: (ctx) => fill(ctx, [...ctx.cluster.nodes]),
};

export const diskFaultKinds: FaultKind[] = [diskFull, diskFullLeader, diskFullAll];
