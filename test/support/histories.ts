// Histories with answers known by construction, for the decision procedures' tests and the checker
// bench: clients run against a correct sequential object, each op taking effect at a random moment
// while it runs (an op that ends `info` may take effect before, after its completion, or never), so
// the history is linearizable; then, if asked, one violation of a chosen kind is planted in a way
// that no order can explain. Values written, added or enqueued are distinct. Seeded, so a seed
// replays exactly.
import type { Op } from '../../harness/history/op.ts';
import { Rng } from '../../harness/rng.ts';

export type GeneratedModel = 'set' | 'fifo-queue' | 'register' | 'cas-register';

export const VIOLATIONS: Readonly<Record<GeneratedModel, readonly string[]>> = {
  set: ['stale-read', 'phantom-value'],
  'fifo-queue': ['never-enqueued', 'dequeued-twice', 'fifo-order', 'empty-while-full'],
  register: ['stale-read', 'phantom-value', 'future-read'],
  'cas-register': ['stale-read', 'phantom-value', 'future-read'],
};

export interface GenerateOptions {
  model: GeneratedModel;
  /** Client operations to invoke. */
  ops: number;
  seed: number;
  /** Concurrent client slots (default 10); a client whose op ends `info` is replaced by a new process. */
  processes?: number;
  /** Share of ops (adds, for sets) whose outcome is unknown. */
  infoRate?: number;
  /** Plant this violation (one of VIOLATIONS[model]). */
  violation?: string;
}

interface Call { f: string; value: unknown }
interface Running { process: number; call: Call; info: boolean; takesEffect: boolean; applied: boolean; out?: unknown; failed?: boolean }

interface Sequential {
  /** Next call of a client (fresh values from `fresh()`). */
  next(rng: Rng, fresh: () => number, infoRate: number): { call: Call; info: boolean };
  /** Applies a call: its result, or failed when it cannot take effect (a cas whose old value differs). */
  apply(call: Call): { out: unknown; failed?: boolean };
}

/** A linearizable history, or with `violation` one that is not; null when the history drawn has no
 *  place for that violation (try another seed). */
export function generateHistory(opts: GenerateOptions): Op[] | null {
  const rng = new Rng(opts.seed);
  const history = simulate(sequentialFor(opts.model), opts, rng.fork('run'));
  if (!opts.violation) return history;
  return plant(opts.model, opts.violation, history, rng.fork('plant')) ? history : null;
}

function simulate(object: Sequential, opts: GenerateOptions, rng: Rng): Op[] {
  const history: Op[] = [];
  const slots: (Running | null)[] = new Array(opts.processes ?? 10).fill(null);
  const limbo: Running[] = [];
  const ids = slots.map((_, i) => i);
  let invoked = 0, nextProcess = slots.length, serial = 0;
  const fresh = (): number => ++serial;
  const emit = (process: number, type: Op['type'], f: string, value: unknown): void => {
    history.push({ index: history.length, time: history.length, process, type, f, value });
  };
  const apply = (r: Running): void => {
    const result = object.apply(r.call);
    r.applied = true;
    r.out = result.out;
    r.failed = result.failed;
  };
  while (invoked < opts.ops || slots.some((s) => s)) {
    if (limbo.length && rng.float() < 0.05) apply(limbo.splice(rng.int(0, limbo.length - 1), 1)[0]);
    const slot = rng.int(0, slots.length - 1), r = slots[slot];
    if (!r) {
      if (invoked >= opts.ops) continue;
      const { call, info } = object.next(rng, fresh, opts.infoRate ?? 0.01);
      slots[slot] = { process: ids[slot], call, info, takesEffect: !info || rng.float() < 0.5, applied: false };
      emit(ids[slot], 'invoke', call.f, invokeValue(call));
      invoked++;
    } else if (!r.applied && r.takesEffect && rng.float() < 0.5) apply(r);
    else if (r.applied || r.info) {
      slots[slot] = null;
      if (r.info) {
        if (!r.applied && r.takesEffect) limbo.push(r);
        emit(r.process, 'info', r.call.f, invokeValue(r.call));
        ids[slot] = nextProcess++;
      } else emit(r.process, r.failed ? 'fail' : 'ok', r.call.f, r.failed ? invokeValue(r.call) : r.out);
    }
  }
  return history;
}

