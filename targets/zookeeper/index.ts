// The real Apache ZooKeeper (Debian package, 3.8) as a target: one JVM per host with its own
// dataDir, myid and zoo.cfg, started together and awaited until a quorum serves. A started ensemble
// can kill, restart, pause and resume single nodes and tell which node leads, so every fault kind of
// the nemesis applies to it; workloads reach nodes through `connectString(node)`. All of that is the
// shared ZkEnsemble (ensemble.ts); this file says how a node's JVM is started.
import type { Host, ProcessSpec } from '../../harness/runtime/types.ts';
import type { Target, TargetContext } from '../../harness/target.ts';
import { HarnessError } from '../../harness/errors.ts';
import { jvmArgs } from './config.ts';
import { ensembleHostNames, startEnsemble, ZkEnsemble } from './ensemble.ts';

export { pickLeader } from './ensemble.ts';

/** Options a scenario or `--target zookeeper:key=value` may set. */
interface ZkOptions {
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  heapMb: number;
}

function zkOptions(o: Record<string, unknown>): ZkOptions {
  const num = (key: string, dflt: number) => {
    const v = o[key] === undefined ? dflt : Number(o[key]);
    if (!Number.isInteger(v) || v <= 0) throw new HarnessError(`zookeeper option ${key} must be a positive integer, got '${String(o[key])}'`);
    return v;
  };
  return { tickTime: num('tickTime', 500), initLimit: num('initLimit', 10), syncLimit: num('syncLimit', 5), heapMb: num('heapMb', 128) };
}

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
  hostNames: (nodes) => ensembleHostNames('zookeeper', nodes),
  start: (ctx) => startEnsemble(ctx, new ZooKeeperEnsemble(ctx, zkOptions(ctx.options))),
};

export default zookeeper;
