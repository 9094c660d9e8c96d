// A reader of EDN as Jepsen and Knossos write it: maps, vectors, lists, sets, keywords and symbols of any
// namespace, strings with escapes, characters, integers (N), decimals (M), ratios, ##Inf/##NaN, nil,
// booleans, `;` comments, `#_` discards, namespaced maps (#:ns{}) and tagged literals (#inst "…",
// #jepsen.history.Op{…}, #object[…]). Hand-written on purpose: a history reader needs the offset of
// every form (errors name file:line) and must tell "the text ended inside a form" (a file cut off by a
// crash) from "the text is wrong" — the EDN packages on npm report neither — and it has to keep up with
// multi-hundred-megabyte histories. It scans character codes and builds strings only for tokens.

/** A keyword (`:type`, `:jepsen.nemesis/kill`), kept apart from strings so `:ok` and `"ok"` differ. */
export class Keyword {
  constructor(readonly name: string) {}
  toString(): string { return `:${this.name}`; }
}

/** A symbol (`read`, `clojure.core/+`); rare in histories, read as its name. */
export class EdnSymbol {
  constructor(readonly name: string) {}
  toString(): string { return this.name; }
}

/** A character literal (`\a`, `\newline`, `\u00e9`). */
export class EdnChar {
  constructor(readonly char: string) {}
}

/** A tagged literal: `#inst "2024-…"`, `#jepsen.history.Op{…}`. */
export class Tagged {
  constructor(readonly tag: string, readonly value: EdnValue) {}
}

export class EdnSet {
  constructor(readonly items: EdnValue[]) {}
}

/** A map, keeping its keys as read; `get` looks a keyword up by name. */
export class EdnMap {
  constructor(readonly keys: EdnValue[], readonly values: EdnValue[]) {}

  get(keyword: string): EdnValue | undefined {
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      if (k instanceof Keyword && k.name === keyword) return this.values[i];
    }
    return undefined;
  }
}

export type EdnValue = null | boolean | number | string | Keyword | EdnSymbol | EdnChar | Tagged | EdnSet | EdnMap | EdnValue[];

/** Raised with the offset where reading failed; `eof` when the text ended inside a form. */
export class EdnSyntaxError extends Error {
  constructor(message: string, readonly offset: number, readonly eof: boolean) { super(message); }
}

const isWhite = (c: number): boolean => c === 32 || c === 44 || c === 10 || c === 13 || c === 9 || c === 12;
const isDelim = (c: number): boolean => isWhite(c) || c === 123 || c === 125 || c === 91 || c === 93 || c === 40 || c === 41 || c === 34 || c === 59;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const CHAR_NAMES: Record<string, string> = { newline: '\n', space: ' ', tab: '\t', return: '\r', formfeed: '\f', backspace: '\b' };
const STRING_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\' };

/**
 * Reads forms from `text` starting at `pos`. With `final` false the text is only what has arrived so
 * far: reaching its end inside a form (or inside a token that may go on) raises an `eof` error, and the
 * caller retries from the form's start once more text has come.
 */
export class EdnReader {
  pos = 0;
  constructor(readonly text: string, readonly final = true) {}

