// What the ZooKeeper recipes (lock, election, queue, barrier, membership, config) and the register
// share, in one place: reading their workload options (from the scenario or `--target name:key=value`,
// where they arrive as strings) and the names of sequential znodes.
import { UsageError } from '../../errors.ts';

/** `int('sessionTimeoutMs', 4000)`: the option as a number, or the default when it is not given. */
export const numberOption = (o: Record<string, unknown>) => (k: string, d: number): number => (o[k] === undefined ? d : Number(o[k]));

/** What every recipe's client session is given: the session timeout asked from the server and the
 *  deadline of each call. */
export interface SessionOptions {
  sessionTimeoutMs: number;
  callTimeoutMs: number;
}

/** The session options from a recipe's options (4 s session timeout, 2 s per call by default). */
export function sessionOptions(o: Record<string, unknown>): SessionOptions {
  const int = numberOption(o);
  return { sessionTimeoutMs: int('sessionTimeoutMs', 4000), callTimeoutMs: int('callTimeoutMs', 2000) };
}

/** The option `key` as one of `choices` (the first when it is not given), or a UsageError naming them. */
export function choiceOption<V extends string>(o: Record<string, unknown>, recipe: string, choices: readonly V[], key = 'variant'): V {
  const given = o[key] ?? choices[0];
  const found = choices.find((c) => c === given);
  if (found === undefined) throw new UsageError(`${recipe} ${key} must be one of ${choices.join(', ')}, got '${String(o[key])}'`);
  return found;
}

/** The sequence number ZooKeeper appended to a sequential znode's name ("lock-0000000042" → 42). */
export const sequenceOf = (name: string): number => Number(name.slice(name.lastIndexOf('-') + 1));

/** The children named `<prefix>NNNNNNNNNN`, in the order ZooKeeper numbered them. */
export const bySequence = (children: readonly string[], prefix: string): string[] =>
  children.filter((c) => c.startsWith(prefix)).sort((a, b) => sequenceOf(a) - sequenceOf(b));

/** The last segment of a znode path ("/fl-lock/lock-01" → "lock-01"). */
export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
