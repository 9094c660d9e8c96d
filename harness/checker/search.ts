// LinearizationSearch: the Wing–Gong/Lowe search as Porcupine does it, over one independent
// sub-history. Ops live in a doubly linked list of call/return entries (typed arrays, no objects in
// the hot loop); linearizing an op lifts its entries out of the list, backtracking puts them back.
// A cache of (set of linearized ops, model state) prunes configurations already explored; the set is a
// Uint32Array bitset with an incrementally maintained Zobrist hash, cached as its frontier plus the few
// words above it; model states are interned to integers. Ops with unknown outcome (info) have a call
// entry but no return entry: they may be linearized anywhere after their invoke, or never. The loop
// checks its time and memory budget every thousand steps and gives up with 'unknown' instead of
// running out of either.
import { performance } from 'node:perf_hooks';
import type { Model, Outcome } from './models/model.ts';

/** One op as the search sees it: positions are event order in the history (invoke < completion). */
export interface SearchOp {
  call: number;
  /** Position of the completion, or Infinity when the outcome is unknown. */
  ret: number;
  input: unknown;
  output: Outcome<unknown>;
}

export interface SearchBudget {
  /** performance.now() value after which the search gives up. */
  deadline: number;
  /** Bytes the cache may take before the search gives up. */
  maxCacheBytes: number;
  /** Resident set size (bytes) at which the search gives up. */
  maxRssBytes: number;
  /** Optional cap on loop steps, so several partitions can take turns (see linearizability.ts). */
  maxSteps?: number;
}

export type SearchOutcome =
  | { result: 'ok'; explored: number }
  | { result: 'illegal'; explored: number; longestPrefix: number[] }
  | { result: 'unknown'; reason: 'time' | 'memory' | 'steps'; explored: number; longestPrefix: number[] };

const CHECK_EVERY = 0x3ff;
const MEMO_ENTRIES = 1 << 16;
const STATE_BYTES = 64; // rough cost of one interned model state (reference plus a small object or string)

/** Searches for a linearization of `ops` (op ids are array positions). `longestPrefix` lists op ids in
 *  the order of the longest linearizable prefix the search reached. */
export function searchLinearization(model: Model, ops: readonly SearchOp[], budget: SearchBudget): SearchOutcome {
  return new LinearizationSearch(model, ops).run(budget);
}

/** A search that can be paused after a number of steps and resumed, so that independent partitions
 *  can take turns without repeating work. Model states are interned into integer ids and each
 *  (state, op) transition is computed once, so the loop itself only moves integers. */
export class LinearizationSearch {
  private readonly list: EntryList;
  private readonly bits: Uint32Array;
  private readonly zobrist: Int32Array;
  private readonly cache: ConfigurationCache;
  private readonly states: StateTable;
  private readonly stackEntry: Int32Array;
  private readonly stackState: Int32Array;
  /** The deepest stack reached (entries), its depth, and the lowest depth popped to since it was copied. */
  private readonly best: Int32Array;
  private bestDepth = 0;
  private lowWater = 0;
  private depth = 0;
  private bitHash = 0;
  private explored = 0;
  private steps = 0;
  private state: number;
  private entry: number;
  /** Smallest op id not linearized, and largest id linearized (-1: none): the cache stores only the
   *  bitset words between them, as everything below the frontier is linearized. */
  private frontier = 0;
  private top = -1;
  private readonly n: number;
  private finished: SearchOutcome | null = null;

  constructor(model: Model, ops: readonly SearchOp[]) {
    const n = ops.length;
    this.n = n;
    this.list = buildList(ops);
    this.bits = new Uint32Array(Math.max(1, (n + 31) >>> 5));
    this.zobrist = zobristKeys(n);
    this.cache = new ConfigurationCache();
    this.states = new StateTable(model, ops);
    this.stackEntry = new Int32Array(n + 1);
    this.stackState = new Int32Array(n + 1);
    this.best = new Int32Array(n + 1);
    this.state = this.states.initial;
    this.entry = this.list.next[this.list.HEAD];
  }

