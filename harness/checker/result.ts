// What every checker returns, and how several verdicts merge into one (invalid > unknown > valid).
import type { Op } from '../history/op.ts';

export type Validity = true | false | 'unknown';

export interface Violation {
  /** One sentence a person understands without reading code. */
  message: string;
  /** History indices of the ops involved. */
  ops?: number[];
  /** When it happened (ms since run start). */
  time?: number;
  detail?: Record<string, unknown>;
}

export interface CheckResult {
  /** Checker name, e.g. 'linearizable', 'harakiri', 'lock-safety'. */
  checker: string;
  valid: Validity;
  /** The one-sentence reason shown at the top of a report. */
  summary: string;
  violations?: Violation[];
  /** Measurements and checker-specific data (reports draw from these; nothing is computed twice). */
  details?: Record<string, unknown>;
}

/** A checker is a pure function over a history. Options come from the scenario. */
export interface Checker {
  name: string;
  check(history: readonly Op[], opts?: Record<string, unknown>): CheckResult | Promise<CheckResult>;
}

export function mergeValidity(values: Validity[]): Validity {
  if (values.some((v) => v === false)) return false;
  if (values.some((v) => v === 'unknown')) return 'unknown';
  return true;
}

/** Runs a checker; a thrown error becomes an `unknown` verdict carrying the error text. */
export async function runChecker(checker: Checker, history: readonly Op[], opts?: Record<string, unknown>): Promise<CheckResult> {
  try {
    return await checker.check(history, opts);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { checker: checker.name, valid: 'unknown', summary: `checker crashed: ${message}` };
  }
}
