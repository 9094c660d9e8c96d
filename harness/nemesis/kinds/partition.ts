// Partition faults: cut the cluster's network in one of the classic shapes (random halves, one node
// alone, the leader alone, a ring of overlapping majorities, two halves joined by a bridge node) and
// heal it at the end. The shape comes from the grudge helpers; the runtime's Network installs it.
import { bridge, complete, describeGrudge, isolate, majoritiesRing, splitHalves, type Grudge } from '../../net/grudge.ts';
import type { ActiveFault, FaultContext, FaultKind } from '../types.ts';
import { once, pickLeader, pickVictim } from './victims.ts';

async function cut(ctx: FaultContext, grudge: Grudge, targets: string[], detail: Record<string, unknown> = {}): Promise<ActiveFault> {
  await ctx.runtime.network.partition(grudge);
  return { targets, detail: { ...detail, grudge: describeGrudge(grudge) }, end: once(() => ctx.runtime.network.heal()) };
}

/** Nodes that drop traffic from at least one other node. */
const cutNodes = (grudge: Grudge): string[] => Object.keys(grudge).filter((n) => grudge[n].length > 0);

const atLeast = (n: number) => (ctx: FaultContext) => ctx.cluster.nodes.length >= n;

export const partitionHalves: FaultKind = {
  name: 'partition-halves',
  description: 'cut the nodes into a random minority and majority',
  supported: atLeast(2),
  start(ctx, pick) {
    const [minority, majority] = splitHalves(ctx.cluster.nodes, pick);
    return cut(ctx, complete([minority, majority]), minority, { majority });
  },
};

export const partitionOne: FaultKind = {
  name: 'partition-one',
  description: 'isolate one random node from all others',
  supported: atLeast(2),
  start(ctx, pick) {
    const node = pickVictim(ctx, pick);
    return cut(ctx, isolate(ctx.cluster.nodes, node), [node]);
  },
};

export const partitionLeader: FaultKind = {
  name: 'partition-leader',
  description: 'isolate the current leader (a random node if none is known)',
  supported: atLeast(2),
  async start(ctx, pick) {
    const { node, detail } = await pickLeader(ctx, pick);
    return cut(ctx, isolate(ctx.cluster.nodes, node), [node], { victim: detail });
  },
};

export const partitionRing: FaultKind = {
  name: 'partition-ring',
  description: 'every node sees a majority, but no two nodes see the same one',
  supported: atLeast(3),
  start(ctx, pick) {
    const grudge = majoritiesRing(ctx.cluster.nodes, pick);
    return cut(ctx, grudge, cutNodes(grudge));
  },
};

export const partitionBridge: FaultKind = {
  name: 'partition-bridge',
  description: 'two halves that do not see each other, joined by one node that sees both',
  supported: atLeast(3),
  start(ctx, pick) {
    const grudge = bridge(ctx.cluster.nodes, pick);
    const bridgeNode = ctx.cluster.nodes.filter((n) => grudge[n]?.length === 0);
    return cut(ctx, grudge, cutNodes(grudge), { bridge: bridgeNode[0] });
  },
};
