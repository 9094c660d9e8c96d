// Options of targets and workloads: each declares what it accepts as one zod object next to its code
// (names, types, ranges, bug names), and every value — from a scenario file (numbers, booleans, lists)
// or from `--target name:key=value` on the command line (always strings) — is checked against it
// before anything starts. The helpers here coerce command-line strings the same way everywhere.
import { z } from 'zod';
import { UsageError } from './errors.ts';

/** A schema of options: an object whose keys are the option names. */
export type OptionsSchema = z.ZodObject<z.ZodRawShape>;

/** true/false, also as the strings true/false, 1/0, yes/no (a bare `--target t:name` gives 'true'). */
export const flag = z.preprocess((v) => (v === 'true' || v === '1' || v === 'yes' ? true : v === 'false' || v === '0' || v === 'no' ? false : v), z.boolean({ error: 'must be true or false' }));

const number = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number'));

/** An integer ≥ min (and ≤ max). */
export const int = (min: number, max = Number.MAX_SAFE_INTEGER) => number.pipe(z.number().int('must be an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** A number ≥ min. */
export const num = (min: number) => number.pipe(z.number().min(min, `must be at least ${min}`));

/** A [low, high] pair of numbers ≥ 0. */
export const range = z.tuple([num(0), num(0)], { error: 'must be a [low, high] pair of numbers' }).refine(([a, b]) => a <= b, 'must be [low, high] with low ≤ high');

/** One of `values`. */
export const oneOf = <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]], { error: `must be one of ${values.join(', ')}` });

/** Names from `known`, as a list or as the command line's `a,b` string. */
export const namesFrom = <T extends string>(known: readonly T[], what: string) => z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.string()).superRefine((names, ctx) => {
    for (const name of names) if (!(known as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', message: `no ${what} '${name}' (known: ${known.join(', ')})` });
  }),
) as unknown as z.ZodType<T[]>;

const camel = (key: string): string => key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());

/** The name `key` has in `schema`: as written, else in camelCase (`max-requests` → maxRequests). */
export function optionName(schema: OptionsSchema, key: string): string | undefined {
  if (key in schema.shape) return key;
  const c = camel(key);
  return c in schema.shape ? c : undefined;
}

/** Parses `raw` (keys already named as the schema names them); a bad value is a UsageError naming
 *  `owner`, the option and the value given. */
export function parseOptions<S extends OptionsSchema>(schema: S, raw: Record<string, unknown>, owner: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = String(issue.path[0] ?? '');
  const given = key in raw ? `=${JSON.stringify(raw[key])}` : '';
  throw new UsageError(`${owner} option ${key}${given}: ${issue.message}`);
}