  /** Bytes held by the cache and the state table. */
  bytes(): number {
    return this.cache.bytes() + this.states.bytes();
  }

  /** Runs until a verdict or until the budget (or `budget.maxSteps` more steps) runs out. */
  run(budget: SearchBudget): SearchOutcome {
    if (this.finished) return this.finished;
    const { list, bits, zobrist, cache, states, stackEntry, stackState } = this;
    const { next, HEAD, TAIL } = list;
    const stopAt = budget.maxSteps === undefined ? Infinity : this.steps + budget.maxSteps;
    let { depth, bitHash, explored, steps, state, entry, frontier, top, bestDepth, lowWater } = this;
    const best = this.best;
    const n = this.n;
    let outcome: SearchOutcome | null = null;
    for (;;) {
      if (entry === TAIL) { outcome = { result: 'ok', explored }; break; }
      if ((entry & 1) === 0) {
        const id = entry >> 1;
        const after = states.step(state, id);
        explored++;
        if (after >= 0) {
          const w = id >>> 5, b = 1 << (id & 31);
          bits[w] |= b;
          bitHash ^= zobrist[id];
          let nextFrontier = frontier;
          if (id === frontier) while (nextFrontier < n && (bits[nextFrontier >>> 5] & (1 << (nextFrontier & 31))) !== 0) nextFrontier++;
          const nextTop = id > top ? id : top;
          if (cache.add(bits, bitHash, after, nextFrontier, nextTop)) {
            frontier = nextFrontier;
            top = nextTop;
            stackEntry[depth] = entry;
            stackState[depth++] = state;
            state = after;
            lift(list, entry);
            if (depth > bestDepth) {
              // Copy only what changed since the last record (the stack below lowWater is the same).
              best.set(stackEntry.subarray(lowWater, depth), lowWater);
              bestDepth = lowWater = depth;
            }
            entry = next[HEAD];
          } else {
            bits[w] &= ~b;
            bitHash ^= zobrist[id];
            entry = next[entry];
          }
        } else entry = next[entry];
      } else {
        if (depth === 0) { this.bestDepth = bestDepth; outcome = { result: 'illegal', explored, longestPrefix: this.longestPrefix() }; break; }
        const last = stackEntry[--depth];
        if (depth < lowWater) lowWater = depth;
        const id = last >> 1;
        state = stackState[depth];
        bits[id >>> 5] &= ~(1 << (id & 31));
        bitHash ^= zobrist[id];
        if (id < frontier) frontier = id;
        if (id === top) while (top >= 0 && (bits[top >>> 5] & (1 << (top & 31))) === 0) top--;
        unlift(list, last);
        entry = next[last];
      }
      if ((++steps & CHECK_EVERY) === 0) {
        const reason = steps >= stopAt ? 'steps' : overBudget(budget, this.bytes());
        if (reason) return this.pause({ depth, bitHash, explored, steps, state, entry, frontier, top, bestDepth, lowWater }, reason);
      }
    }
    this.finished = outcome;
    return outcome;
  }

  private pause(at: { depth: number; bitHash: number; explored: number; steps: number; state: number; entry: number; frontier: number; top: number; bestDepth: number; lowWater: number }, reason: 'time' | 'memory' | 'steps'): SearchOutcome {
    Object.assign(this, at);
    return { result: 'unknown', reason, explored: at.explored, longestPrefix: this.longestPrefix() };
  }

  /** Op ids of the deepest stack the search has reached, in linearization order. */
  private longestPrefix(): number[] {
    return prefixIds(this.best, this.bestDepth);
  }
}

/** When the resident set size was last read: reading it costs a system call, so at most every
 *  RSS_EVERY_MS across all searches (several may be alive, taking turns). */
let lastRssCheck = 0;
const RSS_EVERY_MS = 20;

