// Reader of the native history format: append-only JSONL, one Op per line, as HistoryRecorder
// (recorder.ts) writes it. A crash can leave a truncated last line; it is ignored with a warning.
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import type { Op, OpType } from './op.ts';
import type { ParsedHistory } from './parsed.ts';

export { HistoryRecorder } from './recorder.ts';

const OP_TYPES = ['invoke', 'ok', 'fail', 'info', 'event'] as const satisfies readonly OpType[];
const OpLine = z.object({
  index: z.number().int().nonnegative().optional(),
  time: z.number().optional(),
  process: z.union([z.number(), z.string()]),
  type: z.enum(OP_TYPES),
  f: z.string(),
  value: z.unknown().optional(),
  key: z.union([z.string(), z.number()]).optional(),
  error: z.unknown().optional(),
  node: z.string().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

/** Parses a native JSONL history. Missing index/time default to the position. */
export function parseJsonl(text: string, file: string): ParsedHistory {
  const ops: Op[] = [], lines: number[] = [], warnings: string[] = [];
  const rows = text.split('\n');
  const last = lastNonEmpty(rows);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i].trim();
    if (row === '') continue;
    let op: Op;
    try {
      op = toOp(OpLine.parse(JSON.parse(row)), ops.length);
    } catch (err) {
      const why = err instanceof z.ZodError ? err.issues.map((iss) => `${iss.path.join('.') || 'line'}: ${iss.message}`).join('; ') : (err as Error).message;
      if (i === last) { warnings.push(`${file}:${i + 1}: ignoring truncated or garbled last line (${why})`); break; }
      throw new UsageError(`${file}:${i + 1}: not a history op: ${why}`);
    }
    ops.push(op);
    lines.push(i + 1);
  }
  return { ops, lines, warnings, format: 'jsonl' };
}

function toOp(row: z.infer<typeof OpLine>, position: number): Op {
  const op: Op = { index: row.index ?? position, time: row.time ?? position, process: row.process, type: row.type, f: row.f, value: row.value ?? null };
  if (row.key !== undefined) op.key = String(row.key);
  if (row.error !== undefined && row.error !== null) op.error = typeof row.error === 'string' ? row.error : JSON.stringify(row.error);
  if (row.node !== undefined) op.node = row.node;
  if (row.meta !== undefined) op.meta = row.meta;
  return op;
}

export function lastNonEmpty(rows: readonly string[]): number {
  for (let i = rows.length - 1; i >= 0; i--) if (rows[i].trim() !== '') return i;
  return -1;
}
