// Faults that do one thing to one node's process and undo it at the end (kill → restart, stop →
// continue) come in pairs: on a node drawn from the schedule, and on the current leader. This builds
// both kinds of a pair from what is done and undone, so crash and pause differ only in that.
import type { FaultContext, FaultKind } from '../types.ts';
import { once, pickLeader, pickVictim } from './victims.ts';

export interface NodeFault {
  /** The random-node kind's name; the leader kind is `${name}-leader`. */
  name: string;
  /** What is done, for descriptions, e.g. 'SIGKILL'. */
  act: string;
  /** What undoes it at the end, for descriptions, e.g. 'restart it'. */
  undo: string;
  supported(ctx: FaultContext): boolean;
  begin(ctx: FaultContext, node: string): Promise<void>;
  end(ctx: FaultContext, node: string): Promise<void>;
}

/** The two kinds of `fault`: on a random node, and on the leader (a random node if none is known). */
export function nodeFaultKinds(fault: NodeFault): { random: FaultKind; leader: FaultKind } {
  const hit = async (ctx: FaultContext, node: string, detail?: string) => {
    await fault.begin(ctx, node);
    return { targets: [node], detail, end: once(() => fault.end(ctx, node)) };
  };
  return {
    random: {
      name: fault.name,
      description: `${fault.act} a random node, ${fault.undo} at the end`,
      supported: fault.supported,
      start: (ctx, pick) => hit(ctx, pickVictim(ctx, pick)),
    },
    leader: {
      name: `${fault.name}-leader`,
      description: `${fault.act} the current leader (a random node if none is known), ${fault.undo} at the end`,
      supported: fault.supported,
      async start(ctx, pick) {
        const { node, detail } = await pickLeader(ctx, pick);
        return hit(ctx, node, detail);
      },
    },
  };
}
