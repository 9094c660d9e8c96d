// The real Apache ZooKeeper (Debian package, 3.8) as a target: one JVM per host with its own
// dataDir, myid and zoo.cfg, started together and awaited until a quorum serves. A started ensemble
// can kill, restart, pause and resume single nodes and tell which node leads, so every fault kind of
// the nemesis applies to it; workloads reach nodes through `connectString(node)`. All of that is the
// shared ZkEnsemble (ensemble.ts); this file says how a node's JVM is started.
import { z } from 'zod';
import { flag, int, parseOptions } from '../../harness/options.ts';
import type { Host, ProcessSpec } from '../../harness/runtime/types.ts';
import type { Target, TargetContext } from '../../harness/target.ts';
import { jvmArgs, ZK_REQUIREMENTS } from './config.ts';
import { ENSEMBLE_SIZES, ensembleHostNames, startEnsemble, ZkEnsemble } from './ensemble.ts';

export { pickLeader } from './ensemble.ts';

/** Options a scenario or `--target zookeeper:key=value` may set. */
export const ZkOptions = z.object({
  /** ms; ZooKeeper's own default is 2000, which makes every failover four times slower. */
  tickTime: int(1, 60_000).default(500),
  initLimit: int(1).default(10),
  syncLimit: int(1).default(5),
  /** JVM heap (-Xmx) per node. */
  heapMb: int(32, 64 * 1024).default(128),
  /** Restart a node that exited by itself, as ZooKeeper's fail-fast design asks (ensemble.ts). */
  supervise: flag.default(false),
});
type ZkOptions = z.infer<typeof ZkOptions>;

export class ZooKeeperEnsemble extends ZkEnsemble {
  readonly target = 'zookeeper';
  protected readonly serverName = 'ZooKeeper';

  constructor(ctx: TargetContext, private readonly opts: ZkOptions) {
    super(ctx, opts);
  }

  /** Measured (docs/CLOCKS.md): session expiry, leader/follower sync limits and election timeouts run
   *  on System.nanoTime (CLOCK_MONOTONIC); the wall clock reaches only log lines and znode times. */
  wallClockReads(): readonly string[] {
    return [];
  }

  protected nodeProcess(host: Host): ProcessSpec {
    return { name: 'zookeeper', command: 'java', args: jvmArgs(`${host.dir}/zoo.cfg`, this.opts.heapMb) };
  }
}

const zookeeper: Target<ZooKeeperEnsemble> = {
  name: 'zookeeper',
  description: 'Apache ZooKeeper 3.8 (Debian package), one JVM per node, 3 or 5 nodes, tickTime 500',
  nodes: ENSEMBLE_SIZES,
  options: ZkOptions,
  hostNames: (nodes) => ensembleHostNames('zookeeper', nodes),
  requirements: () => ZK_REQUIREMENTS,
  start: (ctx) => startEnsemble(ctx, new ZooKeeperEnsemble(ctx, parseOptions(ZkOptions, ctx.options, 'zookeeper'))),
};

export default zookeeper;
