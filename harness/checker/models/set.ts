// A grow-only set: add v, read → all values added so far (order ignored). States are sorted arrays
// of canonical values so that equal sets compare and hash equally.
import type { Model } from './model.ts';
import { ILLEGAL, UNKNOWN, byKey } from './model.ts';
import { canonical, expectFunction, hashValue, show } from './values.ts';

type Value = null | number | string | boolean;
type SetState = readonly Value[];
export interface SetInput { f: 'add' | 'read'; value: Value }

/** A total order on canonical values: by type (nil, booleans, numbers, strings), then by value.
 *  Compares without building strings: reads of large sets sort thousands of values. */
const TYPE_RANK: Record<string, number> = { object: 0, boolean: 1, number: 2, string: 3 };
const order = (a: Value, b: Value): number => {
  if (a === b) return 0;
  const ta = typeof a, tb = typeof b;
  if (ta !== tb) return TYPE_RANK[ta] - TYPE_RANK[tb];
  return (a as number | string) < (b as number | string) ? -1 : 1;
};
const same = (a: SetState, b: SetState): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

export const set: Model<SetState, SetInput, SetState | null> = {
  name: 'set',
  description: 'add v / read → all values added (as a list, order ignored)',
  init: () => [],
  prepare(op) {
    expectFunction(op, ['add', 'read'], 'set');
    if (op.f === 'add') return { input: { f: 'add', value: canonical(op.invokeValue) }, output: null };
    const v = op.value;
    if (v !== null && v !== undefined && !Array.isArray(v)) throw new Error(`set read must return a list, got ${show(v)}`);
    const listed = v ? (v as unknown[]).map(canonical) : [];
    const values = listed.every((x, i) => i === 0 || order(listed[i - 1], x) < 0) ? listed : [...new Set(listed)].sort(order);
    return { input: { f: 'read', value: null }, output: values };
  },
  step(state, input, output) {
    if (input.f === 'add') {
      if (state.includes(input.value)) return { ok: true, state };
      return { ok: true, state: [...state, input.value].sort(order) };
    }
    return output === UNKNOWN || same(state, output ?? []) ? { ok: true, state } : ILLEGAL;
  },
  hash(state) {
    let h = state.length;
    for (const v of state) h = Math.imul(h ^ hashValue(v), 0x01000193);
    return h | 0;
  },
  equal: same,
  readOnly: (input) => input.f === 'read',
  partitionKey: byKey,
  describeOp: (input, output) => (input.f === 'add' ? `add ${show(input.value)}` : `read → ${output === UNKNOWN ? '?' : `{${(output ?? []).map(show).join(' ')}}`}`),
  describeState: (state) => `{${state.map(show).join(' ')}}`,
};