function overBudget(budget: SearchBudget, cacheBytes: number): 'time' | 'memory' | null {
  const now = performance.now();
  if (now > budget.deadline) return 'time';
  if (cacheBytes > budget.maxCacheBytes) return 'memory';
  if (now - lastRssCheck > RSS_EVERY_MS) {
    lastRssCheck = now;
    if (process.memoryUsage.rss() > budget.maxRssBytes) return 'memory';
  }
  return null;
}

function prefixIds(stackEntry: Int32Array, depth: number): number[] {
  const out = new Array<number>(depth);
  for (let i = 0; i < depth; i++) out[i] = stackEntry[i] >> 1;
  return out;
}

interface EntryList { next: Int32Array; prev: Int32Array; match: Int32Array; HEAD: number; TAIL: number }

/** Entries: call of op i is 2i, its return 2i+1 (absent for unknown outcomes); HEAD and TAIL sentinels. */
function buildList(ops: readonly SearchOp[]): EntryList {
  const n = ops.length, HEAD = 2 * n, TAIL = 2 * n + 1;
  const events: { pos: number; entry: number }[] = [];
  ops.forEach((op, i) => {
    events.push({ pos: op.call, entry: 2 * i });
    if (op.ret !== Infinity) events.push({ pos: op.ret, entry: 2 * i + 1 });
  });
  events.sort((a, b) => a.pos - b.pos || (a.entry & 1) - (b.entry & 1));
  const next = new Int32Array(2 * n + 2).fill(-1), prev = new Int32Array(2 * n + 2).fill(-1);
  const match = new Int32Array(2 * n + 2).fill(-1);
  let last = HEAD;
  for (const { entry } of events) { next[last] = entry; prev[entry] = last; last = entry; }
  next[last] = TAIL; prev[TAIL] = last;
  ops.forEach((op, i) => { match[2 * i] = op.ret === Infinity ? -1 : 2 * i + 1; });
  return { next, prev, match, HEAD, TAIL };
}

function lift(list: EntryList, call: number): void {
  const { next, prev, match } = list;
  next[prev[call]] = next[call];
  prev[next[call]] = prev[call];
  const ret = match[call];
  if (ret >= 0) { next[prev[ret]] = next[ret]; prev[next[ret]] = prev[ret]; }
}

function unlift(list: EntryList, call: number): void {
  const { next, prev, match } = list;
  const ret = match[call];
  if (ret >= 0) { next[prev[ret]] = ret; prev[next[ret]] = ret; }
  next[prev[call]] = call;
  prev[next[call]] = call;
}

/** Deterministic random 32-bit keys (xorshift), one per op, so runs are reproducible. */
function zobristKeys(n: number): Int32Array {
  const keys = new Int32Array(n);
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; keys[i] = x; }
  return keys;
}

/** Model states interned as integer ids, with a memo of every (state, op) transition: -2 not yet
 *  computed, -1 illegal, otherwise the id of the next state. */
class StateTable {
  readonly initial: number;
  private readonly values: unknown[] = [];
  private hashes = new Int32Array(64);
  private slots = new Int32Array(128);
  private mask = 127;
  private transitions: Int32Array;
  private readonly n: number;
  private readonly inputs: unknown[];
  private readonly outputs: unknown[];

  constructor(private readonly model: Model, ops: readonly SearchOp[]) {
    this.n = Math.max(1, ops.length);
    this.inputs = ops.map((o) => o.input);
    this.outputs = ops.map((o) => o.output);
    this.transitions = new Int32Array(16 * this.n).fill(-2);
    this.initial = this.intern(model.init());
  }

  bytes(): number {
    return this.transitions.byteLength + this.slots.byteLength + this.hashes.byteLength + this.values.length * STATE_BYTES;
  }

  step(state: number, op: number): number {
    const at = state * this.n + op;
    if (at < this.transitions.length) {
      const known = this.transitions[at];
      if (known !== -2) return known;
    }
    const r = this.model.step(this.values[state], this.inputs[op], this.outputs[op]);
    const next = r.ok ? this.intern(r.state) : -1;
    if (at < this.transitions.length) this.transitions[at] = next;
    return next;
  }

