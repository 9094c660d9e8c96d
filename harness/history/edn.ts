// Reader for the subset of EDN that Jepsen and Knossos histories use, and the importer that turns
// their op maps into Ops. Hand-written on purpose: the EDN packages on npm are unmaintained or slow
// on multi-megabyte histories, and the subset we need (maps, vectors, lists, sets, keywords, strings,
// numbers, nil/true/false, comments, tagged literals such as #jepsen.history.Op{...}) is small. It
// scans character codes without building intermediate strings except for the tokens it returns.
import { UsageError } from '../errors.ts';
import type { Op, OpType } from './op.ts';
import { NEMESIS } from './op.ts';
import type { ParsedHistory } from './parsed.ts';

/** An EDN keyword, kept distinct from strings so that `:ok` and `"ok"` are not confused. */
export class Keyword {
  constructor(readonly name: string) {}
  toString(): string { return `:${this.name}`; }
}

export type EdnValue = null | boolean | number | string | Keyword | EdnValue[] | Map<EdnValue, EdnValue> | { set: EdnValue[] };

/** Raised with the offset where parsing failed; `eof` when the text ended inside a form. */
export class EdnSyntaxError extends Error {
  constructor(message: string, readonly offset: number, readonly eof: boolean) { super(message); }
}

const isWhite = (c: number): boolean => c === 32 || c === 44 || c === 10 || c === 13 || c === 9 || c === 12;
const isDelim = (c: number): boolean => isWhite(c) || c === 123 || c === 125 || c === 91 || c === 93 || c === 40 || c === 41 || c === 34 || c === 59;

export class EdnReader {
  pos = 0;
  constructor(readonly text: string) {}

  /** Skips whitespace, commas and ; comments; returns the next char code or -1 at the end. */
  peek(): number {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (isWhite(c)) this.pos++;
      else if (c === 59) { while (this.pos < t.length && t.charCodeAt(this.pos) !== 10) this.pos++; }
      else return c;
    }
    return -1;
  }

  read(): EdnValue {
    const c = this.peek();
    if (c === -1) throw new EdnSyntaxError('unexpected end of input', this.pos, true);
    switch (c) {
      case 123: this.pos++; return this.readMap(125);
      case 91: this.pos++; return this.readSeq(93);
      case 40: this.pos++; return this.readSeq(41);
      case 34: return this.readString();
      case 35: return this.readDispatch();
      case 58: return new Keyword(this.readToken().slice(1));
      case 125: case 93: case 41: throw new EdnSyntaxError(`unexpected '${String.fromCharCode(c)}'`, this.pos, false);
      default: return this.readAtom();
    }
  }

  readSeq(close: number): EdnValue[] {
    const out: EdnValue[] = [];
    for (;;) {
      const c = this.peek();
      if (c === close) { this.pos++; return out; }
      if (c === -1) throw new EdnSyntaxError(`missing '${String.fromCharCode(close)}'`, this.pos, true);
      out.push(this.read());
    }
  }

  private readMap(close: number): Map<EdnValue, EdnValue> {
    const items = this.readSeq(close);
    if (items.length % 2 !== 0) throw new EdnSyntaxError('map with an odd number of forms', this.pos, false);
    const map = new Map<EdnValue, EdnValue>();
    for (let i = 0; i < items.length; i += 2) map.set(items[i] instanceof Keyword ? `:${(items[i] as Keyword).name}` : items[i], items[i + 1]);
    return map;
  }

  private readString(): string {
    const t = this.text;
    const start = ++this.pos;
    let out = '', from = start;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 34) { out += t.slice(from, this.pos); this.pos++; return out; }
      if (c === 92) {
        out += t.slice(from, this.pos);
        const e = t[this.pos + 1];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'u' ? String.fromCharCode(parseInt(t.slice(this.pos + 2, this.pos + 6), 16)) : e ?? '';
        this.pos += e === 'u' ? 6 : 2;
        from = this.pos;
        continue;
      }
      this.pos++;
    }
    throw new EdnSyntaxError('unterminated string', start - 1, true);
  }

  private readDispatch(): EdnValue {
    const next = this.text.charCodeAt(this.pos + 1);
    if (next === 123) { this.pos += 2; return { set: this.readSeq(125) }; }
    if (next === 95) { this.pos += 2; this.read(); return this.read(); } // #_ discards the next form
    this.readToken(); // a tag such as #inst or #jepsen.history.Op: keep the tagged value itself
    return this.read();
  }

  private readToken(): string {
    const t = this.text, start = this.pos;
    while (this.pos < t.length && !isDelim(t.charCodeAt(this.pos))) this.pos++;
    return t.slice(start, this.pos);
  }

  private readAtom(): EdnValue {
    const start = this.pos;
    const token = this.readToken();
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    const c = token.charCodeAt(0);
    const d = token.charCodeAt(1);
    if ((c >= 48 && c <= 57) || ((c === 45 || c === 43) && d >= 48 && d <= 57)) {
      const n = Number(token.replace(/[NM]$/, ''));
      if (Number.isNaN(n)) throw new EdnSyntaxError(`bad number '${token}'`, start, false);
      return n;
    }
    if (token === '') throw new EdnSyntaxError(`unexpected '${this.text[start]}'`, start, false);
    return token; // a symbol: keep its name
  }
}