function invokeValue(call: Call): unknown {
  return call.f === 'read' || call.f === 'dequeue' ? null : call.value;
}

function sequentialFor(model: GeneratedModel): Sequential {
  switch (model) {
    case 'set': return setObject();
    case 'fifo-queue': return queueObject();
    default: return registerObject(model === 'cas-register');
  }
}

function setObject(): Sequential {
  const items: number[] = [];
  return {
    next: (rng, fresh, infoRate) => (rng.float() < 0.5
      ? { call: { f: 'add', value: fresh() }, info: rng.float() < infoRate }
      : { call: { f: 'read', value: null }, info: rng.float() < 0.01 }),
    apply: (call) => {
      if (call.f === 'add') { items.push(call.value as number); return { out: call.value }; }
      return { out: [...items] };
    },
  };
}

function queueObject(): Sequential {
  const queue: number[] = [];
  return {
    next: (rng, fresh, infoRate) => ({
      call: rng.float() < 0.5 ? { f: 'enqueue', value: fresh() } : { f: 'dequeue', value: null },
      info: rng.float() < infoRate,
    }),
    apply: (call) => {
      if (call.f === 'enqueue') { queue.push(call.value as number); return { out: call.value }; }
      return { out: queue.length ? queue.shift()! : null };
    },
  };
}

function registerObject(withCas: boolean): Sequential {
  let state: number | null = null;
  const recent: (number | null)[] = [null];
  return {
    next: (rng, fresh, infoRate) => {
      const r = rng.float(), info = rng.float() < infoRate;
      if (withCas && r < 0.3) {
        const from = rng.float() < 0.6 ? state : rng.pick(recent.slice(-4));
        return { call: { f: 'cas', value: [from, fresh()] }, info };
      }
      if (r < (withCas ? 0.5 : 0.4)) return { call: { f: 'write', value: fresh() }, info };
      return { call: { f: 'read', value: null }, info: false };
    },
    apply: (call) => {
      if (call.f === 'read') return { out: state };
      if (call.f === 'write') { state = call.value as number; recent.push(state); return { out: call.value }; }
      const [from, to] = call.value as [number | null, number];
      if (state !== from) return { out: call.value, failed: true };
      state = to;
      recent.push(state);
      return { out: call.value };
    },
  };
}

/** Completed ops: invoke and completion records of each client operation. */
interface Pair { inv: Op; done: Op }

function pairs(history: readonly Op[]): Pair[] {
  const open = new Map<unknown, Op>(), out: Pair[] = [];
  for (const op of history) {
    if (op.type === 'invoke') open.set(op.process, op);
    else { out.push({ inv: open.get(op.process)!, done: op }); open.delete(op.process); }
  }
  return out;
}

const NEVER = -1;

/** Rewrites one completion so that no order explains it; false when there is no place for it. */
function plant(model: GeneratedModel, kind: string, history: Op[], rng: Rng): boolean {
  const all = pairs(history), ok = all.filter((p) => p.done.type === 'ok');
  const precedes = (a: Pair, b: Pair): boolean => a.done.index < b.inv.index;
  const choose = <T>(xs: T[]): T | null => (xs.length ? rng.pick(xs) : null);
  if (model === 'set') {
    const reads = ok.filter((p) => p.done.f === 'read');
    if (kind === 'phantom-value') {
      const r = choose(reads);
      if (!r) return false;
      r.done.value = [...(r.done.value as number[]), NEVER];
      return true;
    }
    const adds = ok.filter((p) => p.done.f === 'add');
    for (let attempt = 0; attempt < 300 && reads.length; attempt++) {
      const r = choose(reads)!, a = choose(adds.filter((add) => precedes(add, r)));
      if (!a) continue;
      r.done.value = (r.done.value as number[]).filter((v) => v !== a.inv.value);
      return true;
    }
    return false;
  }
  if (model === 'fifo-queue') return plantQueue(kind, all, ok, precedes, choose);
  return plantRegister(kind, ok, precedes, choose);
}

