// One sub-history, one verdict: the model's decision procedure when the sub-history qualifies and the
// procedure's answer holds up (a linearization it claims is replayed first), the generic search
// otherwise. Used for the check itself and, as the oracle, for every re-check while a counterexample
// is shrunk.
import type { Model } from './models/model.ts';
import type { CheckOp } from './prepared.ts';
import { certified } from './procedures/certificate.ts';
import type { Method } from './procedures/procedure.ts';
import { procedureFor } from './procedures/registry.ts';
import type { SearchBudget, SearchOutcome } from './search.ts';
import { searchLinearization } from './search.ts';

export type Verdict = true | false | 'unknown';

export type Decided =
  | { method: Exclude<Method, 'search'>; verdict: boolean; order?: number[]; pattern?: string }
  | { method: 'search'; verdict: Verdict; outcome: SearchOutcome };

/** Linearizations claimed by a procedure that failed their replay: a procedure bug, counted so tests
 *  can insist there are none (the verdict then comes from the search). */
export const certificateFailures = { count: 0 };

/** The procedure's verdict, or null when there is none for this model or this sub-history. */
export function decideByProcedure(model: Model, ops: readonly CheckOp[]): Exclude<Decided, { method: 'search' }> | null {
  const procedure = procedureFor(model);
  const decision = procedure?.decide(ops);
  if (!procedure || !decision) return null;
  if (!decision.valid) return { method: procedure.method, verdict: false, pattern: decision.pattern };
  if (certified(procedure, ops, decision.order)) return { method: procedure.method, verdict: true, order: decision.order };
  certificateFailures.count++;
  return null;
}

export function decide(model: Model, ops: readonly CheckOp[], budget: SearchBudget, procedures = true): Decided {
  const byProcedure = procedures ? decideByProcedure(model, ops) : null;
  if (byProcedure) return byProcedure;
  const outcome = searchLinearization(model, ops, budget);
  return { method: 'search', verdict: outcome.result === 'ok' ? true : outcome.result === 'illegal' ? false : 'unknown', outcome };
}
