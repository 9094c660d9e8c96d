// Importer for the Jepsen log lines of the etcd tests that Porcupine ships as test data:
//   INFO  jepsen.util - 3	:invoke	:cas	[1 2]
//   INFO  jepsen.util - 3	:info	:write	:timed-out
//   INFO  jepsen.util - :nemesis	:info	:start	nil
// Fields are separated by tabs or runs of spaces; the value is EDN. Other log lines are noise.
import { UsageError } from '../errors.ts';
import { EdnReader, Keyword, toPlain } from './edn.ts';
import type { Op, OpType } from './op.ts';
import { NEMESIS } from './op.ts';
import type { ParsedHistory } from './parsed.ts';
import { lastNonEmpty } from './jsonl.ts';

const LINE = /^\s*INFO\s+jepsen\.util\s+-\s+(\S+)\s+:(\S+)\s+:(\S+)(?:\s+(.*?))?\s*$/;
const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

export function parseEtcdLog(text: string, file: string): ParsedHistory {
  const ops: Op[] = [], lines: number[] = [], warnings: string[] = [];
  const rows = text.split('\n');
  const last = lastNonEmpty(rows);
  let faults = 0;
  for (let i = 0; i < rows.length; i++) {
    if (!rows[i].includes('jepsen.util')) continue;
    try {
      const op = opFromLine(rows[i], ops.length);
      if (op.process === NEMESIS) op.value = { fault: 'jepsen-nemesis', id: String(op.f === 'fault-end' ? faults : ++faults), detail: op.value };
      ops.push(op);
      lines.push(i + 1);
    } catch (err) {
      if (i === last) { warnings.push(`${file}:${i + 1}: ignoring truncated or garbled last line (${(err as Error).message})`); break; }
      throw new UsageError(`${file}:${i + 1}: not a jepsen.util op line: ${(err as Error).message}`);
    }
  }
  return { ops, lines, warnings, format: 'etcd-log' };
}

function opFromLine(row: string, position: number): Op {
  const m = LINE.exec(row);
  if (!m) throw new Error('expected "INFO  jepsen.util - PROCESS :TYPE :F VALUE"');
  const [, proc, type, f, valueText] = m;
  if (!TYPES.has(type)) throw new Error(`unknown type :${type}`);
  const process = /^\d+$/.test(proc) ? Number(proc) : proc.replace(/^:/, '');
  const reader = new EdnReader(valueText ?? 'nil');
  const raw = reader.read();
  if (reader.peek() !== -1) throw new Error(`unexpected text after the value: ${valueText}`);
  if (process === NEMESIS) {
    const fault = f === 'start' ? 'fault-start' : f === 'stop' ? 'fault-end' : f;
    return { index: position, time: position, process, type: 'event', f: fault, value: toPlain(raw), meta: { jepsenType: type } };
  }
  const op: Op = { index: position, time: position, process, type: type as OpType, f, value: toPlain(raw) };
  // A failed or indeterminate op logs its error keyword (:timed-out) where the value would be.
  if ((type === 'info' || type === 'fail') && raw instanceof Keyword) { op.error = raw.name; op.value = null; }
  return op;
}