function plantQueue(kind: string, all: Pair[], ok: Pair[], precedes: (a: Pair, b: Pair) => boolean, choose: <T>(xs: T[]) => T | null): boolean {
  const deqs = ok.filter((p) => p.done.f === 'dequeue' && p.done.value !== null);
  const enqOf = new Map(ok.filter((p) => p.done.f === 'enqueue').map((p) => [p.inv.value, p]));
  const deqOf = new Map(deqs.map((p) => [p.done.value, p]));
  if (kind === 'never-enqueued') {
    const d = choose(deqs.length ? deqs : ok.filter((p) => p.done.f === 'dequeue'));
    if (!d) return false;
    d.done.value = NEVER;
    return true;
  }
  if (kind === 'dequeued-twice') {
    if (deqs.length < 2) return false;
    const [a, b] = [choose(deqs)!, choose(deqs)!];
    if (a === b) return false;
    b.done.value = a.done.value;
    return true;
  }
  const sample = <T>(xs: T[], find: (x: T) => boolean): T | null => {
    for (let i = 0; i < 300 && xs.length; i++) { const x = choose(xs)!; if (find(x)) return x; }
    return null;
  };
  if (kind === 'fifo-order') {
    let partner: Pair | undefined;
    const d1 = sample(deqs, (d) => {
      const e1 = enqOf.get(d.done.value);
      partner = e1 && choose(deqs.filter((d2) => precedes(d, d2) && enqOf.has(d2.done.value) && precedes(e1, enqOf.get(d2.done.value)!))) || undefined;
      return partner !== undefined;
    });
    if (!d1 || !partner) return false;
    [d1.done.value, partner.done.value] = [partner.done.value, d1.done.value];
    return true;
  }
  void all;
  const enqs = [...enqOf.values()];
  const d = sample(ok.filter((p) => p.done.f === 'dequeue'), (x) => enqs.some((e) => precedes(e, x) && e.inv.value !== x.done.value && deqOf.has(e.inv.value) && precedes(x, deqOf.get(e.inv.value)!)));
  if (!d) return false;
  d.done.value = null;
  return true;
}

function plantRegister(kind: string, ok: Pair[], precedes: (a: Pair, b: Pair) => boolean, choose: <T>(xs: T[]) => T | null): boolean {
  const reads = ok.filter((p) => p.done.f === 'read');
  const writers = ok.filter((p) => p.done.f === 'write' || p.done.f === 'cas');
  const valueOf = (w: Pair): unknown => (w.done.f === 'cas' ? (w.inv.value as unknown[])[1] : w.inv.value);
  if (kind === 'phantom-value') {
    const r = choose(reads);
    if (!r) return false;
    r.done.value = NEVER;
    return true;
  }
  if (kind === 'future-read') {
    for (let attempt = 0; attempt < 300 && reads.length; attempt++) {
      const r = choose(reads)!, w = choose(writers.filter((x) => precedes(r, x)));
      if (!w) continue;
      r.done.value = valueOf(w);
      return true;
    }
    return false;
  }
  for (let attempt = 0; attempt < 300 && reads.length; attempt++) {
    const r = choose(reads)!;
    const overwritten = Math.max(-1, ...writers.filter((w2) => precedes(w2, r)).map((w2) => w2.inv.index));
    const w1 = choose(writers.filter((w) => w.done.index < overwritten));
    if (!w1) continue;
    r.done.value = valueOf(w1);
    return true;
  }
  return false;
}
