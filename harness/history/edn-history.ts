// Jepsen and Knossos histories in EDN, as Ops. The layouts met in the wild: one op map per line
// (Jepsen's history.edn, records printed as #jepsen.history.Op{…}); one vector or list of op maps
// (Knossos' data files, often with `;` comments between ops, sometimes pretty-printed across lines);
// and Knossos' [process type f value] tuples. The text is read as it streams in: each op is parsed once
// its form is complete, so a large file is never held whole.
import type { Op, OpType } from './op.ts';
import { NEMESIS } from './op.ts';
import { EdnMap, EdnReader, EdnSyntaxError, Keyword, EdnSymbol, Tagged, toPlain, type EdnValue } from './edn.ts';
import type { FormatReader, OpCollector } from './parsed.ts';

const OP_TYPES = new Set<string>(['invoke', 'ok', 'fail', 'info']);
const OPEN_TO_CLOSE: Record<number, number> = { 91: 93, 40: 41 };

/** Where the reader is in the file's top-level structure. */
type Layout = { kind: 'start' } | { kind: 'ops' } | { kind: 'collection'; close: number; line: number } | { kind: 'closed'; line: number };

export class EdnHistoryReader implements FormatReader {
  private text = '';
  /** Line number of `text`'s first character, and a cursor for counting lines forward from it. */
  private line = 1;
  private cursor = 0;
  private layout: Layout = { kind: 'start' };
  /** Offset in `text` where the form being read starts. */
  private formStart = 0;

  constructor(private readonly out: OpCollector) {}

  feed(chunk: string): void {
    this.text += chunk;
    this.readForms(false);
  }

  end(): void {
    this.readForms(true);
    if (this.layout.kind === 'collection' && this.out.cutOff === undefined) {
      this.out.cut(this.lineAt(this.text.length), `the history ${this.layout.close === 93 ? 'vector' : 'list'} opened on line ${this.layout.line} is not closed`);
    }
  }

  /** Reads every complete form in the text so far, then keeps only what is left unread. */
  private readForms(final: boolean): void {
    const reader = new EdnReader(this.text, final);
    for (;;) {
      const mark = reader.pos;
      try {
        if (!this.step(reader)) break;
      } catch (err) {
        if (!(err instanceof EdnSyntaxError)) throw err;
        if (err.eof && !final) { reader.pos = mark; break; }
        this.syntaxError(err); // returns only for a cut-off last op, which nothing follows
        reader.pos = reader.text.length;
        break;
      }
    }
    this.advance(reader.pos);
  }

  /** One step through the layout; false when the text so far is used up. */
  private step(reader: EdnReader): boolean {
    const c = reader.peek();
    if (c === -1) {
      if (!reader.final) throw new EdnSyntaxError('more text to come', reader.pos, true);
      return false;
    }
    this.formStart = reader.pos;
    const layout = this.layout;
    if (layout.kind === 'closed') this.out.fail(this.lineAt(reader.pos), `text after the history collection that ended on line ${layout.line}`);
    if (layout.kind === 'collection' && c === layout.close) {
      reader.pos++;
      this.layout = { kind: 'closed', line: this.lineAt(reader.pos - 1) };
      return true;
    }
    if (layout.kind === 'start' && OPEN_TO_CLOSE[c] !== undefined && this.opensCollection(reader)) {
      this.layout = { kind: 'collection', close: OPEN_TO_CLOSE[c], line: this.lineAt(reader.pos) };
      reader.pos++;
      return true;
    }
    if (layout.kind === 'start') this.layout = { kind: 'ops' };
    const start = reader.pos;
    const form = reader.read();
    const line = this.lineAt(start);
    try {
      this.out.add(opFromEdn(form, this.out.position), line);
    } catch (err) {
      this.out.fail(line, `not a Jepsen op: ${(err as Error).message}`);
    }
    return true;
  }

  /** `[` or `(` at the top: a collection of ops when its first element is a map, a tagged form or a
   *  tuple; otherwise the form is itself one [process type f value] tuple. */
  private opensCollection(reader: EdnReader): boolean {
    const at = reader.pos;
    reader.pos++;
    try {
      const first = reader.peek();
      if (first === -1 && !reader.final) throw new EdnSyntaxError('more text to come', at, true);
      return first === 123 || first === 35 || first === 91 || first === 40 || first === OPEN_TO_CLOSE[reader.text.charCodeAt(at)] || first === -1;
    } finally {
      reader.pos = at;
    }
  }

