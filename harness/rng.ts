// Seeded randomness for everything that must replay: op mixes, fault schedules, target picks.
// One root seed per run; each consumer forks its own stream by label so adding a consumer does not
// shift the numbers another one sees.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

type Generator = ReturnType<typeof xoroshiro128plus>;

export class Rng {
  private readonly gen: Generator;
  constructor(readonly seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }
  /** An independent stream derived from this seed and a label. */
  fork(label: string): Rng {
    let h = this.seed | 0;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x9e3779b1) | 0;
    return new Rng(h ^ (h >>> 15));
  }
  /** Float in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }
  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return uniformInt(this.gen, lo, hi);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)];
  }
  /** A random subset of exactly n items, order preserved. */
  sample<T>(items: readonly T[], n: number): T[] {
    const idx = items.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, n).sort((a, b) => a - b).map((i) => items[i]);
  }
  /** Chooses a key by relative weight: {read: 2, write: 1} → 'read' two times in three. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.float() * total;
    for (const [k, w] of entries) if ((x -= w) < 0) return k;
    return entries[entries.length - 1][0];
  }
}

/** A fresh seed when the user gave none (printed with every run so it can be replayed). */
export const randomSeed = (): number => Math.floor(Math.random() * 2 ** 31);