  /** Skips whitespace, commas, `;` comments and `#_` discarded forms; returns the next char code or -1. */
  peek(): number {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (isWhite(c)) this.pos++;
      else if (c === 59 || (c === 35 && t.charCodeAt(this.pos + 1) === 33)) this.skipLine(); // ; and #!
      else if (c === 35 && t.charCodeAt(this.pos + 1) === 95) { this.pos += 2; this.read(); } // #_
      else if (c === 35 && this.pos + 1 === t.length && !this.final) throw new EdnSyntaxError('text ends after #', this.pos, true);
      else return c;
    }
    return -1;
  }

  read(): EdnValue {
    const c = this.peek();
    if (c === -1) throw new EdnSyntaxError('unexpected end of input', this.pos, true);
    switch (c) {
      case 123: this.pos++; return this.readMap();
      case 91: this.pos++; return this.readSeq(93);
      case 40: this.pos++; return this.readSeq(41);
      case 34: return this.readString();
      case 35: return this.readDispatch();
      case 92: return this.readChar();
      case 58: return this.readKeyword();
      case 125: case 93: case 41: throw new EdnSyntaxError(`unexpected '${String.fromCharCode(c)}'`, this.pos, false);
      case 94: throw new EdnSyntaxError('metadata (^) is not EDN', this.pos, false);
      default: return this.readAtom();
    }
  }

  readSeq(close: number): EdnValue[] {
    const out: EdnValue[] = [];
    const start = this.pos - 1;
    for (;;) {
      const c = this.peek();
      if (c === close) { this.pos++; return out; }
      if (c === -1) throw new EdnSyntaxError(`missing '${String.fromCharCode(close)}' for the '${this.text[start]}' opened here`, start, true);
      out.push(this.read());
    }
  }

  private skipLine(): void {
    const nl = this.text.indexOf('\n', this.pos);
    if (nl === -1 && !this.final) throw new EdnSyntaxError('text ends inside a comment', this.pos, true);
    this.pos = nl === -1 ? this.text.length : nl + 1;
  }

  private readMap(namespace?: string): EdnMap {
    const start = this.pos - 1;
    const items = this.readSeq(125);
    if (items.length % 2 !== 0) throw new EdnSyntaxError('map with an odd number of forms', start, false);
    const keys: EdnValue[] = [], values: EdnValue[] = [];
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      keys.push(namespace && k instanceof Keyword && !k.name.includes('/') ? new Keyword(`${namespace}/${k.name}`) : k);
      values.push(items[i + 1]);
    }
    return new EdnMap(keys, values);
  }

  private readString(): string {
    const t = this.text;
    const start = this.pos++;
    let out = '', from = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 34) { out += t.slice(from, this.pos); this.pos++; return out; }
      if (c !== 92) { this.pos++; continue; }
      out += t.slice(from, this.pos);
      const e = t[this.pos + 1];
      if (e === undefined) break;
      if (e === 'u') {
        const hex = t.slice(this.pos + 2, this.pos + 6);
        if (hex.length < 4 && this.pos + 2 + hex.length === t.length) break;
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new EdnSyntaxError(`bad \\u escape in a string: \\u${hex}`, this.pos, false);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else if (STRING_ESCAPES[e] !== undefined) {
        out += STRING_ESCAPES[e];
        this.pos += 2;
      } else if (e >= '0' && e <= '7') {
        const oct = /^[0-7]{1,3}/.exec(t.slice(this.pos + 1, this.pos + 4))![0];
        out += String.fromCharCode(parseInt(oct, 8));
        this.pos += 1 + oct.length;
      } else throw new EdnSyntaxError(`unknown escape \\${e} in a string`, this.pos, false);
      from = this.pos;
    }
    throw new EdnSyntaxError('unterminated string', start, true);
  }

  private readDispatch(): EdnValue {
    const t = this.text, start = this.pos;
    const next = t.charCodeAt(this.pos + 1);
    if (next === 123) { this.pos += 2; return new EdnSet(this.readSeq(125)); } // #{
    if (next === 35) { // ##Inf ##-Inf ##NaN
      this.pos += 2;
      const name = this.readToken();
      const value = ({ Inf: Infinity, '-Inf': -Infinity, NaN: NaN } as Record<string, number>)[name];
      if (value === undefined) throw new EdnSyntaxError(`unknown symbolic value ##${name}`, start, false);
      return value;
    }
    if (next === 58) { // #:ns{...}: keys without a namespace get ns
      this.pos += 2;
      const ns = this.readToken();
      if (this.peek() !== 123) throw new EdnSyntaxError(`#:${ns} must be followed by a map`, start, this.pos >= t.length);
      this.pos++;
      return this.readMap(ns);
    }
    if (next === 34) return this.readString(); // #"regex" (Clojure): kept as its text
    this.pos++;
    const tag = this.readToken();
    if (!/^[A-Za-z][^\s]*$/.test(tag)) throw new EdnSyntaxError(`'#${tag}' is not a tag`, start, false);
    if (this.peek() === -1) throw new EdnSyntaxError(`#${tag} without a value`, start, true);
    return new Tagged(tag, this.read());
  }

  private readChar(): EdnChar {
    const start = this.pos++;
    const t = this.text;
    if (this.pos >= t.length) throw new EdnSyntaxError('text ends after \\', start, true);
    let end = this.pos + 1; // the first character is taken whatever it is (\( \; \space)
    while (end < t.length && !isDelim(t.charCodeAt(end))) end++;
    if (end === t.length && !this.final) throw new EdnSyntaxError('text ends inside a character', start, true);
    const name = t.slice(this.pos, end);
    this.pos = end;
    if (name.length === 1) return new EdnChar(name);
    if (CHAR_NAMES[name] !== undefined) return new EdnChar(CHAR_NAMES[name]);
    if (/^u[0-9a-fA-F]{4}$/.test(name)) return new EdnChar(String.fromCharCode(parseInt(name.slice(1), 16)));
    if (/^o[0-7]{1,3}$/.test(name)) return new EdnChar(String.fromCharCode(parseInt(name.slice(1), 8)));
    throw new EdnSyntaxError(`unknown character \\${name}`, start, false);
  }

  private readKeyword(): Keyword {
    const start = this.pos;
    const token = this.readToken();
    const name = token.startsWith('::') ? token.slice(2) : token.slice(1);
    if (name === '' || name.endsWith('/') && name !== '/') throw new EdnSyntaxError(`bad keyword '${token}'`, start, false);
    return new Keyword(name);
  }

  /** A token runs to the next delimiter; text that has not all arrived may go on in the next chunk. */
  private readToken(): string {
    const t = this.text, start = this.pos;
    while (this.pos < t.length && !isDelim(t.charCodeAt(this.pos))) this.pos++;
    if (this.pos === t.length && !this.final) throw new EdnSyntaxError('text ends inside a token', start, true);
    return t.slice(start, this.pos);
  }

  private readAtom(): EdnValue {
    const start = this.pos;
    const token = this.readToken();
    if (token === '') throw new EdnSyntaxError(`unexpected '${this.text[start]}'`, start, false);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    const c = token.charCodeAt(0), d = token.charCodeAt(1);
    if (isDigit(c) || ((c === 45 || c === 43) && isDigit(d))) return readNumber(token, start);
    return new EdnSymbol(token);
  }
}