  private intern(value: unknown): number {
    const h = this.model.hash(value) | 0;
    let slot = (h ^ (h >>> 16)) & this.mask;
    for (;;) {
      const id = this.slots[slot] - 1;
      if (id < 0) break;
      if (this.hashes[id] === h && this.model.equal(this.values[id], value)) return id;
      slot = (slot + 1) & this.mask;
    }
    const id = this.values.length;
    this.values.push(value);
    if (id >= this.hashes.length) { this.hashes = grown(this.hashes, this.hashes.length * 2); }
    this.hashes[id] = h;
    this.slots[slot] = id + 1;
    // The memo grows with the number of states up to MEMO_ENTRIES; models whose states rarely repeat
    // (kv strings) gain nothing from it, so states beyond that are stepped without a memo.
    if ((id + 1) * this.n > this.transitions.length && this.transitions.length * 2 <= MEMO_ENTRIES) {
      const more = new Int32Array(this.transitions.length * 2).fill(-2);
      more.set(this.transitions);
      this.transitions = more;
    }
    if ((id + 1) * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let id = 0; id < this.values.length; id++) {
      const h = this.hashes[id];
      let slot = (h ^ (h >>> 16)) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
    }
  }
}

function grown<T extends Int32Array | Uint32Array>(array: T, length: number): T {
  const out = new (array.constructor as new (n: number) => T)(length);
  out.set(array);
  return out;
}

/** Open-addressing set of (set of linearized ops, state id) configurations; size accounted in bytes.
 *  A set is stored as its frontier (every op id below it is in the set) plus the bitset words from
 *  the frontier's word to the word of the largest member: a few words however long the history. */
class ConfigurationCache {
  private slots = new Int32Array(1024);
  private mask = 1023;
  private hashes = new Int32Array(256);
  private stateIds = new Int32Array(256);
  private frontiers = new Int32Array(256);
  private offsets = new Int32Array(257);
  private words = new Uint32Array(1024);
  private size = 0;

  bytes(): number {
    return this.slots.byteLength + this.hashes.byteLength * 4 + this.words.byteLength;
  }

  /** Adds the configuration; false when it was already there. */
  add(bits: Uint32Array, bitHash: number, state: number, frontier: number, top: number): boolean {
    const h = (bitHash ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
    const from = frontier >>> 5, to = top < frontier ? from : (top >>> 5) + 1;
    let slot = (h ^ (h >>> 15)) & this.mask;
    for (;;) {
      const e = this.slots[slot] - 1;
      if (e < 0) break;
      if (this.hashes[e] === h && this.stateIds[e] === state && this.frontiers[e] === frontier && this.sameWords(e, bits, from, to)) return false;
      slot = (slot + 1) & this.mask;
    }
    const e = this.size++;
    if (e + 1 >= this.hashes.length) this.grow();
    const at = this.offsets[e];
    if (at + (to - from) > this.words.length) this.words = grown(this.words, Math.max(this.words.length * 2, at + (to - from)));
    for (let i = from; i < to; i++) this.words[at + i - from] = bits[i];
    this.offsets[e + 1] = at + (to - from);
    this.hashes[e] = h;
    this.stateIds[e] = state;
    this.frontiers[e] = frontier;
    this.slots[slot] = e + 1;
    if (this.size * 2 > this.slots.length) this.rehash();
    return true;
  }

  private sameWords(e: number, bits: Uint32Array, from: number, to: number): boolean {
    const at = this.offsets[e];
    if (this.offsets[e + 1] - at !== to - from) return false;
    for (let i = from; i < to; i++) if (this.words[at + i - from] !== bits[i]) return false;
    return true;
  }

  private grow(): void {
    const length = this.hashes.length * 2;
    this.hashes = grown(this.hashes, length);
    this.stateIds = grown(this.stateIds, length);
    this.frontiers = grown(this.frontiers, length);
    this.offsets = grown(this.offsets, length + 1);
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      const h = this.hashes[e];
      let slot = (h ^ (h >>> 15)) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = e + 1;
    }
  }
}
