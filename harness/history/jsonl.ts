// Reader of the native history format: append-only JSONL, one Op per line, as HistoryRecorder
// (recorder.ts) writes it. Every complete line must be a valid op; a crash can leave the last line cut
// off mid-way, which alone is skipped with a warning (parsed.ts holds that rule).
//
// The zod schema below is the definition of a valid line. Loading zod costs a cold `faultline check`
// far more than reading a short history does (measured: ~75 ms more, on a start of ~115 ms), so lines
// are first tried against a plain structural test that passes only what the schema accepts; zod is
// loaded on the first line that test does not pass, and the schema then accepts the line or says
// precisely what is wrong with it. test/history-jsonl.test.ts holds the two to agreement.
import { createRequire } from 'node:module';
import type * as Zod from 'zod';
import type { Op, OpType } from './op.ts';
import { isJsonPrefix } from './json-prefix.ts';
import { LineReader } from './parsed.ts';

export { HistoryRecorder } from './recorder.ts';

const OP_TYPES = ['invoke', 'ok', 'fail', 'info', 'event'] as const satisfies readonly OpType[];
const OP_TYPE_SET: ReadonlySet<unknown> = new Set(OP_TYPES);

/** One line's fields, as the schema admits them. */
export interface OpLine {
  index?: number;
  time?: number;
  process: number | string;
  type: OpType;
  f: string;
  value?: unknown;
  key?: string | number;
  error?: unknown;
  node?: string;
  meta?: Record<string, unknown>;
}

let schema: Zod.ZodType<OpLine> | undefined;

/** What a line must be. zod comes in through require (its CommonJS build), the one way to load it on
 *  demand from the synchronous reader. */
export function opLineSchema(): Zod.ZodType<OpLine> {
  if (schema) return schema;
  const { z } = createRequire(import.meta.url)('zod') as typeof Zod;
  schema = z.object({
    index: z.number().int().nonnegative().optional(),
    time: z.number().optional(),
    process: z.union([z.number().int(), z.string().min(1)]),
    type: z.enum(OP_TYPES),
    f: z.string().min(1),
    value: z.unknown().optional(),
    key: z.union([z.string(), z.number()]).optional(),
    error: z.unknown().optional(),
    node: z.string().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  });
  return schema;
}

/** A number zod's z.number() takes (JSON text such as 1e400 parses to Infinity, which it refuses). */
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** zod's .int(): a safe integer. */
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isOptional = (v: unknown, test: (v: unknown) => boolean): boolean => v === undefined || test(v);

/** An object z.record() copies key for key. JSON.parse makes every object plain; an own `__proto__`
 *  key is the one a copy does not keep, so such a meta goes the schema's way. */
function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, '__proto__');
}

/** True only when the schema certainly accepts `raw` and yields the same fields (it keeps the values
 *  and drops unknown keys, which toOp never reads). False means "ask the schema", not "invalid". */
export function isPlainOpLine(raw: unknown): raw is OpLine {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const r = raw as Record<string, unknown>;
  return isOptional(r.index, (v) => isInt(v) && v >= 0)
    && isOptional(r.time, isNumber)
    && (isInt(r.process) || (typeof r.process === 'string' && r.process !== ''))
    && OP_TYPE_SET.has(r.type)
    && typeof r.f === 'string' && r.f !== ''
    && isOptional(r.key, (v) => typeof v === 'string' || isNumber(v))
    && isOptional(r.node, (v) => typeof v === 'string')
    && isOptional(r.meta, isPlainRecord);
}

/** What each field must be, for error messages a person can act on. */
const FIELD_RULES: Record<string, string> = {
  index: 'a non-negative integer', time: 'a number', process: 'an integer or a non-empty string',
  type: `one of ${OP_TYPES.join(', ')}`, f: 'a non-empty string', key: 'a string or a number', node: 'a string', meta: 'an object',
};

/** One short phrase per wrong field: `time must be a number, got "late"`; `f is missing`. */
function describeOpIssues(raw: unknown, err: Zod.ZodError): string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return `expected a JSON object, got ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}`;
  const fields = [...new Set(err.issues.map((iss) => String(iss.path[0] ?? '')))];
  return fields.map((field) => {
    const value = (raw as Record<string, unknown>)[field];
    if (value === undefined) return `${field} is missing`;
    const shown = JSON.stringify(value);
    return `${field} must be ${FIELD_RULES[field] ?? 'valid'}, got ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`;
  }).join('; ');
}

export class JsonlReader extends LineReader {

  protected line(text: string, line: number, terminated: boolean): void {
    const row = text.trim();
    if (row === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(row);
    } catch (err) {
      if (!isJsonPrefix(row)) this.out.fail(line, `not a history op: not JSON (${(err as Error).message})`);
      if (!terminated) return this.out.cut(line, 'incomplete JSON');
      this.out.fail(line, 'not a history op: the line is cut off mid-way (incomplete JSON) and more lines follow it');
    }
    this.out.add(toOp(isPlainOpLine(raw) ? raw : this.validated(raw, line), this.out.position), line);
  }

  /** The schema's answer for a line the structural test did not pass: the line as it reads it, or
   *  the one-line error naming what is wrong. */
  private validated(raw: unknown, line: number): OpLine {
    const parsed = opLineSchema().safeParse(raw);
    if (!parsed.success) this.out.fail(line, `not a history op: ${describeOpIssues(raw, parsed.error)}`);
    return parsed.data;
  }
}

/** The op a valid line stands for; a line without index or time takes its position for both. */
export function toOp(row: OpLine, position: number): Op {
  const op: Op = { index: row.index ?? position, time: row.time ?? position, process: row.process, type: row.type, f: row.f, value: row.value ?? null };
  if (row.key !== undefined) op.key = String(row.key);
  if (row.error !== undefined && row.error !== null) op.error = typeof row.error === 'string' ? row.error : JSON.stringify(row.error);
  if (row.node !== undefined) op.node = row.node;
  if (row.meta !== undefined) op.meta = row.meta;
  return op;
}
