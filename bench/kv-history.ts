// A large linearizable kv history for the checker bench: clients append unique values to and read
// random keys; every op takes effect at a random moment between its invoke and its completion, so
// the history is linearizable by construction. Seeded (pure-rand) so every run checks the same ops.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { Op } from '../harness/history/op.ts';

export interface KvHistoryOptions { ops: number; keys: number; seed: number; clients?: number }

export function generateKvHistory(opts: KvHistoryOptions): Op[] {
  return [...kvOps(opts)];
}

/** The same history one op at a time, for writing a file larger than the memory it would take whole. */
export function* kvOps(opts: KvHistoryOptions): Generator<Op> {
  const rng = xoroshiro128plus(opts.seed);
  const rand = (n: number): number => uniformInt(rng, 0, n - 1);
  const clients = opts.clients ?? 20;
  const store = new Map<string, string>();
  let emitted = 0;
  const running = new Map<number, { f: string; key: string; value: string | null; applied: boolean; result?: string }>();
  const record = (process: number, type: Op['type'], f: string, key: string, value: unknown): Op => {
    const index = emitted++;
    return { index, time: index, process, type, f, key, value };
  };
  let invoked = 0, serial = 0;
  while (invoked < opts.ops || running.size > 0) {
    const c = rand(clients);
    const op = running.get(c);
    if (!op) {
      if (invoked >= opts.ops) continue;
      const key = `k${rand(opts.keys)}`;
      const f = rand(3) === 0 ? 'get' : 'append';
      const value = f === 'get' ? null : `v${serial++};`;
      running.set(c, { f, key, value, applied: false });
      yield record(c, 'invoke', f, key, value);
      invoked++;
    } else if (!op.applied) {
      const before = store.get(op.key) ?? '';
      if (op.f === 'append') store.set(op.key, before + op.value);
      op.result = op.f === 'append' ? (op.value as string) : before;
      op.applied = true;
    } else {
      running.delete(c);
      yield record(c, 'ok', op.f, op.key, op.result);
    }
  }
}
