// Property test: on thousands of random small concurrent histories (every model, with fail and info
// completions and invokes that never complete) the fast search agrees with a deliberately simple
// brute-force checker written here, which tries every real-time-respecting order and shares no code
// with the harness (its own pairing, its own model semantics, no partitioning).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Op } from '../harness/history/op.ts';
import { checkLinearizability } from '../harness/checker/linearizability.ts';

type Json = unknown;
interface Call { f: string; value: Json; key?: string }
interface RefModel {
  name: string;
  /** The harness model checked against (defaults to name). */
  model?: string;
  init: Json;
  /** A random call for the generator. */
  call(r: number): Call;
  /** Applies a call: the result it returns and the next state, or null when it cannot happen now. */
  apply(state: Json, c: Call): { out: Json; next: Json } | null;
}

const same = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b);
const pick = <T>(r: number, xs: readonly T[]): T => xs[r % xs.length];

const REF: RefModel[] = [
  {
    name: 'register', init: null,
    call: (r) => (r % 2 ? { f: 'read', value: null } : { f: 'write', value: r % 3 }),
    apply: (s, c) => (c.f === 'read' ? { out: s, next: s } : { out: c.value, next: c.value }),
  },
  {
    name: 'cas-register', init: null,
    call: (r) => [{ f: 'read', value: null }, { f: 'write', value: r % 3 }, { f: 'cas', value: [r % 3, (r >> 2) % 3] }][r % 3 === 0 ? 0 : (r >> 1) % 2 + 1],
    apply: (s, c) => {
      if (c.f === 'read') return { out: s, next: s };
      if (c.f === 'write') return { out: c.value, next: c.value };
      const [from, to] = c.value as [number, number];
      return s === from ? { out: c.value, next: to } : null;
    },
  },
  {
    name: 'cas-register per key', model: 'cas-register', init: {},
    call: (r) => ({ ...[{ f: 'read', value: null }, { f: 'write', value: r % 3 }, { f: 'cas', value: [r % 3, (r >> 2) % 3] }][r % 3 === 0 ? 0 : (r >> 1) % 2 + 1], key: pick(r >> 4, ['a', 'b']) }),
    apply: (s, c) => {
      const regs = s as Record<string, Json>, cur = regs[c.key!] ?? null;
      if (c.f === 'read') return { out: cur, next: regs };
      if (c.f === 'write') return { out: c.value, next: { ...regs, [c.key!]: c.value } };
      const [from, to] = c.value as [number, number];
      return cur === from ? { out: c.value, next: { ...regs, [c.key!]: to } } : null;
    },
  },
  {
    name: 'kv', init: {},
    call: (r) => ({ f: pick(r, ['get', 'put', 'append']), key: pick(r >> 2, ['a', 'b']), value: (r % 3) === 0 ? null : pick(r >> 3, ['x', 'y']) }),
    apply: (s, c) => {
      const m = s as Record<string, string>, cur = m[c.key!] ?? '';
      if (c.f === 'get') return { out: cur, next: m };
      const v = c.f === 'put' ? (c.value as string) : cur + (c.value as string);
      return { out: c.value, next: { ...m, [c.key!]: v } };
    },
  },
  {
    name: 'mutex', init: false,
    call: (r) => ({ f: r % 2 ? 'acquire' : 'release', value: null }),
    apply: (held, c) => (c.f === 'acquire' ? (held ? null : { out: null, next: true }) : held ? { out: null, next: false } : null),
  },
  {
    name: 'fifo-queue', init: [],
    call: (r) => (r % 2 ? { f: 'dequeue', value: null } : { f: 'enqueue', value: r % 3 }),
    apply: (q, c) => {
      const queue = q as Json[];
      if (c.f === 'enqueue') return { out: null, next: [...queue, c.value] };
      return queue.length ? { out: queue[0], next: queue.slice(1) } : { out: null, next: queue };
    },
  },
  {
    name: 'set', init: [],
    call: (r) => (r % 2 ? { f: 'read', value: null } : { f: 'add', value: r % 4 }),
    apply: (s, c) => {
      const items = s as number[];
      if (c.f === 'read') return { out: items, next: items };
      return { out: null, next: items.includes(c.value as number) ? items : [...items, c.value as number].sort() };
    },
  },
];

/** Simulates clients against a correct object (each op takes effect at a random moment while it is
 *  pending), then sometimes corrupts one returned value, so both verdicts are common. */
