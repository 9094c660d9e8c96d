// What clients do. A workload is a named bundle (as Maelstrom's): a client factory, a pure op
// generator, final ops run after the heal, and the checkers that judge the history.
import type { Checker } from '../checker/result.ts';
import type { OptionsSchema } from '../options.ts';
import type { Cluster } from '../target.ts';
import type { Rng } from '../rng.ts';

/** An operation a client is asked to perform. */
export interface OpSpec {
  f: string;
  value: unknown;
  key?: string;
}

/** What happened: ok (took effect), fail (certainly did not), info (unknown; the client is then
 *  replaced by a fresh process id). */
export interface Completion {
  type: 'ok' | 'fail' | 'info';
  /** Result value (what a read returned); defaults to the invoked value. */
  value?: unknown;
  error?: string;
  node?: string;
  meta?: Record<string, unknown>;
}

export interface Client {
  /** Opens connections (with a deadline). */
  open(): Promise<void>;
  /** Performs one op. Must never hang: every call has its own timeout and an unknown outcome is
   *  returned as info. Throwing is treated as info with the error text. */
  invoke(op: OpSpec): Promise<Completion>;
  close(): Promise<void>;
}

/** Context a generator sees: which process asks, when (ms since start), and the seeded stream. */
export interface GenContext {
  process: number;
  /** Worker slot 0..concurrency-1 (stable across process-id changes after info). */
  worker: number;
  time: number;
  rng: Rng;
}

/** Pure op generator: the next op for this worker, or null when it has nothing more to do. */
export type OpGenerator = (ctx: GenContext) => OpSpec | null;

/** Records a standalone fact (e.g. a session event) into the history from inside a client. */
export type EventSink = (f: string, value: unknown, extra?: { node?: string; meta?: Record<string, unknown> }) => void;

export interface WorkloadContext<C extends Cluster = Cluster> {
  cluster: C;
  /** The run's id: a process a client starts carries it (runtime/ledger.ts's runTag), so
   *  `faultline clean` finds it if the harness dies. */
  runId: string;
  options: Record<string, unknown>;
  /** Records events for the client with this process id. */
  events: (process: number) => EventSink;
}

export interface Workload<C extends Cluster = Cluster> {
  name: string;
  /** A new client for a process id; opened by the runner before it is used. */
  client(ctx: WorkloadContext<C>, process: number): Client;
  generator: OpGenerator;
  /** Ops each worker runs once after the nemesis healed everything (e.g. a final read). */
  final?: OpGenerator;
  checkers: Checker[];
}

/** A workload with the options it reads: the scenario's `workloadOptions` and the user's `--target`
 *  pairs are checked against `options` (names, types, ranges) before anything starts. */
export interface WorkloadFactory<C extends Cluster = Cluster> {
  (options: Record<string, unknown>): Workload<C>;
  readonly options: OptionsSchema;
}

export function defineWorkload<C extends Cluster = Cluster>(options: OptionsSchema, build: (options: Record<string, unknown>) => Workload<C>): WorkloadFactory<C> {
  return Object.assign((o: Record<string, unknown>) => build(o), { options });
}
