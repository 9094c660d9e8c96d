// A system under test: how to start it on a runtime's hosts and what a started one can do. Optional
// capabilities (kill, pause, leader) are separate so a nemesis can ask whether a target has them; the
// capabilities workloads and fault kinds need (a ZooKeeper endpoint, an HTTP endpoint, control over
// prefork workers) are small interfaces here with a type guard each, so a cluster is narrowed by a
// check, never by a cast. A target may also bring fault kinds of its own (uWSGI worker kills), which
// the nemesis runs beside its generic ones: the nemesis knows no target.
import { HarnessError } from './errors.ts';
import type { Cleanup } from './cleanup.ts';
import type { OptionsSchema } from './options.ts';
import type { FaultKind } from './nemesis/types.ts';
import type { Host, HostRequirement, Runtime } from './runtime/types.ts';

export interface TargetContext {
  runtime: Runtime;
  /** The hosts this target runs on (runtime.hosts, in order). */
  hosts: readonly Host[];
  /** Options from the scenario merged with `--target name:key=value` pairs, parsed by the target's
   *  own `options` schema (so typed, with its defaults filled in). */
  options: Record<string, unknown>;
  cleanup: Cleanup;
  log: (line: string) => void;
  /** Start-up deadline (ms) for readiness waits. */
  startTimeoutMs: number;
}

/** A started system. `nodes` are host names. */
export interface Cluster {
  readonly target: string;
  readonly nodes: readonly string[];
  /** Named start-up measurements, e.g. { startMs: 1830 }. */
  readonly metrics: Record<string, number>;
  /** SIGKILL the node's main process(es). */
  kill?(node: string): Promise<void>;
  /** Start a killed node again and wait until it serves. */
  restart?(node: string): Promise<void>;
  pause?(node: string): Promise<void>;
  resume?(node: string): Promise<void>;
  /** The node currently leading (asked from the system), if the system has one. */
  leader?(): Promise<string | undefined>;
  /** What the node's processes decide by the wall clock (CLOCK_REALTIME), found by experiment
   *  (docs/CLOCKS.md), e.g. ['harakiri deadlines']; [] when a wall-clock fault reaches the node's
   *  processes but nothing they decide by. Absent: not known (a clock fault counts as felt). */
  wallClockReads?(node: string): readonly string[];
  /** Stops everything it started (also registered in the cleanup). */
  stop(): Promise<void>;
}

export interface Target<C extends Cluster = Cluster> {
  name: string;
  description: string;
  /** Node counts this target runs with (`--nodes`), e.g. [3, 5] for an ensemble. */
  nodes: readonly number[];
  /** Every option a scenario or `--target name:key=value` may set, with its type, range and default
   *  (bug names included). The runner checks a run's options against it before anything starts; an
   *  option not in it is refused with the list of known ones. */
  options: OptionsSchema;
  /** Host names this target wants for `nodes` nodes, e.g. n1..n3 or ['nginx', 'app']. */
  hostNames(nodes: number, options: Record<string, unknown>): string[];
  /** What must be installed on the host named `host` (checked on machines faultline did not build). */
  requirements?(host: string, options: Record<string, unknown>): HostRequirement[];
  start(ctx: TargetContext): Promise<C>;
  /** Fault kinds only this target can suffer, offered to the nemesis beside the generic ones. */
  readonly faultKinds?: readonly FaultKind[];
}

/** A cluster clients reach through the ZooKeeper client protocol (zookeeper, zk-lite). */
export interface ZkEndpoint extends Cluster {
  /** host:port a client dials to reach `node` (all nodes, comma-separated, when omitted). */
  connectString(node?: string): Promise<string>;
}

/** Where an HTTP client connects. */
export interface Endpoint { host: string; port: number }

/** A cluster clients reach over HTTP (nginx in front of uwsgi-nginx and uwsgi-lite). */
export interface HttpEndpoint extends Cluster {
  readonly endpoint: Endpoint;
}

/** A prefork app server whose workers the harness can list and signal (uWSGI, uwsgi-lite). */
export interface WorkerControl extends Cluster {
  workerPids(): Promise<number[]>;
  /** SIGKILLs the worker chosen by `pick` in [0,1); returns its pid (the master respawns it). */
  killWorker(pick: number): Promise<number>;
  /** SIGSTOPs the worker chosen by `pick`; `resumeWorker` continues it. */
  stopWorker(pick: number): Promise<number>;
  resumeWorker(pid: number): Promise<void>;
}

const hasMethods = (c: object, names: readonly string[]): boolean =>
  names.every((n) => typeof Reflect.get(c, n) === 'function');

export const isZkEndpoint = (c: Cluster): c is ZkEndpoint => hasMethods(c, ['connectString']);

export const isHttpEndpoint = (c: Cluster): c is HttpEndpoint => {
  const ep: unknown = 'endpoint' in c ? c.endpoint : undefined;
  return typeof ep === 'object' && ep !== null && 'host' in ep && typeof ep.host === 'string' && 'port' in ep && typeof ep.port === 'number';
};

export const isWorkerControl = (c: Cluster): c is WorkerControl => hasMethods(c, ['workerPids', 'killWorker', 'stopWorker', 'resumeWorker']);

/** `ctx` with its cluster narrowed by `has`, or a HarnessError: "`need`, not <target>". */
export function withCapability<X extends { cluster: Cluster }, C extends Cluster>(ctx: X, has: (c: Cluster) => c is C, need: string): X & { cluster: C } {
  const cluster = ctx.cluster;
  if (!has(cluster)) throw new HarnessError(`${need}, not ${cluster.target}`);
  return { ...ctx, cluster };
}

/** The node a client process talks to: round-robin over the nodes, so a partition cuts some
 *  clients off and leaves others with the majority. */
export function nodeForProcess(cluster: Cluster, process: number): string {
  return cluster.nodes[process % cluster.nodes.length];
}

/** `zookeeper`, `zk-lite:bug=stale-read`, `uwsgi-nginx:harakiri=3` → name + options. */
export function parseTargetSpec(spec: string): { name: string; options: Record<string, string> } {
  const [name, ...pairs] = spec.split(':');
  const options: Record<string, string> = {};
  for (const pair of pairs.flatMap((p) => p.split(','))) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    if (eq < 0) options[pair] = 'true';
    else options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { name, options };
}
