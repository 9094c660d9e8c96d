// zk-lite as a faultline target: one `node main.ts` process per host, configured with the very
// zoo.cfg the real ZooKeeper target writes (plus `bug=`), started and awaited the same way, with the
// same capabilities (kill, restart, pause, resume, leader), so every ZooKeeper scenario and fault
// runs on it unchanged. `--target zk-lite:bug=stale-read` (or `zk-lite:stale-read,early-ack`)
// switches bugs on; see BUGS.md. The ensemble itself is ../zookeeper/ensemble.ts; this file says how a
// zk-lite node is started and what its config adds.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { flag, int, namesFrom, parseOptions } from '../../harness/options.ts';
import type { Host, ProcessSpec } from '../../harness/runtime/types.ts';
import type { Target, TargetContext } from '../../harness/target.ts';
import { harnessNodeRequirement } from '../../harness/runtime/requirements.ts';
import type { ServerLine } from '../zookeeper/config.ts';
import { ELECTION_PORT, ENSEMBLE_SIZES, ensembleHostNames, QUORUM_PORT, startEnsemble, ZkEnsemble } from '../zookeeper/ensemble.ts';
import { KNOWN_BUGS } from './config.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
/** tsx's loader by absolute URL, so the node process resolves it whatever its working directory. */
const TSX = import.meta.resolve('tsx');

/** Options: tickTime, syncLimit, bug=a,b (or bare bug names, as `zk-lite:stale-read` gives). */
export const ZkLiteSchema = z.object({
  tickTime: int(1, 60_000).default(500),
  syncLimit: int(1).default(5),
  bug: namesFrom(KNOWN_BUGS, 'bug').default([]),
  /** Restart a node that exited by itself (the shared ensemble's supervisor). */
  supervise: flag.default(false),
  ...Object.fromEntries(KNOWN_BUGS.map((b) => [b, flag.optional()])),
});

interface ZkLiteOptions { tickTime: number; syncLimit: number; bugs: string[] }

export function zkLiteOptions(o: Record<string, unknown>): ZkLiteOptions {
  const parsed = parseOptions(ZkLiteSchema, o, 'zk-lite') as { tickTime: number; syncLimit: number; bug: string[] } & Record<string, unknown>;
  const bugs = new Set(parsed.bug);
  for (const b of KNOWN_BUGS) if (parsed[b] === true) bugs.add(b);
  return { tickTime: parsed.tickTime, syncLimit: parsed.syncLimit, bugs: [...bugs].sort() };
}

/** The shared ensemble with zk-lite's node process; its zoo.cfg adds the `bug=` line. */
export class ZkLiteEnsemble extends ZkEnsemble {
  readonly target = 'zk-lite';
  protected readonly serverName = 'zk-lite';

  constructor(ctx: TargetContext, readonly opts: ZkLiteOptions) {
    super(ctx, { tickTime: opts.tickTime, initLimit: 10, syncLimit: opts.syncLimit });
  }

  /** Every timeout runs on the monotonic clock (clock.ts); the wall-clock bug breaks that claim
   *  without changing it (the checkers, not the claim, must find it). */
  wallClockReads(): readonly string[] {
    return [];
  }

  protected nodeProcess(host: Host): ProcessSpec {
    return { name: 'zk-lite', command: process.execPath, cwd: REPO, args: ['--import', TSX, join(HERE, 'main.ts'), '--config', `${host.dir}/zoo.cfg`] };
  }

  /** zk-lite has no election port: peers are dialled on the quorum port only. */
  protected override async peerLine(peer: Host, host: Host, id: number): Promise<ServerLine> {
    const q = await peer.peerEndpoint(host, QUORUM_PORT);
    return { id, host: q.host, quorumPort: q.port, electionPort: host.port(ELECTION_PORT) };
  }

  protected override extraConfig(): string {
    return this.opts.bugs.length > 0 ? `bug=${this.opts.bugs.join(',')}\n` : '';
  }
}

const zkLite: Target<ZkLiteEnsemble> = {
  name: 'zk-lite',
  description: 'zk-lite: replicated ZooKeeper-protocol server in TypeScript (Raft), 3 or 5 nodes, tickTime 500, switchable bugs',
  nodes: ENSEMBLE_SIZES,
  options: ZkLiteSchema,
  hostNames: (nodes) => ensembleHostNames('zk-lite', nodes),
  requirements: () => [harnessNodeRequirement(join(HERE, 'main.ts'))],
  start(ctx) {
    const opts = zkLiteOptions(ctx.options);
    return startEnsemble(ctx, new ZkLiteEnsemble(ctx, opts), opts.bugs.length ? ` (bugs: ${opts.bugs.join(',')})` : '');
  },
};

export default zkLite;
