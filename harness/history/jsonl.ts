// The native history format: append-only JSONL, one Op per line. Each line is written with one
// write(2) call as soon as it is recorded, so a crash of the harness keeps everything up to the last
// complete line; the reader ignores a truncated or garbled last line (with a warning) for that reason.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import type { Op, OpType } from './op.ts';
import type { ParsedHistory } from './parsed.ts';

/** Appends ops to a JSONL file, assigning each its index and its time (ms since the recorder started). */
export class HistoryRecorder {
  readonly ops: Op[] = [];
  private fd: number | null;
  private readonly t0 = performance.now();

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Milliseconds since the run started (the clock every recorded op uses). */
  now(): number {
    return performance.now() - this.t0;
  }

  record(op: Omit<Op, 'index' | 'time'> & { time?: number }): Op {
    if (this.fd === null) throw new Error(`history ${this.path} is already closed`);
    const { time, ...rest } = op;
    const full = { index: this.ops.length, time: time ?? this.now(), ...rest } as Op;
    writeSync(this.fd, `${JSON.stringify(full)}\n`);
    this.ops.push(full);
    return full;
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}

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
