// Importer for the Jepsen log lines of the etcd tests that Porcupine ships as test data:
//   INFO  jepsen.util - 3	:invoke	:cas	[1 2]
//   INFO  jepsen.util - 3	:info	:write	:timed-out
//   INFO  jepsen.util - :nemesis	:info	:start	nil
// Fields are separated by tabs or runs of spaces; the value is EDN, optionally followed by the error
// (as Jepsen's op printer writes it). Log lines without `jepsen.util` are other log noise and skipped;
// a `jepsen.util` line that is not an op is an error, unless it is the last line, cut off mid-way.
import { EdnReader, EdnSyntaxError, Keyword, toPlain, type EdnValue } from './edn.ts';
import type { Op, OpType } from './op.ts';
import { NEMESIS } from './op.ts';
import { LineReader } from './parsed.ts';

const LINE = /^\s*INFO\s+jepsen\.util\s+-\s+(\S+)\s+:(\S+)\s+:(\S+)(?:\s+(.*?))?\s*$/;
const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

export class EtcdLogReader extends LineReader {
  private faults = 0;

  /** A jepsen.util line has no closing delimiter: cut inside its value (`12` → `1`) it may still read as
   *  an op, with the wrong value. Jepsen's logger ends every line with a newline, so a last line without
   *  one is taken as cut off whenever it is, or could be the start of, an op line. */
  protected line(text: string, line: number, terminated: boolean): void {
    const cut = () => this.out.cut(line, 'a jepsen.util line with no newline after it');
    if (!text.includes('jepsen.util')) {
      if (!terminated && isCutLine(text)) cut();
      return;
    }
    let op: Op;
    try {
      op = opFromLine(text, this.out.position);
    } catch (err) {
      if (!terminated && isCutLine(text)) return cut();
      this.out.fail(line, `not a jepsen.util op line: ${(err as Error).message}`);
    }
    if (!terminated) return cut();
    if (op.process === NEMESIS) op.value = { fault: 'jepsen-nemesis', id: String(op.f === 'fault-end' ? this.faults : ++this.faults), detail: op.value };
    this.out.add(op, line);
  }
}

function opFromLine(row: string, position: number): Op {
  const m = LINE.exec(row);
  if (!m) throw new Error('expected "INFO  jepsen.util - PROCESS :TYPE :F VALUE"');
  const [, proc, type, f, valueText] = m;
  if (!TYPES.has(type)) throw new Error(`unknown type :${type}`);
  if (!/^(\d+|:[^\s:]+)$/.test(proc)) throw new Error(`process must be an integer or a keyword, got ${proc}`);
  const process = /^\d+$/.test(proc) ? Number(proc) : proc.slice(1);
  const { value: raw, error } = valueAndError(valueText ?? 'nil');
  if (process === NEMESIS) {
    const fault = f === 'start' ? 'fault-start' : f === 'stop' ? 'fault-end' : f;
    return { index: position, time: position, process, type: 'event', f: fault, value: toPlain(raw), meta: { jepsenType: type } };
  }
  const op: Op = { index: position, time: position, process, type: type as OpType, f, value: toPlain(raw) };
  // A failed or indeterminate op logs its error keyword (:timed-out) where the value would be.
  if ((type === 'info' || type === 'fail') && raw instanceof Keyword && error === undefined) { op.error = raw.name; op.value = null; }
  if (error !== undefined) { const e = toPlain(error); op.error = typeof e === 'string' ? e : JSON.stringify(e); }
  return op;
}

/** The value form, and the error form Jepsen prints after it when the op has one. */
function valueAndError(text: string): { value: EdnValue; error?: EdnValue } {
  const reader = new EdnReader(text);
  const value = reader.read();
  if (reader.peek() === -1) return { value };
  const error = reader.read();
  if (reader.peek() !== -1) throw new Error(`unexpected text after the value: ${text}`);
  return { value, error };
}

type FieldCheck = (token: string, partial: boolean) => boolean;
const literal = (word: string): FieldCheck => (t, partial) => (partial ? word.startsWith(t) : t === word);
/** The fields before the value; `partial` when the text ends inside (or right after) the token. */
const FIELDS: FieldCheck[] = [
  literal('INFO'), literal('jepsen.util'), literal('-'),
  (t, partial) => (partial ? /^(\d*|:\S*)$/ : /^(\d+|:\S+)$/).test(t),
  (t, partial) => [...TYPES].some((type) => (partial ? `:${type}`.startsWith(t) : `:${type}` === t)),
  (t, partial) => (partial ? /^(:\S*)?$/ : /^:\S+$/).test(t),
];

/** True when `text` could be the start of an op line: each field so far well-formed, the last one
 *  possibly cut inside its text, and the value, if it began, incomplete EDN. */
function isCutLine(text: string): boolean {
  let rest = text.trimStart();
  for (const field of FIELDS) {
    const [whole, token, space] = /^(\S*)(\s*)/.exec(rest)!;
    if (space === '' && whole.length === rest.length) return field(token, true);
    if (!field(token, false)) return false;
    rest = rest.slice(whole.length);
    if (rest === '') return true;
  }
  try {
    valueAndError(rest);
    return false;
  } catch (err) {
    return err instanceof EdnSyntaxError && err.eof;
  }
}
