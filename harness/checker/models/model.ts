// The one small interface every linearizability model implements, so adding a model means adding one
// file here and one line in registry.ts. The search (../search.ts) only ever talks to this interface.
import type { PairedOp } from '../../history/op.ts';

/** Output of an op whose completion is unknown (`info`, or no completion at all): if the op took
 *  effect, it returned something we never saw. */
export const UNKNOWN: unique symbol = Symbol('unknown outcome');
export type Outcome<O> = O | typeof UNKNOWN;

export type StepResult<S> = { ok: true; state: S } | { ok: false };
export const ILLEGAL: StepResult<never> = Object.freeze({ ok: false });

export interface Model<S = any, I = any, O = any> {
  readonly name: string;
  /** One line for `faultline check --help` and reports. */
  readonly description: string;
  init(): S;
  /** Validates one paired op and converts it into this model's input and (known) output.
   *  Throws an Error whose message says what is wrong; the caller adds file and line. */
  prepare(op: PairedOp): { input: I; output: O };
  /** Applies an op to a state: legal (with the next state) or not. States are never mutated. */
  step(state: S, input: I, output: Outcome<O>): StepResult<S>;
  /** 32-bit integer hash of a state; equal states must hash equally. */
  hash(state: S): number;
  equal(a: S, b: S): boolean;
  /** True when the op never changes the state (a read): such ops may be dropped when their outcome
   *  is unknown, and removing one can only make a history easier to linearize. */
  readOnly(input: I): boolean;
  /** P-compositionality: ops with different keys are independent and checked separately. */
  partitionKey?(op: PairedOp): string;
  describeOp(input: I, output: Outcome<O>): string;
  describeState(state: S): string;
}

/** The usual partitioning: one independent object per op key (ops without a key share one). */
export const byKey = (op: PairedOp): string => op.key ?? '';