/** Converts an EDN value to plain JSON-like data (keywords become their names). */
export function toPlain(v: EdnValue): unknown {
  if (v instanceof Keyword) return v.name;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(typeof k === 'string' && k.startsWith(':') ? k.slice(1) : toPlain(k)), toPlain(x)]));
  if (v !== null && typeof v === 'object') return v.set.map(toPlain);
  return v;
}

const OP_TYPES = new Set<string>(['invoke', 'ok', 'fail', 'info']);

/** Turns one Jepsen op map into an Op; throws an Error saying what is missing. */
export function opFromEdn(form: EdnValue, position: number): Op {
  if (!(form instanceof Map)) throw new Error('expected an op map {:process .. :type .. :f ..}');
  const type = form.get(':type'), f = form.get(':f'), proc = form.get(':process');
  if (!(type instanceof Keyword) || !OP_TYPES.has(type.name)) throw new Error(`bad or missing :type (${type === undefined ? 'none' : String(type)})`);
  if (f === undefined || f === null) throw new Error('missing :f');
  if (typeof proc !== 'number' && !(proc instanceof Keyword) && typeof proc !== 'string') throw new Error('missing :process');
  const process = typeof proc === 'number' ? proc : proc instanceof Keyword ? proc.name : proc;
  const time = form.get(':time'), index = form.get(':index');
  const isNemesis = process === NEMESIS;
  const op: Op = {
    index: typeof index === 'number' ? index : position,
    time: typeof time === 'number' ? time / 1e6 : position,
    process,
    type: isNemesis ? 'event' : (type.name as OpType),
    f: String(toPlain(f)),
    value: toPlain(form.get(':value') ?? null),
  };
  const key = form.get(':key'), error = form.get(':error');
  if (key !== undefined && key !== null) op.key = String(toPlain(key));
  if (error !== undefined && error !== null) { const e = toPlain(error); op.error = typeof e === 'string' ? e : JSON.stringify(e); }
  if (isNemesis) op.meta = { jepsenType: type.name };
  return op;
}

/** Parses Jepsen/Knossos EDN: op maps one after another (one per line), or one vector of op maps. */
export function parseEdn(text: string, file: string): ParsedHistory {
  const reader = new EdnReader(text);
  const ops: Op[] = [], lines: number[] = [], warnings: string[] = [];
  const lineAt = lineIndex(text);
  const lastLine = lineAt(text.trimEnd().length - 1);
  let inVector = false;
  if (reader.peek() === 91) { reader.pos++; inVector = true; }
  for (;;) {
    const c = reader.peek();
    if (c === -1) { if (inVector) warnings.push(`${file}:${lastLine}: history vector is not closed (truncated file?); using the ops read so far`); break; }
    if (inVector && c === 93) { reader.pos++; break; }
    const start = reader.pos;
    try {
      ops.push(opFromEdn(reader.read(), ops.length));
      lines.push(lineAt(start));
    } catch (err) {
      const where = err instanceof EdnSyntaxError ? lineAt(err.offset) : lineAt(start);
      const truncated = err instanceof EdnSyntaxError && err.eof && lineAt(start) === lastLine;
      if (truncated || where === lastLine) { warnings.push(`${file}:${lineAt(start)}: ignoring truncated or garbled last op (${(err as Error).message})`); break; }
      throw new UsageError(`${file}:${where}: not a Jepsen op: ${(err as Error).message}`);
    }
  }
  return { ops, lines, warnings, format: 'edn' };
}

/** Maps a character offset to its 1-based line, by binary search over line starts. */
export function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= offset) lo = mid; else hi = mid - 1; }
    return lo + 1;
  };
}