  /** A form the text ended inside is the cut-off last op when it started on the last line (so no newline
   *  follows it); anything else wrong is an error at the line where it is. */
  private syntaxError(err: EdnSyntaxError): void {
    const startLine = this.lineAt(this.formStart);
    if (err.eof && startLine === this.lineAt(this.text.length)) return this.out.cut(startLine, `incomplete EDN: ${err.message}`);
    if (err.eof) this.out.fail(startLine, `the op starting here does not end before the end of the file (${err.message})`);
    this.out.fail(this.lineAt(Math.max(err.offset, this.formStart)), `not EDN: ${err.message}`);
  }

  /** 1-based line of an offset at or after the cursor (offsets only move forward). */
  private lineAt(offset: number): number {
    const t = this.text;
    for (let nl = t.indexOf('\n', this.cursor); nl !== -1 && nl < offset; nl = t.indexOf('\n', nl + 1)) {
      this.line++;
      this.cursor = nl + 1;
    }
    return this.line;
  }

  /** Drops the text read so far, keeping the line count. */
  private advance(pos: number): void {
    this.lineAt(pos);
    this.text = this.text.slice(pos);
    this.cursor = Math.max(0, this.cursor - pos);
  }
}

/** Turns one Jepsen op (a map, a tagged map such as #jepsen.history.Op{…}, or a Knossos
 *  [process type f value] tuple) into an Op; throws an Error saying what is wrong. */
export function opFromEdn(form: EdnValue, position: number): Op {
  const fields = opFields(form);
  const { type, f, process: proc, time, index } = fields;
  if (!(type instanceof Keyword) || !OP_TYPES.has(type.name)) throw new Error(`:type must be one of :invoke :ok :fail :info, got ${show(type)}`);
  const process = processOf(proc);
  const fName = f instanceof Keyword || f instanceof EdnSymbol ? f.name : typeof f === 'string' && f !== '' ? f : undefined;
  if (fName === undefined) throw new Error(`:f must be a keyword, got ${show(f)}`);
  if (time !== undefined && time !== null && (typeof time !== 'number' || !Number.isFinite(time))) throw new Error(`:time must be a number (nanoseconds), got ${show(time)}`);
  if (index !== undefined && index !== null && !(typeof index === 'number' && Number.isInteger(index) && index >= 0)) throw new Error(`:index must be a non-negative integer, got ${show(index)}`);
  const isNemesis = process === NEMESIS;
  const op: Op = {
    index: typeof index === 'number' ? index : position,
    time: typeof time === 'number' ? time / 1e6 : position,
    process,
    type: isNemesis ? 'event' : (type.name as OpType),
    f: fName,
    value: toPlain(fields.value ?? null),
  };
  const { key, error } = fields;
  if (key !== undefined && key !== null) op.key = String(toPlain(key));
  if (error !== undefined && error !== null) { const e = toPlain(error); op.error = typeof e === 'string' ? e : JSON.stringify(e); }
  if (isNemesis) op.meta = { jepsenType: type.name };
  return op;
}

interface OpFields { type?: EdnValue; f?: EdnValue; process?: EdnValue; time?: EdnValue; index?: EdnValue; value?: EdnValue; key?: EdnValue; error?: EdnValue }

function opFields(form: EdnValue): OpFields {
  const value = form instanceof Tagged ? form.value : form;
  if (value instanceof EdnMap) {
    return { type: value.get('type'), f: value.get('f'), process: value.get('process'), time: value.get('time'), index: value.get('index'), value: value.get('value'), key: value.get('key'), error: value.get('error') };
  }
  if (Array.isArray(value) && (value.length === 4 || value.length === 5) && !value.some((v) => v instanceof EdnMap)) {
    const [process, type, f, v, error] = value;
    return { process, type, f, value: v, error };
  }
  throw new Error(`expected an op map {:process … :type … :f … :value …} or a [process type f value] tuple, got ${show(form)}`);
}

function processOf(proc: EdnValue | undefined): number | string {
  if (typeof proc === 'number' && Number.isInteger(proc)) return proc;
  if (proc instanceof Keyword) return proc.name;
  if (typeof proc === 'string' && proc !== '') return proc;
  throw new Error(`:process must be an integer or a keyword such as :nemesis, got ${show(proc)}`);
}

/** A short description of a value for error messages. */
function show(v: EdnValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'nil';
  if (v instanceof Keyword) return `:${v.name}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v !== 'object') return String(v);
  if (v instanceof EdnMap) return 'a map';
  if (Array.isArray(v)) return `a ${v.length}-element vector`;
  return v.constructor.name.replace(/^Edn/, '').toLowerCase();
}
