// A decision procedure decides linearizability of one independent sub-history in polynomial time by
// using the structure of its model, where the generic search (../search.ts) would explore orders.
// Each applies only to histories it was proved for (distinct values, say) and declines the rest
// (`null`), which then go to the search. A "linearizable" answer carries the linearization it found,
// which is replayed independently (certificate.ts) before it is believed; a "not linearizable" answer
// names the pattern that rules every order out.
import type { CheckOp } from '../prepared.ts';

/** Which procedure decided a sub-history, as `faultline check --json` reports it. */
export type Method = 'set-inclusion' | 'queue-schedule' | 'unique-writes' | 'search';

export type Decision =
  /** `order`: op ids (positions in the ops given) in linearization order; ops with unknown outcome
   *  that never took effect are left out. */
  | { valid: true; order: number[] }
  /** `failing`: an op id the violation involves; `pattern`: which rule rules every order out. */
  | { valid: false; failing: number; pattern: string };

export interface DecisionProcedure {
  readonly method: Exclude<Method, 'search'>;
  /** Decides one sub-history, or null when it has a feature outside what the procedure handles. */
  decide(ops: readonly CheckOp[]): Decision | null;
  /** Replays `order` with the model's semantics: true when every op returns what it returned. Kept
   *  apart from `decide` (and simpler than it) so that a mistake in one is caught by the other. */
  replay(ops: readonly CheckOp[], order: readonly number[]): boolean;
  /** Shrinking support: groups of op ids that a counterexample keeps or drops together (the enqueue
   *  and dequeue of one value), so that dropping ops never invents a violation. Default: each op alone. */
  units?(ops: readonly CheckOp[]): number[][];
  /** Shrinking support: the sub-history `kept` of `all` as the model sees it once the other ops are
   *  gone (a set read keeps only the values added in `kept`). A linearizable history projects to a
   *  linearizable one, so a projection that is not linearizable is a witness for the whole. */
  project?(kept: readonly CheckOp[], all: readonly CheckOp[]): CheckOp[];
}
