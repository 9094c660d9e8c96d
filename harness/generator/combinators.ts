// Small generator building blocks. A generator is a function of its context; the few that need
// memory (how many ops a worker already issued) keep it per worker slot inside a closure that a
// workload creates fresh for every run.
import type { GenContext, OpGenerator, OpSpec } from './types.ts';

/** Ops drawn by weight: mix({read: [2, () => ({f:'read', value:null})], ...}). */
export function mix(choices: Record<string, [number, (ctx: GenContext) => OpSpec]>): OpGenerator {
  const weights = Object.fromEntries(Object.entries(choices).map(([k, [w]]) => [k, w]));
  return (ctx) => choices[ctx.rng.weighted(weights)][1](ctx);
}

/** Each worker issues the ops of `make` once, then is done (final reads). */
export function eachWorkerOnce(make: (ctx: GenContext) => OpSpec[]): OpGenerator {
  const issued = new Map<number, number>();
  return (ctx) => {
    const n = issued.get(ctx.worker) ?? 0;
    const ops = make(ctx);
    if (n >= ops.length) return null;
    issued.set(ctx.worker, n + 1);
    return ops[n];
  };
}

/** At most `limit` ops from this generator per worker. */
export function limitPerWorker(limit: number, gen: OpGenerator): OpGenerator {
  const issued = new Map<number, number>();
  return (ctx) => {
    const n = issued.get(ctx.worker) ?? 0;
    if (n >= limit) return null;
    const op = gen(ctx);
    if (op) issued.set(ctx.worker, n + 1);
    return op;
  };
}

/** Only worker slots in `workers` get ops from gen; the others are done at once. */
export function onlyWorkers(workers: number[], gen: OpGenerator): OpGenerator {
  return (ctx) => (workers.includes(ctx.worker) ? gen(ctx) : null);
}
