// How fault kinds choose whom to hit: deterministically from the schedule's `pick` and the cluster's
// ordered node list, or the current leader as the system reports it (with a fallback that says so).
import { chooseNode } from '../../net/grudge.ts';
import type { FaultContext } from '../types.ts';

/** How long a kind waits for the cluster to name its leader before it falls back. */
const LEADER_TIMEOUT_MS = 5000;

export const pickVictim = (ctx: FaultContext, pick: number): string => chooseNode(ctx.victims ?? ctx.cluster.nodes, pick);

/** The leader if the cluster knows one within a few seconds, else a node drawn from `pick`. */
export async function pickLeader(ctx: FaultContext, pick: number): Promise<{ node: string; detail: string }> {
  let why = 'the cluster cannot name a leader';
  if (ctx.cluster.leader) {
    let timer: NodeJS.Timeout | undefined;
    try {
      const leader = await Promise.race([
        ctx.cluster.leader(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${LEADER_TIMEOUT_MS / 1000}s`)), LEADER_TIMEOUT_MS))),
      ]);
      if (leader) return { node: leader, detail: 'leader' };
      why = 'no leader known right now';
    } catch (err) {
      why = `asking for the leader failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      clearTimeout(timer);
    }
  }
  const node = pickVictim(ctx, pick);
  ctx.log(`nemesis: ${why}; hitting ${node} instead`);
  return { node, detail: `not the leader: ${why}; ${node} drawn instead` };
}

/** Wraps an end action so it runs once however often it is called. */
export function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= action());
}
