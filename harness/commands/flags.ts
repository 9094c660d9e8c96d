// Flag parsers the subcommands share, so every command words a bad number the same way (exit 2).
import { UsageError } from '../errors.ts';

/** commander argument parser for an integer flag ≥ min. */
export const intFlag = (name: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
};