const INTEGER = /^[+-]?\d+N?$/;
const DECIMAL = /^[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?M?$/;
const RATIO = /^([+-]?\d+)\/(\d+)$/;

/** Integers beyond 2^53 are kept as their exact digits (a string), so two distinct values never merge. */
function readNumber(token: string, offset: number): number | string {
  if (INTEGER.test(token)) {
    const digits = token.replace(/N$/, '').replace(/^\+/, '');
    const n = Number(digits);
    return Number.isSafeInteger(n) ? n : digits;
  }
  if (DECIMAL.test(token)) return Number(token.replace(/M$/, ''));
  const ratio = RATIO.exec(token);
  if (ratio && Number(ratio[2]) !== 0) return Number(ratio[1]) / Number(ratio[2]);
  if (/^[+-]?0[xX][0-9a-fA-F]+N?$/.test(token)) return Number(token.replace(/N$/, '').replace(/^\+/, ''));
  throw new EdnSyntaxError(`bad number '${token}'`, offset, false);
}

/** Converts an EDN value to plain JSON-like data: keywords, symbols and characters become their names,
 *  sets and lists arrays, maps objects (keys by name), tagged literals their value. */
export function toPlain(v: EdnValue): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Keyword || v instanceof EdnSymbol) return v.name;
  if (v instanceof EdnChar) return v.char;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof EdnSet) return v.items.map(toPlain);
  if (v instanceof Tagged) return toPlain(v.value);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < v.keys.length; i++) {
    const k = toPlain(v.keys[i]);
    out[typeof k === 'string' ? k : JSON.stringify(k)] = toPlain(v.values[i]);
  }
  return out;
}
