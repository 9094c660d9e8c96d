// The one record shape for everything that happens in a run: client operations, their completions,
// faults injected by the nemesis and session events. Checkers, reports and importers all speak it.

/**
 * invoke: a client starts an operation. ok: it took effect. fail: it certainly did not.
 * info: unknown outcome (may take effect at any time after the invoke, or never); that process never
 * issues again. event: an instantaneous fact that is not an operation (a fault starting or ending, a
 * session being connected/expired); linearizability checkers ignore events.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info' | 'event';

/** The process id of fault records. Checkers skip ops of this process. */
export const NEMESIS = 'nemesis';

export interface Op {
  /** 0-based position in the history; assigned by the recorder or the importer. */
  index: number;
  /** Milliseconds since the start of the run (float). Importers without times use the index. */
  time: number;
  /** Client process id (a number for clients), or 'nemesis' for fault records. */
  process: number | string;
  type: OpType;
  /** Operation name: read, write, cas, get, put, append, acquire, release, enqueue, dequeue, add, ...;
   *  for the nemesis: fault-start, fault-end; for session events: session. */
  f: string;
  /** JSON value; null stands for nil / no value. */
  value: unknown;
  /** Independent key (kv histories, per-key registers). */
  key?: string;
  /** Error text of a fail/info completion. */
  error?: string;
  /** Node the client talked to, or the node a fault hit. */
  node?: string;
  /** Extra facts a workload records (czxid, worker pid, HTTP status, bytes, request id, ...). */
  meta?: Record<string, unknown>;
}

/** Value of a nemesis `fault-start`/`fault-end` event: `id` pairs the start with its end. */
export interface FaultValue {
  fault: string;
  id: string;
  targets?: string[];
  detail?: unknown;
}

/** An op whose invoke has been paired with its completion; built by `pairOps`. */
export interface PairedOp {
  process: number | string;
  f: string;
  key?: string;
  /** Value given at invoke. */
  invokeValue: unknown;
  /** Value at completion (e.g. what a read returned); null for info. */
  value: unknown;
  type: 'ok' | 'fail' | 'info';
  invokeIndex: number;
  /** Index of the completion, or Infinity-like -1 when the history ended before it completed. */
  completeIndex: number;
  start: number;
  end: number;
  error?: string;
  meta?: Record<string, unknown>;
}

export const isClientOp = (op: Op): boolean => op.type !== 'event' && op.process !== NEMESIS;
