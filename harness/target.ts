// A system under test: how to start it on a runtime's hosts and what a started one can do. Optional
// capabilities (kill, pause, leader) are separate so a nemesis can ask whether a target has them.
import type { Cleanup } from './cleanup.ts';
import type { OptionsSchema } from './options.ts';
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