function simulate(model: RefModel, actions: number[], corrupt: number | null): Op[] {
  const ops: Op[] = [];
  const pending = new Map<number, { call: Call; applied: boolean; out?: Json }>();
  let state = model.init, nextProcess = 0;
  const emit = (process: number, type: Op['type'], c: Call, value: Json): void => {
    const op: Op = { index: ops.length, time: ops.length, process, type, f: c.f, value };
    if (c.key !== undefined) op.key = c.key;
    ops.push(op);
  };
  for (const a of actions) {
    const busy = [...pending.keys()];
    const choice = a % 7;
    if ((choice < 2 && pending.size < 3) || busy.length === 0) {
      const c = model.call(a >> 3);
      const p = nextProcess++;
      pending.set(p, { call: c, applied: false });
      emit(p, 'invoke', c, c.f === 'read' || c.f === 'get' || c.f === 'dequeue' ? null : c.value);
      continue;
    }
    const p = busy[(a >> 3) % busy.length];
    const op = pending.get(p)!;
    if (!op.applied && choice < 5) {
      const r = model.apply(state, op.call);
      if (r) { state = r.next; op.applied = true; op.out = r.out; }
      continue;
    }
    pending.delete(p);
    if (op.applied) emit(p, choice === 6 ? 'info' : 'ok', op.call, choice === 6 ? null : op.out);
    else if (op.call.f === 'cas' || op.call.f === 'acquire' || op.call.f === 'release' || choice === 5) emit(p, 'fail', op.call, op.call.value);
    else emit(p, 'info', op.call, null);
  }
  if (corrupt !== null) {
    const oks = ops.filter((o) => o.type === 'ok' && ['read', 'get', 'dequeue'].includes(o.f));
    const fails = ops.filter((o) => o.type === 'fail');
    if (model.name === 'mutex' && fails.length) fails[corrupt % fails.length].type = 'ok'; // a refused acquire reported as granted
    else if (oks.length) {
      const victim = oks[corrupt % oks.length];
      victim.value = victim.f === 'get' ? pick(corrupt, ['', 'x', 'y', 'xy']) : victim.f === 'read' && model.name === 'set' ? [corrupt % 4] : corrupt % 3 === 2 ? null : corrupt % 3;
    }
  }
  return ops;
}

interface RefOp { call: Call; out: Json; known: boolean; start: number; end: number }

/** Pairs invokes with completions the obvious way; fail ops are dropped. */
function refPairs(ops: Op[]): RefOp[] {
  const open = new Map<Op['process'], RefOp>();
  const out: RefOp[] = [];
  for (const op of ops) {
    if (op.type === 'invoke') {
      const r: RefOp = { call: { f: op.f, value: op.value, ...(op.key ? { key: op.key } : {}) }, out: undefined, known: false, start: op.index, end: Infinity };
      open.set(op.process, r);
      out.push(r);
    } else {
      const r = open.get(op.process)!;
      open.delete(op.process);
      if (op.type === 'fail') out.splice(out.indexOf(r), 1);
      if (op.type === 'ok') { r.known = true; r.out = op.value; r.end = op.index; }
    }
  }
  return out;
}

/** Tries every order in which no op precedes one that completed before it was invoked. */
function bruteForce(model: RefModel, ops: RefOp[]): boolean {
  const used = new Array(ops.length).fill(false);
  const search = (state: Json): boolean => {
    const open = ops.filter((o, i) => !used[i] && o.known);
    if (open.length === 0) return true;
    const deadline = Math.min(...open.map((o) => o.end));
    for (let i = 0; i < ops.length; i++) {
      if (used[i] || ops[i].start > deadline) continue;
      const r = model.apply(state, ops[i].call);
      if (!r) continue;
      if (ops[i].known && !matches(model, ops[i], r.out)) continue;
      used[i] = true;
      const ok = search(r.next);
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return search(model.init);
}

function matches(model: RefModel, op: RefOp, out: Json): boolean {
  if (op.call.f === 'read' && model.name === 'set') return same([...(op.out as number[])].sort(), out);
  if (op.call.f === 'get') return (op.out ?? '') === out;
  return same(op.out, out);
}

describe('checker: property — the search agrees with brute force on random histories', function () {
  this.timeout(300_000);
  for (const model of REF) {
    it(`${model.name}: 1000 random histories`, () => {
      let violations = 0;
      fc.assert(
        fc.property(fc.array(fc.nat(), { minLength: 4, maxLength: 26 }), fc.option(fc.nat(), { nil: null }), (actions, corrupt) => {
          const history = simulate(model, actions, corrupt);
          const expected = bruteForce(model, refPairs(history));
          const got = checkLinearizability(model.model ?? model.name, history, { minimize: false, timeLimitS: 20 });
          if (!expected) violations++;
          assert.equal(got.valid, expected, `history: ${JSON.stringify(history)}`);
        }),
        { numRuns: 1000 },
      );
      assert.ok(violations > 20, `the generator should produce violations too (got ${violations})`);
    });
  }
});
