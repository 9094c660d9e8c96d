// Reader of the native history format: append-only JSONL, one Op per line, as HistoryRecorder
// (recorder.ts) writes it. Every complete line must be a valid op; a crash can leave the last line cut
// off mid-way, which alone is skipped with a warning (parsed.ts holds that rule).
import { z } from 'zod';
import type { Op, OpType } from './op.ts';
import { isJsonPrefix } from './json-prefix.ts';
import { LineSplitter, OpCollector, type FormatReader } from './parsed.ts';

export { HistoryRecorder } from './recorder.ts';

const OP_TYPES = ['invoke', 'ok', 'fail', 'info', 'event'] as const satisfies readonly OpType[];
const OpLine = z.object({
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

/** What each field must be, for error messages a person can act on. */
const FIELD_RULES: Record<string, string> = {
  index: 'a non-negative integer', time: 'a number', process: 'an integer or a non-empty string',
  type: `one of ${OP_TYPES.join(', ')}`, f: 'a non-empty string', key: 'a string or a number', node: 'a string', meta: 'an object',
};

/** One short phrase per wrong field: `time must be a number, got "late"`; `f is missing`. */
function describeOpIssues(raw: unknown, err: z.ZodError): string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return `expected a JSON object, got ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}`;
  const fields = [...new Set(err.issues.map((iss) => String(iss.path[0] ?? '')))];
  return fields.map((field) => {
    const value = (raw as Record<string, unknown>)[field];
    if (value === undefined) return `${field} is missing`;
    const shown = JSON.stringify(value);
    return `${field} must be ${FIELD_RULES[field] ?? 'valid'}, got ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`;
  }).join('; ');
}

export class JsonlReader implements FormatReader {
  private readonly lines = new LineSplitter((text, line, terminated) => this.line(text, line, terminated));

  constructor(private readonly out: OpCollector) {}

  feed(chunk: string): void {
    this.lines.feed(chunk);
  }

  end(): void {
    this.lines.end();
  }

  private line(text: string, line: number, terminated: boolean): void {
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
    const parsed = OpLine.safeParse(raw);
    if (!parsed.success) this.out.fail(line, `not a history op: ${describeOpIssues(raw, parsed.error)}`);
    this.out.add(toOp(parsed.data, this.out.position), line);
  }
}

function toOp(row: z.infer<typeof OpLine>, position: number): Op {
  const op: Op = { index: row.index ?? position, time: row.time ?? position, process: row.process, type: row.type, f: row.f, value: row.value ?? null };
  if (row.key !== undefined) op.key = String(row.key);
  if (row.error !== undefined && row.error !== null) op.error = typeof row.error === 'string' ? row.error : JSON.stringify(row.error);
  if (row.node !== undefined) op.node = row.node;
  if (row.meta !== undefined) op.meta = row.meta;
  return op;
}
