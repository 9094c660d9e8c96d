// A lock: acquire succeeds only when free, release only when held. Checks that no two clients hold
// the lock at once in any linearization (ZooKeeper lock recipe histories).
import type { Model } from './model.ts';
import { ILLEGAL, byKey } from './model.ts';
import { expectFunction } from './values.ts';

export interface MutexInput { f: 'acquire' | 'release' }

export const mutex: Model<boolean, MutexInput, null> = {
  name: 'mutex',
  description: 'acquire / release of one lock (initially free)',
  init: () => false,
  prepare(op) {
    expectFunction(op, ['acquire', 'release'], 'mutex');
    return { input: { f: op.f as 'acquire' | 'release' }, output: null };
  },
  step(held, input) {
    if (input.f === 'acquire') return held ? ILLEGAL : { ok: true, state: true };
    return held ? { ok: true, state: false } : ILLEGAL;
  },
  hash: (held) => (held ? 1 : 2),
  equal: (a, b) => a === b,
  readOnly: () => false,
  partitionKey: byKey,
  describeOp: (input) => input.f,
  describeState: (held) => (held ? 'held' : 'free'),
};
